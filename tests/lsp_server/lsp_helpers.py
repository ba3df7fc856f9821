"""Shared steps for tests that drive `atelier serve` with a real LSP client (pytest-lsp)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from atelier.lsp_server.bench.next_edit import plain  # one converter for the bench and the tests

DATA = Path(__file__).parent.parent / "data"
SERVER_COMMAND = [sys.executable, "-I", "-m", "atelier.lsp_server", "serve", "--log-level", "info"]


def scripted_config(script: Path, prompts: Path | None = None, **env: str) -> ClientServerConfig:
    """The real server with a scripted backend in place of the model (scripted_server.py):
    `script` maps prompt text to answers; `prompts`, if given, receives every prompt sent."""
    command = [sys.executable, str(Path(__file__).with_name("scripted_server.py")), str(script)]
    return ClientServerConfig(server_command=command + ([str(prompts)] if prompts else []),
                              server_env={**config().server_env, **env})


def record_applied_edits(client: LanguageClient, into: list | None = None) -> None:
    """Answer workspace/applyEdit as an editor that applies every edit, keeping them in `into`."""
    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        if into is not None:
            into.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)


def config() -> ClientServerConfig:
    env = {**os.environ, "ATELIER_DATA_DIR": tempfile.mkdtemp(prefix="atelier-test-")}
    env.pop("ATELIER_MODEL", None)
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=env)


# Tests check what a completion says, not how fast it comes: caps generous enough that a machine
# busy with other work (other tests, builds) still gets an answer; a test's own options win.
# Nor does a first request get a shorter prompt because the machine is slow (cold_prompt_ms).
GENEROUS_CAPS = {"completion": {"max_decode_ms": 2000, "timeout_ms": 120_000, "cold_prompt_ms": 0}}


async def initialize(client: LanguageClient, options: dict | None = None) -> types.InitializeResult:
    options = options or {}
    caps = {**GENEROUS_CAPS["completion"], **options.get("completion", {})}
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=DATA.as_uri(),
            initialization_options={**options, "completion": caps},
        )
    )


async def wait_progress_end(client: LanguageClient, contains: str = "", timeout: float = 120.0) -> types.WorkDoneProgressEnd:
    """The next model-load progress to end (with `contains` in its message): progress that
    had already ended when called does not count."""

    def ended() -> dict:
        return {
            tok: values[-1]
            for tok, values in client.progress_reports.items()
            if values and isinstance(values[-1], types.WorkDoneProgressEnd)
        }

    seen = set(ended())
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for tok, end in ended().items():
            if tok not in seen and contains in (end.message or ""):
                return end
        await asyncio.sleep(0.05)
    raise TimeoutError("model load progress never ended")


async def wait_message(client: LanguageClient, contains: str, timeout: float = 60.0) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for m in client.messages:
            if contains in m.message:
                return m.message
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no window/showMessage containing {contains!r}: {[m.message for m in client.messages]}")


def open_doc(client: LanguageClient, name: str, text: str | None = None, language_id: str = "") -> str:
    path = DATA / name
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, language_id, 1, text if text is not None else path.read_text())
        )
    )
    return uri


def change(client: LanguageClient, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri),
            [types.TextDocumentContentChangePartial(range=types.Range(types.Position(*start), types.Position(*end)), text=text)],
        )
    )


def inline_params(uri: str, line: int, character: int) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
        text_document=types.TextDocumentIdentifier(uri),
        position=types.Position(line, character),
    )


async def inline(client: LanguageClient, uri: str, line: int, character: int) -> str:
    result = await client.text_document_inline_completion_async(inline_params(uri, line, character))
    items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
    return items[0].insert_text if items else ""


async def stats(client: LanguageClient) -> dict:
    """The server's counters (atelier/stats)."""
    result = await client.protocol.send_request_async("atelier/stats", {})
    return result if isinstance(result, dict) else result._asdict()


# -- next edits --------------------------------------------------------------------------

async def inline_edit(client: LanguageClient, uri: str, line: int, character: int) -> list[dict]:
    result = await client.protocol.send_request_async(
        "textDocument/copilotInlineEdit",
        {"textDocument": {"uri": uri, "version": 2}, "position": {"line": line, "character": character}})
    return plain(result)["edits"]


def as_edit(e: types.TextEdit) -> dict:
    """A code action's TextEdit in the shape copilotInlineEdit sends."""
    r = e.range
    return {"range": {"start": {"line": r.start.line, "character": r.start.character},
                      "end": {"line": r.end.line, "character": r.end.character}}, "text": e.new_text}


def applied(text: str, edits: list[dict]) -> str:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    spans = []
    for e in edits:
        r = e["range"]
        spans.append((offsets[r["start"]["line"]] + r["start"]["character"], offsets[r["end"]["line"]] + r["end"]["character"], e["text"]))
    for s, t, new in sorted(spans, reverse=True):
        text = text[:s] + new + text[t:]
    return text
