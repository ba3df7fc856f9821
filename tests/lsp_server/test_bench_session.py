"""`atelier bench session` without the model: its command, its files and how it reads phases."""

from atelier.lsp_server.bench.session import Request, _Doc, _Script, _first_after_switch, _phases, default_files
from atelier.lsp_server.cli.main import build_parser


def test_the_command_is_wired():
    args = build_parser().parse_args(["bench", "session", "--json", "--pause-s", "2"])
    assert args.json and args.pause_s == 2.0 and args.func.__name__ == "cmd_bench_session"


def test_file_a_is_long_and_a_function_of_it_is_typed_back():
    a, b = default_files()
    assert len(a.read_text().splitlines()) >= 1000 and b.is_file()
    doc = _Doc(a)
    assert len(doc.steps) > 60 and sum(s.request for s in doc.steps) >= len(doc.steps) // 3
    assert doc.cursor() == (doc.steps[0].line, doc.steps[0].col)


def test_phases_and_the_first_requests_after_switching_back():
    script = _Script(session=None)
    script.requests = [Request("switch_first", 100.0, 500, 5, "x"), Request("switch", 10.0, 0, 0, "y"),
                       Request("switch_first", 300.0, 500, 45, "z")]
    assert [r.ms for r in _first_after_switch(script)] == [100.0, 300.0]
    phases = _phases(script)
    assert phases["switch_first"]["reeval_fraction"] == 0.05 and phases["switch"]["prompt_tokens"] == 0
