"""Generate to pass the tests through the server (pytest-lsp over stdio, the real default
model): offered as a code action on a stub, candidates run against the workspace's tests in
the sandbox, the passing one applied through workspace/applyEdit, every attempt in the local
dataset, with the model sampling them (seeded). Scripted candidates: test_generate_scripted.py."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_server.lsp_helpers import config, record_applied_edits, wait_progress_end

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(600)]

CALC = 'def add(a, b):\n    """Return the sum of a and b."""\n    ...\n\n\ndef double(x):\n    return 2 * x\n'
TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert add(10, -4) == 6\n"
WORKSPACE = Path(tempfile.mkdtemp(prefix="atelier-pass-ws-"))
(WORKSPACE / "tests").mkdir()
(WORKSPACE / "calc.py").write_text(CALC)
(WORKSPACE / "tests" / "test_calc.py").write_text(TESTS)
URI = (WORKSPACE / "calc.py").as_uri()
CONFIG = config()
DATA = Path(CONFIG.server_env["ATELIER_DATA_DIR"])
APPLIED: list[types.ApplyWorkspaceEditParams] = []
ON_ADD = {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 4}}  # the cursor on `add`


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    record_applied_edits(lsp_client, APPLIED)

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=WORKSPACE.as_uri(),
        initialization_options={"model": {"n_threads": 1}, "generate": {"seed": 7}}))
    await wait_progress_end(lsp_client, "ready")
    lsp_client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, CALC)))
    yield
    await lsp_client.shutdown_session()


def here(text: str, needle: str) -> types.Range:
    i = text.index(needle)
    pos = types.Position(text[:i].count("\n"), i - text.rfind("\n", 0, i) - 1)
    return types.Range(pos, pos)


def applied_text() -> str:
    change = APPLIED[-1].edit.document_changes[0]
    assert change.text_document.uri == URI
    (edit,) = change.edits
    lines = CALC.split("\n")
    offset = lambda p: sum(len(line) + 1 for line in lines[: p.line]) + p.character  # noqa: E731
    return CALC[: offset(edit.range.start)] + edit.new_text + CALC[offset(edit.range.end):]


def attempts_recorded() -> list[dict]:
    path = DATA / "dataset" / "attempts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_offered_on_a_stub_only(client):
    async def titles(r: types.Range) -> list[str]:
        result = await client.text_document_code_action_async(
            types.CodeActionParams(types.TextDocumentIdentifier(URI), r, types.CodeActionContext(diagnostics=[])))
        return [a.title for a in result or []]

    assert "Atelier: Generate to pass the tests" in await titles(here(CALC, "add(a"))
    assert "Atelier: Generate to pass the tests" not in await titles(here(CALC, "double(x"))


async def test_the_default_model_writes_add_that_passes(client):
    before = len(attempts_recorded())
    started = time.perf_counter()
    # The positional form [uri, range]; the test file is found by its import and call.
    answer = await client.workspace_execute_command_async(
        types.ExecuteCommandParams("atelier.generateToPassTests", [URI, ON_ADD]))
    seconds = time.perf_counter() - started
    tried = attempts_recorded()[before:]
    print(f"\nreal model: {len(tried)} candidates in {seconds:.1f} s; " + "; ".join(
        f"{r['candidate'].strip()!r} {'passed' if r['passed'] else 'failed'} ({r['seconds']:.1f} s)" for r in tried))
    assert answer["tests"] == "tests/test_calc.py"  # found by the import and the call
    assert len(tried) == len(answer["attempts"]) >= 1 and all(r["model"].endswith(".gguf") for r in tried)
    assert answer["applied"] is True, answer
    assert tried[-1]["passed"] and not any(r["passed"] for r in tried[:-1])
    assert applied_text() == CALC.replace("    ...\n", tried[-1]["candidate"] + "\n")
