"""Drive `atelier serve` over stdio as an editor would. Used by the demo and the benchmark."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient


class StartupProgress:
    """The server's start-up work as its work-done progress tells it: done once the model has
    loaded and nothing else (the index) is running. The index alone often ends first, and a
    script that typed then would time the model's load."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.model_token: str | None = None
        self.model_loaded = False

    def update(self, token: str, value: dict) -> bool:
        """Take one progress notification; whether start-up is now done."""
        if value.get("kind") == "begin":
            self.running.add(token)
            if str(value.get("message", "")).startswith("loading model"):
                self.model_token = token
        elif value.get("kind") == "end":
            self.running.discard(token)
            self.model_loaded = self.model_loaded or token == self.model_token
        return self.model_loaded and not self.running


class EditorSession:
    """One server process and one client, like an editor window with files open."""

    def __init__(self, root: Path, settings: dict[str, Any] | None = None, log_level: str = "warning") -> None:
        self.root = root
        self.settings = settings or {}
        self.log_level = log_level
        self.client = LanguageClient("atelier-driver", "0")
        self.messages: list[str] = []
        self.ready = asyncio.Event()
        self._versions: dict[str, int] = {}

        @self.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def _create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        startup = StartupProgress()

        @self.client.feature(types.PROGRESS)
        def _progress(params: types.ProgressParams) -> None:
            if startup.update(str(params.token), params.value if isinstance(params.value, dict) else {}):
                self.ready.set()

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def _show(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)
            print(params.message, file=sys.stderr)

    async def start(self) -> types.InitializeResult:
        await self.client.start_io(sys.executable, "-I", "-m", "atelier.lsp_server", "serve", "--log-level", self.log_level)
        caps = types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            text_document=types.TextDocumentClientCapabilities(
                inline_completion=types.InlineCompletionClientCapabilities(),
            ),
        )
        result = await self.client.initialize_async(
            types.InitializeParams(
                capabilities=caps,
                root_uri=self.root.resolve().as_uri(),
                initialization_options=self.settings,
                process_id=None,
            )
        )
        self.client.initialized(types.InitializedParams())
        return result

    async def wait_ready(self, timeout: float = 120.0) -> None:
        await asyncio.wait_for(self.ready.wait(), timeout)

    def open(self, path: Path, text: str, language_id: str = "") -> str:
        uri = path.resolve().as_uri()
        self._versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language_id, 1, text))
        )
        return uri

    def replace(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        self._versions[uri] += 1
        rng = types.Range(types.Position(*start), types.Position(*end))
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(self._versions[uri], uri),
                [types.TextDocumentContentChangePartial(range=rng, text=text)],
            )
        )

    async def inline(self, uri: str, line: int, character: int) -> tuple[str, float]:
        """The first inline completion's text and the request's latency in seconds."""
        start = time.perf_counter()
        result = await self.client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
                text_document=types.TextDocumentIdentifier(uri),
                position=types.Position(line, character),
            )
        )
        elapsed = time.perf_counter() - start
        items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
        text = items[0].insert_text if items else ""
        return (text if isinstance(text, str) else text.value), elapsed

    async def cursor(self, uri: str, line: int, character: int) -> None:
        """What editors send as the cursor moves or a tab gets focus: a code-action request there."""
        here = types.Position(line, character)
        await self.client.text_document_code_action_async(
            types.CodeActionParams(types.TextDocumentIdentifier(uri), types.Range(here, here),
                                   types.CodeActionContext(diagnostics=[]))
        )

    async def chat(self, question: str, attachments: list[dict] | None = None) -> tuple[str, float]:
        """An `atelier/chat` answer and its latency in seconds."""
        start = time.perf_counter()
        result = await self.client.protocol.send_request_async(
            "atelier/chat", {"conversationId": "bench", "messages": [{"role": "user", "content": question}],
                             "attachments": attachments or []})
        content = result.get("content", "") if isinstance(result, dict) else getattr(result, "content", "")
        return content, time.perf_counter() - start

    async def command(self, name: str, *arguments: Any) -> float:
        """Run `workspace/executeCommand` (a code action's command); its latency in seconds."""
        start = time.perf_counter()
        await self.client.workspace_execute_command_async(types.ExecuteCommandParams(name, list(arguments)))
        return time.perf_counter() - start

    async def stats(self) -> dict:
        """The server's counters (`atelier/stats`)."""
        result = await self.client.protocol.send_request_async("atelier/stats", {})
        return result if isinstance(result, dict) else result._asdict()

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 10)
            self.client.exit(None)
        finally:
            await self.client.stop()
