"""Next edits through the real server and a real LSP client, with a scripted model
(tests/lsp_server/scripted_server.py) so that the model path can be made to answer a revert,
a no-op or a useful rewrite on cue, and every prompt it was sent is read back: the gate
(licence policy, secret files, redaction) holds for next-edit prompts as for completions."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_server.lsp_helpers import applied, as_edit, change, inline_edit, scripted_config

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

BASE = Path(tempfile.mkdtemp(prefix="atelier-next-edit-"))
ROOT = BASE / "ws"
ROOT.mkdir()
SCRIPT, PROMPTS = BASE / "script.json", BASE / "prompts.jsonl"
# Keyed on the marked cursor, which only the document asked about shows (other open files are context).
SCRIPT.write_text(json.dumps({
    "revert_case(rate):\n    value = cost<|user_cursor_is_here|>": ["def revert_case(rate):\n    value = price * rate\n    return value\n```"],
    "noop_case(rate):\n    value = cost<|user_cursor_is_here|>": ["def noop_case(rate):\n    value = cost * rate\n    return value\n```"],
    "useful_case(rate):\n    value = cost<|user_cursor_is_here|>": ["def useful_case(rate):\n    value = cost * rate\n    return value * 2\n```"],
}))
CONFIG = scripted_config(SCRIPT, PROMPTS)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=ROOT.as_uri(),
        initialization_options={"next_edit": {"debounce_ms": 0}}))
    yield
    await lsp_client.shutdown_session()


def sent() -> str:
    return "\n".join(json.loads(line) for line in PROMPTS.read_text().splitlines()) if PROMPTS.exists() else ""


_n = [0]


def open_file(client: LanguageClient, text: str, name: str | None = None) -> str:
    _n[0] += 1
    path = ROOT / (name or f"m{_n[0]}.py")
    path.write_text(text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(path.as_uri(), "python", 1, text)))
    return path.as_uri()


RENAME = "def total(items, prices):\n    subtotal = sum(prices)\n    tax = subtotal * 0.2\n    return subtotal + tax\n"


async def test_a_rename_at_one_occurrence_proposes_the_others(client):
    uri = open_file(client, RENAME)
    change(client, uri, 2, (1, 4), (1, 12), "base")
    edits = await inline_edit(client, uri, 1, 8)
    after = RENAME.replace("subtotal", "base")
    # Lines 2 and 3 follow each other: one edit for both, as a diff shows them.
    assert len(edits) == 1 and (edits[0]["range"]["start"]["line"], edits[0]["range"]["end"]["line"]) == (2, 3)
    assert applied(RENAME.replace("subtotal", "base", 1), edits) == after
    assert edits[0]["command"]["command"] == "atelier.nextEditAccepted"
    # The code action carries the whole rename.
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(1, 4), types.Position(1, 4)),
        types.CodeActionContext(diagnostics=[])))
    mine = [a for a in actions if a.title.startswith("Atelier: apply next edit")]
    assert isinstance(mine[0], types.CodeAction)
    assert mine and mine[0].title == "Atelier: apply next edit: rename `subtotal` → `base` (2 places)"
    assert applied(RENAME.replace("subtotal", "base", 1), [as_edit(e) for e in mine[0].edit.changes[uri]]) == after
    # The mark where the next edit is, gone at the next change.
    for _ in range(100):
        if client.diagnostics.get(uri):
            break
        await asyncio.sleep(0.05)
    assert [(d.range.start.line, d.range.end.line) for d in client.diagnostics[uri]] == [(2, 3)]
    change(client, uri, 3, (2, 4), (2, 7), "vat")
    for _ in range(100):
        if not any(d.message.find("subtotal") != -1 for d in client.diagnostics.get(uri, [])):
            break
        await asyncio.sleep(0.05)
    assert not any("subtotal" in d.message for d in client.diagnostics.get(uri, []))


CALLS = "def fetch(url, retries):\n    pass\n\nfetch('a', 1)\nx = fetch('b', 2)\nprint(fetch('c', 3))\n"


async def test_an_argument_added_at_one_call_is_proposed_at_the_other_calls(client):
    uri = open_file(client, CALLS)
    change(client, uri, 2, (3, 12), (3, 12), ", timeout=5")
    edits = await inline_edit(client, uri, 3, 23)
    assert [(e["range"]["start"]["line"], e["range"]["end"]["line"]) for e in edits] == [(4, 5)]  # one block
    assert applied(CALLS.replace("fetch('a', 1)", "fetch('a', 1, timeout=5)"), edits) == \
        CALLS.replace(", 1)", ", 1, timeout=5)").replace(", 2)", ", 2, timeout=5)").replace(", 3)", ", 3, timeout=5)")


async def test_a_model_answer_that_reverts_the_users_edit_is_never_sent(client):
    text = "def revert_case(rate):\n    value = price * rate\n    return value\n"
    uri = open_file(client, text)
    change(client, uri, 2, (1, 12), (1, 17), "cost")
    before = len(sent())
    assert await inline_edit(client, uri, 1, 16) == []
    assert len(sent()) > before, "the model was asked"


async def test_a_model_answer_that_changes_nothing_is_never_sent(client):
    text = "def noop_case(rate):\n    value = price * rate\n    return value\n"
    uri = open_file(client, text)
    change(client, uri, 2, (1, 12), (1, 17), "cost")
    assert await inline_edit(client, uri, 1, 16) == []


async def test_a_useful_model_answer_is_sent(client):
    text = "def useful_case(rate):\n    value = price * rate\n    return value\n"
    uri = open_file(client, text)
    change(client, uri, 2, (1, 12), (1, 17), "cost")
    edits = await inline_edit(client, uri, 1, 16)
    assert [e["text"] for e in edits] == [" * 2"]


async def test_next_edit_prompts_pass_the_gate(client):
    # Edits in a GPL file are context the policy keeps from the model; a credential in view is redacted.
    gpl = open_file(client, "# SPDX-License-Identifier: GPL-3.0-only\ndef gpl_marker_fn():\n    return 1\n", "vendored.py")
    change(client, gpl, 2, (2, 11), (2, 12), "2")
    text = ('API_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n' + "\n" * 12 +
            "def useful_case(rate):\n    value = price * rate\n    return value\n")
    uri = open_file(client, text)
    change(client, uri, 2, (14, 12), (14, 17), "cost")
    PROMPTS.write_text("")
    await inline_edit(client, uri, 14, 16)
    prompts = sent()
    assert "useful_case" in prompts  # the model was asked …
    assert "gpl_marker_fn" not in prompts and "return 2" not in prompts  # … without the GPL file's edit
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in prompts  # … and without the key
    secret = ROOT / ".env"
    secret.write_text("def useful_case(rate):\n    value = price * rate\n    return value\n")
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(secret.as_uri(), "python", 1, secret.read_text())))
    change(client, secret.as_uri(), 2, (1, 12), (1, 17), "cost")
    PROMPTS.write_text("")
    assert await inline_edit(client, secret.as_uri(), 1, 16) == []
    assert sent() == ""  # a secret file never reaches the model
