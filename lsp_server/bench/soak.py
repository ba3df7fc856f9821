"""`atelier bench soak`: does the server's memory stay flat over a long editing session?

A real function of a real file (the standard library's logging/handlers.py, copied to a
scratch workspace) is typed again and again, one character at a time, through the real server
over stdio, as an editor would: an inline completion every 3rd character and at each newline
(a popup completion every 5th request), a code-action list every 7th, a hover every 11th
(which the server does not offer: answered with an error, as editors get), a save at every
newline (the index re-reads the file). The server's resident memory (VmRSS) is read after a
warm-up and at the end; the growth in between is the figure (target ≤ 10%).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types

from atelier.lsp_server.bench.replay import default_replay_file, pick_function, typing_steps
from atelier.lsp_server.bench.data import fresh_data_dir
from atelier.lsp_server.bench.editor_session import EditorSession

# Small caps keep 10,000 requests to minutes: the model is not what is measured.
SETTINGS = {"model": {"n_threads": 1},  # one thread: no spinning threads fighting over busy cores
            "completion": {"max_tokens": 8, "max_decode_ms": 100, "context_tokens": 256, "debounce_ms": 0, "context": "file"}}
WARMUP_SHARE = 0.1  # of the requests, before the first memory reading (caches fill, the allocator settles)
TARGET_GROWTH_PERCENT = 10.0


def rss_kib(pid: int) -> int:
    """Resident memory of process `pid` in KiB, from /proc (no psutil)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


class _Traffic:
    """The editor's side: one file, typed into; counts the requests sent."""

    def __init__(self, session: EditorSession, path: Path, base: str, start: int, body: str) -> None:
        self.session, self.path, self.base, self.start, self.body = session, path, base, start, body
        self.uri = session.open(path, base, "python")
        self.requests = self.errors = self.answered = 0
        self.inline_requests = self.inline_answered = 0  # ghost text with something in it

    async def _request(self, coro, inline: bool = False) -> None:
        self.requests += 1
        self.inline_requests += inline
        try:
            result = await coro
        except Exception:  # an error answer (hover is not offered): part of the traffic
            self.errors += 1
            return
        if inline:  # (text, latency): answered only when there is text to show
            result = result[0]
            self.inline_answered += bool(result)
        elif isinstance(result, types.CompletionList):
            result = result.items
        self.answered += bool(result)

    async def type_function(self, limit: int) -> None:
        """Type the body once (or until `limit` requests), then delete it again."""
        client = self.session.client
        doc = types.TextDocumentIdentifier(self.uri)
        for step in typing_steps(self.body, self.start):
            if self.requests >= limit:
                break
            self.session.replace(self.uri, (step.line, step.col), (step.line, step.col), step.char)
            line, col = (step.line + 1, 0) if step.char == "\n" else (step.line, step.col + 1)
            if step.char == "\n":
                self.path.write_text(self._current(step.line + 1), encoding="utf-8")
                client.text_document_did_save(types.DidSaveTextDocumentParams(doc))
            if not step.request:
                continue
            if self.requests % 5 == 4:
                await self._request(client.text_document_completion_async(
                    types.CompletionParams(doc, types.Position(line, col))))
            else:
                await self._request(self.session.inline(self.uri, line, col), inline=True)
            if self.requests % 7 == 6:
                here = types.Range(types.Position(line, 0), types.Position(line, col))
                await self._request(client.text_document_code_action_async(
                    types.CodeActionParams(doc, here, types.CodeActionContext(diagnostics=[]))))
            if self.requests % 11 == 10:
                await self._request(client.text_document_hover_async(types.HoverParams(doc, types.Position(line, col))))
        # Back to the file without the function (a whole-text change): the next round types it again.
        self.session._versions[self.uri] += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(self.session._versions[self.uri], self.uri),
            [types.TextDocumentContentChangeWholeDocument(text=self.base)]))

    def _current(self, upto_line: int) -> str:
        """The file as typed up to `upto_line` of the body (whole lines), for saving."""
        lines = self.base.split("\n")
        typed = self.body.split("\n")[: upto_line - self.start]
        return "\n".join(lines[: self.start] + typed + lines[self.start:])


async def _soak(requests: int, source: Path) -> dict:
    work = Path(tempfile.mkdtemp(prefix="atelier-soak-"))
    try:
        path = work / source.name
        shutil.copy(source, path)
        text = path.read_text(encoding="utf-8", errors="replace")
        start, end = pick_function(text)
        lines = text.split("\n")
        body, base = "\n".join(lines[start:end]) + "\n", "\n".join(lines[:start] + lines[end:])
        path.write_text(base, encoding="utf-8")
        session = EditorSession(work, SETTINGS, log_level=os.environ.get("ATELIER_SOAK_LOG", "warning"))
        await session.start()
        try:
            await session.wait_ready()
            pid = session.client._server.pid
            traffic = _Traffic(session, path, base, start, body)
            began = time.perf_counter()
            warmup = max(1, int(requests * WARMUP_SHARE))
            while traffic.requests < warmup:
                await traffic.type_function(warmup)
            rss_start, warm_at = rss_kib(pid), time.perf_counter()
            while traffic.requests < requests:
                await traffic.type_function(requests)
            rss_end = rss_kib(pid)
            stats = await session.stats()
        finally:
            await session.stop()
        growth = (rss_end - rss_start) * 100 / rss_start
        return {
            "requests": traffic.requests,
            "warmup_requests": warmup,
            "answered": traffic.answered,
            "inline_requests": traffic.inline_requests,
            "inline_answered": traffic.inline_answered,
            "error_answers": traffic.errors,
            "generations": stats.get("generations"),
            "typed_through": stats.get("typed_through"),
            "rss_after_warmup_mib": round(rss_start / 1024, 1),
            "rss_end_mib": round(rss_end / 1024, 1),
            "rss_growth_percent": round(growth, 2),
            "target_growth_percent": TARGET_GROWTH_PERCENT,
            "seconds": round(time.perf_counter() - began, 1),
            "seconds_after_warmup": round(time.perf_counter() - warm_at, 1),
            "replay_file": f"{source}:{start + 1}-{end}",
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_soak(requests: int = 10_000, as_json: bool = False, source: Path | None = None) -> int:
    with fresh_data_dir():  # its feedback and index are the bench's, not the user's
        result = asyncio.run(_soak(requests, source or default_replay_file()))
    if as_json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:24} {value}")
    ok = result["rss_growth_percent"] <= TARGET_GROWTH_PERCENT
    if not ok:
        print(f"resident memory grew by more than {TARGET_GROWTH_PERCENT}%", file=sys.stderr)
    return 0 if ok else 1
