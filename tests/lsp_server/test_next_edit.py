"""Next edits through `atelier serve` with the real default model and a real LSP client
(pytest-lsp): the rename and argument propagation reach the client through
textDocument/copilotInlineEdit and the code action, and whatever the model path answers is
never a no-op or the user's own edit undone."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_server.lsp_helpers import applied, as_edit, change, config, initialize, inline_edit, open_doc, wait_progress_end

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    await initialize(lsp_client, {"next_edit": {"debounce_ms": 0}})
    lsp_client.initialized(types.InitializedParams())
    await wait_progress_end(lsp_client, "model")
    yield
    await lsp_client.shutdown_session()


RENAME = "def total(items, prices):\n    subtotal = sum(prices)\n    tax = subtotal * 0.2\n    return subtotal + tax\n"


async def test_rename_reaches_copilot_inline_edit_and_the_code_action(client):
    uri = open_doc(client, "next_edit_rename.py", RENAME, "python")
    change(client, uri, 2, (1, 4), (1, 12), "base")
    edits = await inline_edit(client, uri, 1, 8)
    assert applied(RENAME.replace("subtotal", "base", 1), edits) == RENAME.replace("subtotal", "base")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(1, 0), types.Position(1, 0)),
        types.CodeActionContext(diagnostics=[])))
    mine = [a for a in actions if a.title == "Atelier: apply next edit: rename `subtotal` → `base` (2 places)"]
    assert mine and applied(RENAME.replace("subtotal", "base", 1), [as_edit(e) for e in mine[0].edit.changes[uri]]) == \
        RENAME.replace("subtotal", "base")


CALLS = "def fetch(url, retries):\n    pass\n\nfetch('a', 1)\nx = fetch('b', 2)\nprint(fetch('c', 3))\n"


async def test_an_argument_added_at_one_call_reaches_the_sibling_calls(client):
    uri = open_doc(client, "next_edit_calls.py", CALLS, "python")
    change(client, uri, 2, (3, 12), (3, 12), ", timeout=5")
    edits = await inline_edit(client, uri, 3, 23)
    # The two calls on consecutive lines come as one block.
    assert applied(CALLS.replace("fetch('a', 1)", "fetch('a', 1, timeout=5)"), edits) == \
        CALLS.replace(", 1)", ", 1, timeout=5)").replace(", 2)", ", 2, timeout=5)").replace(", 3)", ", 3, timeout=5)")


async def test_the_model_path_never_sends_a_no_op_or_a_revert(client):
    text = "def scale(values, factor):\n    out = [v * factor for v in values]\n    return out\n\n\nprint(scale([1, 2], 3))\n"
    uri = open_doc(client, "next_edit_model.py", text, "python")
    change(client, uri, 2, (1, 4), (1, 7), "scaled")  # `out` → `scaled`: one more use, but a model may say anything
    user = text.replace("    out = ", "    scaled = ")
    for line, character in ((1, 10), (2, 0), (5, 0)):
        for e in await inline_edit(client, uri, line, character):
            after = applied(user, [e])
            assert after != user, "a no-op was sent"
            assert after != text, "the user's edit undone was sent"
