"""When the model's answer is unusable, the product falls back and says so: through the real
server (started by tests/lsp_server/scripted_server.py with a scripted backend, since the real
model cannot be made to fail on cue), an empty explanation and a test answer without code."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_server.lsp_helpers import record_applied_edits, scripted_config, wait_message

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

WORKSPACE = Path(tempfile.mkdtemp(prefix="atelier-scripted-actions-"))
ALPHA = "def alpha(x):\n    return x + 1\n"
BETA = "def beta(y):\n    return y * 2\n"
GAMMA = "def gamma(z):\n    return z + 1\n"
DELTA = "def delta(w):\n    return w - 1\n"
SCRIPT = WORKSPACE.parent / f"{WORKSPACE.name}-script.json"
SCRIPT.write_text(json.dumps({
    "def alpha": [""], "def beta": ["Sure, here are some good tests for it."],
    "def gamma": ["```python\ndef gamma(z):\n    return float(z + 1)\n```"],  # a rewrite that parses
    "def delta": ["```python\ndef delta(w:\n    return (w -\n```"],  # one that does not
}))
APPLIED: list[types.ApplyWorkspaceEditParams] = []
CONFIG = scripted_config(SCRIPT)
DOCS: dict[str, str] = {}


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    record_applied_edits(lsp_client, APPLIED)

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=WORKSPACE.as_uri()))
    for name, text in (("alpha.py", ALPHA), ("beta.py", BETA), ("gamma.py", GAMMA), ("delta.py", DELTA)):
        (WORKSPACE / name).write_text(text)
        uri = (WORKSPACE / name).as_uri()
        lsp_client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
        DOCS[name] = uri
    yield
    await lsp_client.shutdown_session()


def on(line: int, character: int) -> dict:
    return {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}


async def test_an_empty_explanation_is_shown_as_such_and_the_user_is_told(client):
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams("atelier.explain", [{"uri": DOCS["alpha.py"], "range": on(0, 5)}]))
    content = (result if isinstance(result, dict) else result._asdict())["content"]
    assert "_The model gave no answer._" in content
    await wait_message(client, "the model gave no answer", timeout=10)


async def test_a_test_answer_without_code_gives_the_skeleton_and_the_user_is_told(client):
    result = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(DOCS["beta.py"]), types.Range(types.Position(0, 5), types.Position(0, 5)),
        types.CodeActionContext(diagnostics=[])))
    tests = next(a for a in result if a.title.startswith("Atelier: Generate tests"))
    resolved = await client.code_action_resolve_async(tests)
    create, insert = resolved.edit.document_changes
    code = insert.edits[0].new_text
    assert "TODO" in code and "beta(" in code  # the skeleton …
    message = await wait_message(client, "no usable test", timeout=10)  # … and the user knows it is one
    assert "skeleton" in message


async def edit(client: LanguageClient, name: str, instruction: str) -> dict:
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams("atelier.editWithInstruction", [DOCS[name], whole, instruction]))
    return result if isinstance(result, dict) else result._asdict()


async def test_an_edit_that_parses_is_applied_through_apply_edit(client):
    applied = len(APPLIED)
    result = await edit(client, "gamma.py", "return the sum as a float")
    assert result["applied"] is True and len(APPLIED) == applied + 1
    change = APPLIED[applied].edit.document_changes[0]
    assert change.text_document.uri == DOCS["gamma.py"]
    (text_edit,) = change.edits
    assert "return float(z + 1)" in text_edit.new_text


async def test_an_edit_that_would_break_the_parse_is_refused_and_the_user_is_told(client):
    applied = len(APPLIED)
    result = await edit(client, "delta.py", "make it shorter")
    assert result["applied"] is False and result["error"] and len(APPLIED) == applied
    await wait_message(client, "Atelier: Edit", timeout=10)
