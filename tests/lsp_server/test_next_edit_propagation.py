"""Next edits that follow from a definition's parameters, and edits on consecutive lines
offered as one block, through the real server and a real LSP client (pytest-lsp). Only the
propagation predictor answers (no model: the scripted backend is never asked), so what is
checked is what propagation sends: `textDocument/copilotInlineEdit`, the code action, and the
inline completion on a line of the block."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_server.lsp_helpers import applied, change, inline_edit, inline_params, scripted_config

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

BASE = Path(tempfile.mkdtemp(prefix="atelier-next-edit-propagation-"))
ROOT = BASE / "ws"
ROOT.mkdir()
SCRIPT = BASE / "script.json"
SCRIPT.write_text(json.dumps({}))


@pytest_lsp.fixture(config=scripted_config(SCRIPT), scope="module")
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=ROOT.as_uri(),
        initialization_options={"next_edit": {"debounce_ms": 0, "predictors": ["propagation"]}}))
    yield
    await lsp_client.shutdown_session()


_n = [0]


def open_file(client: LanguageClient, text: str, language: str = "python", suffix: str = ".py") -> str:
    _n[0] += 1
    path = ROOT / f"p{_n[0]}{suffix}"
    path.write_text(text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(path.as_uri(), language, 1, text)))
    return path.as_uri()


async def action_titles(client: LanguageClient, uri: str, line: int) -> list[str]:
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(line, 0), types.Position(line, 0)),
        types.CodeActionContext(diagnostics=[])))
    return [a.title for a in actions or [] if a.title.startswith("Atelier: apply next edit")]


def edited(text: str, line: int, old: str, new: str) -> str:
    lines = text.split("\n")
    assert old in lines[line]
    lines[line] = lines[line].replace(old, new, 1)
    return "\n".join(lines)


def edit(client: LanguageClient, uri: str, text: str, line: int, old: str, new: str) -> tuple[str, int]:
    """Replace the first `old` on `line` by `new` as one didChange; (the text after it, the
    cursor's column after the new text)."""
    col = text.split("\n")[line].index(old)
    change(client, uri, 2, (line, col), (line, col + len(old)), new)
    return edited(text, line, old, new), col + len(new)


REQUIRED = ("def fetch(url, retries):\n    return url\n\n\n"
            "def main(url, retries, timeout):\n    return fetch(url, retries)\n\n\n"
            "def other(url):\n    return fetch(url, 3)\n")


async def test_a_required_parameter_added_to_a_def_is_passed_where_the_caller_has_that_variable(client):
    uri = open_file(client, REQUIRED)
    user, col = edit(client, uri, REQUIRED, 0, "retries)", "retries, timeout)")
    edits = await inline_edit(client, uri, 0, col)
    # `main` has a `timeout` to pass; `other` has none: nothing is made up for it.
    assert applied(user, edits) == edited(user, 5, "fetch(url, retries)", "fetch(url, retries, timeout)")
    assert await action_titles(client, uri, 0) == ["Atelier: apply next edit: pass `timeout` at the calls of `fetch` (1 place)"]


WRAPPER = ("def fetch(url, retries=3):\n    return url\n\n\n"
           "def client(url, retries=3):\n    return fetch(url, retries=retries)\n\n\n"
           "def main(url, timeout):\n    return fetch(url)\n")


async def test_a_parameter_with_a_default_asks_nothing_of_the_calls_but_a_wrapper_passes_it_on(client):
    uri = open_file(client, WRAPPER)
    user, col = edit(client, uri, WRAPPER, 0, "retries=3)", "retries=3, timeout=5)")
    assert await inline_edit(client, uri, 0, col) == []  # fetch's calls need nothing, even where a `timeout` is at hand
    uri = open_file(client, WRAPPER)
    user, col = edit(client, uri, WRAPPER, 4, "retries=3)", "retries=3, **options)")
    edits = await inline_edit(client, uri, 4, col)
    # `client` passes all its parameters on to `fetch`: the new one goes with them.
    assert applied(user, edits) == edited(user, 5, "retries=retries)", "retries=retries, **options)")


REMOVED = ("def fetch(url, retries, verbose=False):\n    return url\n\n\n"
           "fetch('a', 1)\nfetch('b', 2, True)\nfetch('c', 3, verbose=True)\n")


async def test_a_parameter_removed_from_a_def_drops_its_argument_at_the_calls(client):
    uri = open_file(client, REMOVED)
    user, col = edit(client, uri, REMOVED, 0, ", verbose=False", "")
    edits = await inline_edit(client, uri, 0, col)
    assert applied(user, edits) == user.replace(", True)", ")").replace(", verbose=True)", ")")
    # `fetch('a', 1)` passed no `verbose`: left as it is; the two calls below, as one block.
    assert [(e["range"]["start"]["line"], e["range"]["end"]["line"]) for e in edits] == [(5, 6)]


RENAMED = "def fetch(url, retries):\n    return retries\n\n\nfetch('a', retries=1)\nfetch(url='b', retries=2)\n"


async def test_a_renamed_parameter_renames_the_keyword_arguments_at_the_calls(client):
    uri = open_file(client, RENAMED)
    user, col = edit(client, uri, RENAMED, 0, "retries", "attempts")
    edits = await inline_edit(client, uri, 0, col)
    assert applied(user, edits) == RENAMED.replace("retries", "attempts")


JS_CALLS = ("function fetch(url, retries) {\n  return url;\n}\n\n"
            "function main(url, retries, timeout) {\n  return fetch(url, retries);\n}\n")


async def test_a_parameter_added_to_a_javascript_function_is_passed_at_its_calls(client):
    uri = open_file(client, JS_CALLS, "javascript", ".js")
    user, col = edit(client, uri, JS_CALLS, 0, "retries)", "retries, timeout)")
    edits = await inline_edit(client, uri, 0, col)
    assert applied(user, edits) == edited(user, 5, "fetch(url, retries)", "fetch(url, retries, timeout)")


BLOCK = "def f(items):\n    total = 0\n    total += len(items)\n    total += 1\n    return total\n"


async def test_edits_on_consecutive_lines_come_as_one_block_and_the_inline_completion_offers_its_line(client):
    uri = open_file(client, BLOCK)
    user, col = edit(client, uri, BLOCK, 1, "total", "count")
    edits = await inline_edit(client, uri, 1, col)
    # Lines 2–4 change together: one edit, as a diff shows them.
    assert len(edits) == 1 and (edits[0]["range"]["start"]["line"], edits[0]["range"]["end"]["line"]) == (2, 4)
    assert applied(user, edits) == BLOCK.replace("total", "count")
    # On line 3 of the block, the inline completion carries that line's part of it.
    result = await client.text_document_inline_completion_async(inline_params(uri, 3, 4))
    assert [(i.insert_text, i.range.start.line, i.range.start.character, i.range.end.character)
            for i in result.items] == [("count", 3, 4, 9)]
