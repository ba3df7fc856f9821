"""`atelier bench session` without the model: its command, its files and how it reads phases."""

from pathlib import Path

from atelier.lsp_server.bench.session import (
    Request, _after_chat_figures, _Doc, _first_after_switch, _first_request_figures, _phases, _Script, default_files,
)
from atelier.lsp_server.cli.main import build_parser


def _script(*requests: Request) -> _Script:
    script = _Script(session=None)
    script.requests = list(requests)
    return script


def test_the_command_is_wired():
    args = build_parser().parse_args(["bench", "session", "--json", "--pause-s", "2"])
    assert args.json and args.pause_s == 2.0 and args.func.__name__ == "cmd_bench_session"


def test_file_a_is_long_and_a_function_of_it_is_typed_back():
    a, b, c = default_files()
    assert len(a.read_text().splitlines()) >= 1000 and b.is_file() and c.is_file()
    doc = _Doc(a)
    assert len(doc.steps) > 60 and sum(s.request for s in doc.steps) >= len(doc.steps) // 3
    assert doc.cursor() == (doc.steps[0].line, doc.steps[0].col)


def test_phases_and_the_first_requests_after_switching_back():
    script = _script(Request("switch_first", 100.0, 500, 5, "x"), Request("switch", 10.0, 0, 0, "y"),
                     Request("switch_first", 300.0, 500, 45, "z"))
    assert [r.ms for r in _first_after_switch(script)] == [100.0, 300.0]
    phases = _phases(script)
    assert phases["switch_first"]["reeval_fraction"] == 0.05 and phases["switch"]["prompt_tokens"] == 0


def test_the_first_request_ratio_is_the_median_of_the_three_opened_files():
    # One file's first request caught a slow moment (ratio 0.5); the other two files decide.
    on = _script(Request("type_a", 1000.0, 180, 60, "a"), Request("type_a", 90.0, 181, 1, "b"),
                 Request("type_b", 5000.0, 170, 70, "c"), Request("type_c", 1200.0, 190, 50, "d"))
    base = _script(Request("type_a", 10000.0, 880, 880, "a"), Request("type_b", 10000.0, 870, 870, "c"),
                   Request("type_c", 10000.0, 900, 900, "d"), Request("type_c", 200.0, 901, 1, "e"))
    figures = _first_request_figures(on, base, (Path("a.py"), Path("b.py"), Path("c.py")))
    assert figures["first_request_ratio"] == 0.12
    assert [f["ratio"] for f in figures["first_requests"]] == [0.1, 0.5, 0.12]
    assert [f["file"] for f in figures["first_requests"]] == ["a.py", "b.py", "c.py"]


def test_the_keystroke_after_chat_is_compared_with_the_same_keystroke_asked_again():
    # The second chat's keystroke is a long answer (2,000 ms), and so is its repeat: compared
    # with the typing median it would look slow, against itself it is not what decides.
    script = _script(Request("type_a", 1000.0, 180, 60, "a"), Request("type_a", 300.0, 181, 1, "b"),
                     Request("type_a", 8.0, 0, 0, "c"),  # typed through: no model, not a keystroke's latency
                     Request("type_a", 500.0, 181, 1, "d"),
                     Request("after_chat", 450.0, 190, 2, "e"), Request("after_chat_again", 300.0, 190, 1, "e"),
                     Request("back_a", 7.0, 0, 0, "f"),
                     Request("after_chat", 2000.0, 190, 2, "g"), Request("after_chat_again", 1000.0, 190, 1, "g"),
                     Request("after_chat", 600.0, 191, 2, "h"), Request("after_chat_again", 600.0, 191, 1, "h"))
    figures = _after_chat_figures(script)
    assert figures == {"after_chat_ms": [450.0, 2000.0, 600.0], "after_chat_again_ms": [300.0, 1000.0, 600.0],
                       "after_chat_ratio": 1.5, "after_chat_typing_ratio": 1.2}
