"""Generate to pass the tests through the real server with scripted candidates (the server
started by the test-only entry point tests/lsp_server/scripted_server.py, a scripted backend
in place of the model): the first passing candidate is applied, every attempt recorded, a
run where none passes says so; and the product takes no candidate from the client."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_server.lsp_helpers import record_applied_edits, scripted_config

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

CALC = 'def add(a, b):\n    """Return the sum of a and b."""\n    ...\n\n\ndef double(x):\n    return 2 * x\n'
TESTS = ("from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert add(10, -4) == 6\n\n\n"
         "def test_add_small():\n    assert add(1, 1) == 2\n")
WORKSPACE = Path(tempfile.mkdtemp(prefix="atelier-scripted-ws-"))
(WORKSPACE / "tests").mkdir()
(WORKSPACE / "calc.py").write_text(CALC)
(WORKSPACE / "tests" / "test_calc.py").write_text(TESTS)
URI = (WORKSPACE / "calc.py").as_uri()
ON_ADD = {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 4}}
PASSING_THIRD = ["return a * b", "return a - b", "return a + b", "return b + a + 0"]
SCRIPT = WORKSPACE.parent / f"{WORKSPACE.name}-script.json"
SCRIPT.write_text(json.dumps({"(tests/test_calc.py::test_add)": PASSING_THIRD,
                              "(tests/test_calc.py::test_add_small)": ["return 0"]}))
CONFIG = scripted_config(SCRIPT)
DATA = Path(CONFIG.server_env["ATELIER_DATA_DIR"])
APPLIED: list[types.ApplyWorkspaceEditParams] = []


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    record_applied_edits(lsp_client, APPLIED)

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=WORKSPACE.as_uri(),
        initialization_options={"generate": {"candidates": 4}}))
    lsp_client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, CALC)))
    yield
    await lsp_client.shutdown_session()


def applied_text(params: types.ApplyWorkspaceEditParams) -> str:
    change = params.edit.document_changes[0]
    assert change.text_document.uri == URI
    (edit,) = change.edits
    lines = CALC.split("\n")
    offset = lambda p: sum(len(line) + 1 for line in lines[: p.line]) + p.character  # noqa: E731
    return CALC[: offset(edit.range.start)] + edit.new_text + CALC[offset(edit.range.end):]


def attempts_recorded(tests: str) -> list[dict]:
    path = DATA / "dataset" / "attempts.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [r for r in rows if r.get("tests") == tests]


async def run(client: LanguageClient, tests: str) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        "atelier.generateToPassTests", [{"uri": URI, "range": ON_ADD, "tests": tests}]))


async def test_the_first_passing_candidate_is_applied_and_every_attempt_recorded(client):
    tests = "tests/test_calc.py::test_add"
    shown = len(APPLIED)
    answer = await run(client, tests)
    assert answer["applied"] is True and answer["winner"] == 2
    assert [a["passed"] for a in answer["attempts"]] == [False, False, True]
    assert applied_text(APPLIED[shown]) == CALC.replace("    ...\n", "    return a + b\n")
    bodies = ["    " + c for c in PASSING_THIRD]
    assert [(r["candidate"], r["passed"]) for r in attempts_recorded(tests)] == [(c, c == bodies[2]) for c in bodies[:3]]
    assert (WORKSPACE / "calc.py").read_text() == CALC  # the server never writes the file


async def test_none_passing_is_a_clear_message_and_nothing_is_applied(client):
    shown = len(APPLIED)
    answer = await run(client, "tests/test_calc.py::test_add_small")
    assert answer["applied"] is False
    assert "none of 4 candidates for add passed tests/test_calc.py::test_add_small" in answer["error"]
    assert len(APPLIED) == shown
    assert any("none of 4 candidates" in m.message for m in client.messages)  # the user is told


async def test_candidates_from_the_client_are_refused_and_nothing_runs(client):
    rows = len(attempts_recorded("tests/test_calc.py"))
    with pytest.raises(Exception, match="unknown arguments _injected_candidates"):
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            "atelier.generateToPassTests",
            [{"uri": URI, "range": ON_ADD, "tests": "tests/test_calc.py", "_injected_candidates": ["return a + b"]}]))
    assert len(attempts_recorded("tests/test_calc.py")) == rows
