"""Generate to pass the tests, without a client: which functions are stubs, which test file
exercises them, candidates cut from model output, each run against the real tests in the
sandbox (a copy of the workspace), the first passing one kept, every attempt in the dataset."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from atelier.context.stubs import choose_tests, cut_body, find_stub, prompt, with_body
from atelier.lsp_server.engine.generate_to_pass import DATASET, PassRequest, generate_to_pass

CALC = '''import math


def add(a, b):
    """The sum of a and b."""
    ...


def mul(a, b): pass


def area(r):
    raise NotImplementedError("later")


def sub(a, b):
    return a - b
'''
TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert add(-1, 1) == 0\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "tests" / "test_calc.py").write_text(TESTS)
    (root / "tests" / "test_other.py").write_text("def test_nothing():\n    assert True\n")
    (root / "tests" / "test_mentions.py").write_text("# add is tested elsewhere\n")
    return root


def at(name: str) -> int:
    return CALC.index(f"def {name}") + 4


def test_stubs_are_ellipsis_pass_or_not_implemented_and_a_selection_takes_any_function():
    assert [find_stub(CALC, at(n), at(n)) is not None for n in ("add", "mul", "area", "sub")] == [True, True, True, False]
    sub = CALC.index("return a - b")
    assert find_stub(CALC, sub, sub + 6, any_body=True).name == "sub"
    assert find_stub(CALC, 0, 0) is None  # the import line is in no function


def test_a_body_replaces_the_stub_below_the_docstring_and_one_liners_get_their_own_line():
    add = find_stub(CALC, at("add"), at("add"))
    assert '    """The sum of a and b."""\n    return a + b\n\n\ndef mul' in with_body(CALC, add, "    return a + b")
    mul = find_stub(CALC, at("mul"), at("mul"))
    assert "def mul(a, b):\n    return a * b\n\n\ndef area" in with_body(CALC, mul, "    return a * b")


def test_the_prompt_ends_in_the_body_and_shows_the_tests():
    add = find_stub(CALC, at("add"), at("add"))
    text = prompt(CALC, add, TESTS, "tests/test_calc.py")
    assert text.endswith('def add(a, b):\n    """The sum of a and b."""\n')
    assert "#     assert add(2, 3) == 5\n" in text and "tests/test_calc.py" in text


def test_a_candidate_ends_where_the_function_does():
    assert cut_body("    return a + b\n\n\ndef other():\n    pass", "    ") == "    return a + b"
    assert cut_body("    \n    if a:\n        return b\n    return a + b\nprint(1)", "    ") == "    if a:\n        return b\n    return a + b"
    assert cut_body("def other():\n    pass", "    ") == ""  # the model went on to another function


def test_the_test_file_that_imports_the_module_and_calls_the_function_is_chosen(workspace):
    assert choose_tests(workspace, workspace / "calc.py", "add") == workspace / "tests" / "test_calc.py"
    assert choose_tests(workspace, workspace / "calc.py", "nowhere") == workspace / "tests" / "test_calc.py"  # imports calc
    (workspace / "tests" / "test_calc.py").unlink()
    assert choose_tests(workspace, workspace / "calc.py", "add") == workspace / "tests" / "test_mentions.py"
    assert choose_tests(workspace, workspace / "calc.py", "zzz") is None


def request(workspace: Path, tests: str = "tests/test_calc.py", n: int = 8) -> PassRequest:
    add = find_stub(CALC, at("add"), at("add"))
    return PassRequest(CALC, add, "calc.py", str(workspace), tests, TESTS, n, timeout_s=20)


def test_with_injected_candidates_the_passing_one_is_picked_over_failing_ones_and_all_are_recorded(workspace, tmp_path):
    candidates = ["    return a - b", "    return", "    return a +", "    return a + b", "    return b + a"]
    data = tmp_path / "data"
    outcome = generate_to_pass(request(workspace, n=len(candidates)), lambda i: candidates[i], data, "injected")
    assert outcome.winner == 3 and not outcome.error
    assert outcome.edit.apply(CALC) == with_body(CALC, find_stub(CALC, at("add"), at("add")), "    return a + b")
    assert [a.passed for a in outcome.attempts] == [False, False, False, True]  # stops at the first pass
    assert "assert -1 == 5" in outcome.attempts[0].output or "AssertionError" in outcome.attempts[0].output
    assert "does not parse" in outcome.attempts[2].output
    lines = [json.loads(line) for line in (data / DATASET).read_text().splitlines()]
    assert [(r["attempt"], r["candidate"], r["passed"]) for r in lines] == [(i, c, i == 3) for i, c in enumerate(candidates[:4])]
    assert {r["tests"] for r in lines} == {"tests/test_calc.py"} and all(r["seconds"] >= 0 for r in lines)
    assert lines[0]["prompt"].endswith('"""The sum of a and b."""\n') and lines[0]["output_tail"]
    assert stat.S_IMODE(os.stat(data / DATASET).st_mode) == 0o600
    assert (workspace / "calc.py").read_text() == CALC  # tests ran on a copy


def test_when_none_passes_the_message_says_so_and_nothing_changes(workspace, tmp_path):
    candidates = ["    return 0", "    import socket; socket.create_connection(('127.0.0.1', 9)); return a + b"]
    outcome = generate_to_pass(request(workspace, "tests/test_calc.py::test_add", 2), lambda i: candidates[i], tmp_path)
    assert outcome.edit is None and outcome.winner == -1
    assert "none of 2 candidates for add passed tests/test_calc.py::test_add" in outcome.error
    assert "disabled in the Atelier sandbox" in outcome.attempts[1].output  # no network


def test_a_candidate_tried_before_is_not_run_again(workspace, tmp_path):
    runs = []
    outcome = generate_to_pass(request(workspace, n=3), lambda i: runs.append(i) or "    return 0", tmp_path)
    assert len(outcome.attempts) == 3 and outcome.attempts[1].seconds == outcome.attempts[0].seconds
