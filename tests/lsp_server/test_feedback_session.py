"""The feedback loop through the server (pytest-lsp over stdio, the real default model): an
inline completion carries the accept command; running it, or inserting the text as an editor
does on Tab, counts as accepted; typing something else or asking elsewhere counts as rejected;
`atelier stats --json` reads the figures back; with feedback.enabled false nothing is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_server.lsp_helpers import change, config, initialize, inline_params, open_doc, wait_progress_end

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(600)]

CONFIG = config()
TEXT = (
    "def area(width, height):\n    return width * height\n\n\n"
    "def perimeter(width, height):\n    \n\n\n"
    "def volume(width, height, depth):\n    \n\n\n"
    "def diagonal(width, height):\n    \n\n\n"
    "def scale(width, factor):\n    \n"
)
DOC: dict = {}


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    await initialize(lsp_client, {"model": {"n_threads": 1}})
    await wait_progress_end(lsp_client, "ready")
    DOC.update(uri=open_doc(lsp_client, "feedback_shapes.py", TEXT, "python"), text=TEXT, version=1)
    yield
    await lsp_client.shutdown_session()


def body_of(name: str) -> tuple[int, int]:
    """The position on the empty body line of function `name`."""
    line = DOC["text"].split("\n").index(next(ln for ln in DOC["text"].split("\n") if ln.startswith(f"def {name}(")))
    return line + 1, 4


async def suggest(client: LanguageClient, at: tuple[int, int]) -> types.InlineCompletionItem:
    result = await client.text_document_inline_completion_async(inline_params(DOC["uri"], *at))
    items = result.items if isinstance(result, types.InlineCompletionList) else result
    assert items and items[0].insert_text, "the model gave no completion"
    return items[0]


def insert(client: LanguageClient, at: tuple[int, int], text: str) -> None:
    """Insert `text` at `at`, as an editor sends it (and keep our copy of the document)."""
    lines = DOC["text"].split("\n")
    index = sum(len(ln) + 1 for ln in lines[: at[0]]) + at[1]
    DOC["text"] = DOC["text"][:index] + text + DOC["text"][index:]
    DOC["version"] += 1
    change(client, DOC["uri"], DOC["version"], at, at, text)


def stats() -> dict:
    env = {**os.environ, "ATELIER_DATA_DIR": CONFIG.server_env["ATELIER_DATA_DIR"]}
    out = subprocess.run([sys.executable, "-I", "-m", "atelier.lsp_server", "stats", "--json"], env=env, capture_output=True,
                         text=True, check=True).stdout
    return {row["language"]: row for row in json.loads(out)["languages"]}


def counts() -> tuple[int, int, int]:
    """(shown, accepted, rejected) for Python so far: each test compares with what it found,
    so none depends on what another left behind."""
    row = stats().get("python", {"shown": 0, "accepted": 0, "rejected": 0})
    return row["shown"], row["accepted"], row["rejected"]


def since(before: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(now - then for now, then in zip(counts(), before))


async def test_the_accept_command_counts_as_accepted(client):
    at = body_of("perimeter")
    await client.protocol.send_request_async("atelier/stats", {})  # earlier changes handled
    before = counts()
    item = await suggest(client, at)
    assert item.command.command == "atelier.accepted" and len(item.command.arguments) == 1
    # VS Code inserts the text, then runs the command: one acceptance, not two.
    insert(client, at, item.insert_text)
    await client.workspace_execute_command_async(types.ExecuteCommandParams(item.command.command, item.command.arguments))
    assert since(before) == (1, 1, 0)


async def test_typing_something_else_rejects_and_inserting_the_text_accepts(client):
    at = body_of("volume")
    await client.protocol.send_request_async("atelier/stats", {})  # earlier changes handled
    before = counts()
    item = await suggest(client, at)
    insert(client, at, "\x7f#")  # typed something no model suggests
    await client.protocol.send_request_async("atelier/stats", {})  # the change has been handled
    assert since(before) == (1, 0, 1)
    # Asked elsewhere: the suggestion on screen was passed over; then Tab in a client that
    # does not run commands (the text inserted alone).
    at = body_of("diagonal")
    await suggest(client, at)
    elsewhere = await client.text_document_inline_completion_async(inline_params(DOC["uri"], 1, 4))
    also = int(bool(elsewhere and elsewhere.items))  # if it answered there, that one is passed over next
    item = await suggest(client, at)
    insert(client, at, item.insert_text)
    await client.protocol.send_request_async("atelier/stats", {})
    assert since(before) == (3 + also, 1, 2 + also)
    figures = stats()["python"]
    assert figures["acceptance_rate"] == round(figures["accepted"] / figures["shown"], 4)


async def test_with_feedback_disabled_nothing_is_recorded_and_no_command_is_attached(client):
    await client.protocol.send_request_async("atelier/stats", {})  # earlier changes handled
    before = counts()
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams({"feedback": {"enabled": False}}))
    try:
        item = await suggest(client, body_of("scale"))
        assert item.command is None
        assert since(before) == (0, 0, 0)
    finally:  # the other tests record again, whatever order they run in
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams({"feedback": {"enabled": True}}))
