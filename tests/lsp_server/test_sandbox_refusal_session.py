"""Generate to pass the tests on a machine without a cage, through the real server (the scripted
entry point, tests/lsp_server/scripted_server.py): started with a PATH that holds no `bwrap`,
the action is refused and the user is shown why and which setting would change it; after
`generate.isolation: "none"` it runs the tests unconfined, as before the cage existed."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_server.lsp_helpers import record_applied_edits, scripted_config

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

CALC = 'def add(a, b):\n    ...\n'
TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
WORKSPACE = Path(tempfile.mkdtemp(prefix="atelier-nocage-ws-"))
(WORKSPACE / "calc.py").write_text(CALC)
(WORKSPACE / "test_calc.py").write_text(TESTS)
URI = (WORKSPACE / "calc.py").as_uri()
ON_ADD = {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 4}}
SCRIPT = WORKSPACE.parent / f"{WORKSPACE.name}-script.json"
SCRIPT.write_text(json.dumps({"test_calc.py": ["return a + b"]}))
EMPTY_PATH = WORKSPACE.parent / f"{WORKSPACE.name}-bin"  # a PATH with no bwrap in it
EMPTY_PATH.mkdir()
CONFIG = scripted_config(SCRIPT, PATH=str(EMPTY_PATH))
DATA = Path(CONFIG.server_env["ATELIER_DATA_DIR"])


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    record_applied_edits(lsp_client)

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=WORKSPACE.as_uri(),
        initialization_options={"generate": {"candidates": 1}}))
    lsp_client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, CALC)))
    yield
    await lsp_client.shutdown_session()


async def run(client: LanguageClient) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        "atelier.generateToPassTests", [{"uri": URI, "range": ON_ADD, "tests": "test_calc.py"}]))


async def test_without_a_cage_the_action_is_refused_and_the_user_is_told_why(client):
    answer = await run(client)
    assert answer["applied"] is False and answer["attempts"] == []
    assert "bubblewrap" in answer["error"] and "not installed" in answer["error"], answer["error"]
    assert "generate.isolation" in answer["error"]
    assert any("generate.isolation" in m.message for m in client.messages)  # shown, not only answered
    assert not (DATA / "dataset" / "attempts.jsonl").exists()  # nothing sampled, nothing run


async def test_with_isolation_none_the_tests_run_unconfined(client):
    shown = len(client.messages)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams({"generate": {"isolation": "none"}}))
    await asyncio.sleep(0.5)
    answer = await run(client)
    assert not [m.message for m in client.messages[shown:] if "isolation" in m.message]  # the setting is known
    assert answer["applied"] is True and [a["passed"] for a in answer["attempts"]] == [True], answer
