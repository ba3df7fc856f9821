"""A client that resolves every chosen code action without an edit, as VS Code does, then
applies the edit and runs the command it gets back: every action the server lists must
survive codeAction/resolve (Explain and Edit with instruction… carry a command and no
`data`: they come back unchanged). The real server with a scripted backend
(tests/lsp_server/scripted_server.py), so that it is fast and needs no model."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Union

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_server.lsp_helpers import record_applied_edits, scripted_config

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

WORKSPACE = Path(tempfile.mkdtemp(prefix="atelier-resolve-all-"))
GAMMA = "def gamma(x):\n    return x + 1\n"
INSTRUCTION = "return x plus two"
SCRIPT = WORKSPACE.parent / f"{WORKSPACE.name}-script.json"
# The first key found in a prompt answers it: the instruction only appears in the edit's prompt.
SCRIPT.write_text(json.dumps({
    INSTRUCTION: ["```python\ndef gamma(x):\n    return x + 2\n```"],
    "Explain what": ["It adds one to its argument."],
    "plain English sentences": ["Add one to x."],
}))
CONFIG = scripted_config(SCRIPT)
STATE: dict = {"applied": []}


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    record_applied_edits(lsp_client, STATE["applied"])

    converter = lsp_client.protocol._converter

    def command_or_action(obj, _):  # as editors decode them (see test_actions.py)
        kind = types.Command if isinstance(obj.get("command"), str) else types.CodeAction
        return converter.structure(obj, kind)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], command_or_action)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=WORKSPACE.as_uri()))
    (WORKSPACE / "gamma.py").write_text(GAMMA)
    STATE["uri"] = (WORKSPACE / "gamma.py").as_uri()
    lsp_client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(STATE["uri"], "python", 1, GAMMA)))
    yield
    await lsp_client.shutdown_session()


async def test_every_listed_action_resolves_and_its_command_runs(client):
    where = types.Range(types.Position(0, 5), types.Position(0, 5))
    problem = types.Diagnostic(types.Range(types.Position(1, 4), types.Position(1, 16)), "returns the wrong value")
    listed = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(STATE["uri"]), where, types.CodeActionContext(diagnostics=[problem])))
    titles = [a.title for a in listed]
    assert any("Explain" in t for t in titles) and any("Edit with instruction" in t for t in titles), titles
    assert all(isinstance(a, types.CodeAction) for a in listed)
    done: dict[str, object] = {}
    for action in listed:
        resolved = action
        if action.edit is None:  # VS Code resolves every chosen action that has no edit
            resolved = await client.code_action_resolve_async(action)  # raised -32602 for command actions before
        assert resolved.title == action.title
        done[action.title] = resolved
        if resolved.edit is not None:
            done[action.title] = resolved.edit
        if resolved.command is not None:
            args = list(resolved.command.arguments or [])
            if resolved.command.command == "atelier.editWithInstruction":
                args[0] = {**args[0], "instruction": INSTRUCTION}  # what the client asked the user for
            done[action.title] = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(resolved.command.command, args))
    for title in titles:
        assert title in done, (title, done)
    explained = next(v for t, v in done.items() if "Explain" in t)
    explained = explained if isinstance(explained, dict) else explained._asdict()
    assert "adds one" in explained["content"]
    edited = next(v for t, v in done.items() if "Edit with instruction" in t)
    edited = edited if isinstance(edited, dict) else edited._asdict()
    assert edited["applied"] is True
    new_text = STATE["applied"][-1].edit.document_changes[0].edits[0].new_text
    assert "return x + 2" in new_text
    documented = next(v for t, v in done.items() if "Document" in t)
    assert "Add one to x." in documented.document_changes[0].edits[0].new_text


async def test_an_action_that_is_already_resolved_comes_back_unchanged(client):
    here = types.Range(types.Position(0, 0), types.Position(0, 0))
    edit = types.WorkspaceEdit(changes={STATE["uri"]: [types.TextEdit(here, "# kept\n")]})
    action = types.CodeAction("Atelier: Document `gamma`", edit=edit, data={"action": "document", "uri": STATE["uri"]})
    resolved = await client.code_action_resolve_async(action)
    assert [e.new_text for e in resolved.edit.changes[STATE["uri"]]] == ["# kept\n"]
