"""The typing replay of `atelier bench latency`: a real function typed back into a real file
one character at a time, with a completion request every 3rd character and at each newline,
through the LSP server; against a naive baseline (cold cache, nothing cancelled) measured on
the same prompts in this process."""

from __future__ import annotations

import ast
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path

import msgspec

from atelier.context.document import Document
from atelier.lsp_server.bench.data import fresh_data_dir
from atelier.lsp_server.bench.editor_session import EditorSession
from atelier.context.assembly import Snapshot, prepare
from atelier.lsp_server.engine.completion import generate
from atelier.lsp_server.settings import Settings
from atelier.context.workspace import WorkspaceContext
from atelier.models.host import ModelHost

# How many replay steps the naive baseline samples: each costs a cold prompt evaluation.
NAIVE_SAMPLES = 12


class Step(msgspec.Struct, frozen=True):
    line: int  # where the character goes
    col: int
    char: str
    request: bool  # ask for a completion after typing it


class ServerPrompts:
    """Snapshots made as the server makes them for a file opened in its folder: the folder
    indexed, `completion.context` "full", so that baselines run on the prompts the server
    sends, not on shorter ones."""

    def __init__(self, path: Path, mode: str = "full") -> None:
        self.path, self.mode = path.name, mode
        self.ctx = WorkspaceContext()
        with tempfile.TemporaryDirectory() as data:
            self.ctx.open(path.resolve().parent, Path(data))
            self.ctx.build()

    def snapshot(self, doc: Document, line: int, col: int) -> Snapshot:
        return prepare(doc, line, col, self.path, self.ctx.sources(doc, self.path, []), self.mode)


def default_replay_file() -> Path:
    import logging.handlers

    return Path(logging.handlers.__file__)


def pick_function(text: str, min_lines: int = 12, max_lines: int = 24) -> tuple[int, int]:
    """0-based [start, end) lines of a function body of min..max lines nearest the file's
    middle (Python), else an 18-line block in the middle."""
    lines = text.split("\n")
    try:
        tree = ast.parse(text)
        spans = [
            (n.body[0].lineno - 1, n.end_lineno)
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.end_lineno is not None
            and min_lines <= n.end_lineno - n.body[0].lineno + 1 <= max_lines
        ]
    except SyntaxError:
        spans = []
    if spans:
        middle = len(lines) / 2
        return min(spans, key=lambda s: abs(s[0] - middle))
    start = max(0, len(lines) // 2 - 9)
    return start, min(len(lines), start + 18)


def typing_steps(body: str, first_line: int) -> list[Step]:
    steps, line, col = [], first_line, 0
    for i, ch in enumerate(body):
        request = ch == "\n" or i % 3 == 2
        steps.append(Step(line, col, ch, request))
        line, col = (line + 1, 0) if ch == "\n" else (line, col + len(ch.encode("utf-16-le")) // 2)
    return steps


def _cursor_after(step: Step) -> tuple[int, int]:
    return (step.line + 1, 0) if step.char == "\n" else (step.line, step.col + len(step.char.encode("utf-16-le")) // 2)


# The replay measures typing on a warm full prompt, as the naive run's are: no shorter prompt
# for the first request (completion.cold_prompt_ms; bench session measures that).
FULL_PROMPTS = {"completion": {"cold_prompt_ms": 0}}


async def _replay_server(path: Path, base: str, steps: list[Step], typing_ms: int) -> tuple[list[float], dict, dict]:
    session = EditorSession(path.parent, FULL_PROMPTS)
    await session.start()
    try:
        await session.wait_ready()
        uri = session.open(path, base)
        await session.inline(uri, steps[0].line, 0)  # opening the file warms the cache, as in an editor
        before = await session.stats()
        latencies: list[float] = []
        pending = []
        for step in steps:
            session.replace(uri, (step.line, step.col), (step.line, step.col), step.char)
            if step.request:
                if typing_ms:
                    pending.append(asyncio.ensure_future(session.inline(uri, *_cursor_after(step))))
                else:
                    latencies.append((await session.inline(uri, *_cursor_after(step)))[1])
            if typing_ms:
                await asyncio.sleep(typing_ms / 1000)
        for text, seconds in await asyncio.gather(*pending):
            if text:  # superseded requests answer empty at once: they are not latencies
                latencies.append(seconds)
        return latencies, before, await session.stats()
    finally:
        await session.stop()


def _naive(path: Path, base: str, steps: list[Step], settings: Settings) -> list[float]:
    """Cold cache for every request, on the server's prompts: what a server without prompt
    reuse pays."""
    host = ModelHost()
    backend = host.load(settings.model).result()
    doc = Document(path.resolve().as_uri(), base)
    prompts = ServerPrompts(path)
    request_steps = [s for s in steps if s.request]
    sample = set(request_steps[:: max(1, len(request_steps) // NAIVE_SAMPLES)])
    timings = []
    for step in steps:
        doc.apply_changes([((step.line, step.col, step.line, step.col), step.char)])
        if step in sample:
            snap = prompts.snapshot(doc, *_cursor_after(step))
            backend.llama.reset()
            start = time.perf_counter()
            host.submit(generate, snap, backend, settings.completion, None).result()
            timings.append(time.perf_counter() - start)
    host.close()
    return timings


def run_replay(path: Path, settings: Settings, update: dict, typing_ms: int = 0) -> dict:
    text = path.read_text(encoding="utf-8", errors="replace")
    start, end = pick_function(text)
    lines = text.split("\n")
    body = "\n".join(lines[start:end]) + "\n"
    base = "\n".join(lines[:start] + lines[end:])
    steps = typing_steps(body, start)
    logging.getLogger(__name__).info("replaying %s lines %d-%d (%d chars)", path, start + 1, end, len(body))
    with fresh_data_dir():  # its feedback and index are the bench's, not the user's
        warm, before, after = asyncio.run(_replay_server(path, base, steps, typing_ms))
    naive = _naive(path, base, steps, settings)
    delta = {k: after[k] - before[k] for k in after}
    warm_p50, naive_p50 = statistics.median(warm), statistics.median(naive)
    ordered = sorted(warm)
    warm_p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return {
        "replay_file": f"{path}:{start + 1}-{end}",
        "replay_requests": sum(s.request for s in steps),
        "typing_ms": typing_ms,
        "warm_p50_ms": round(warm_p50 * 1000, 1),
        "warm_p95_ms": round(warm_p95 * 1000, 1),
        "naive_p50_ms": round(naive_p50 * 1000, 1),
        "naive_samples": len(naive),
        "warm_p50_ratio": round(warm_p50 / naive_p50, 3),
        "warm_p95_ratio": round(warm_p95 / naive_p50, 3),
        "reeval_fraction": round(delta["reevaluated_tokens"] / delta["prompt_tokens"], 4) if delta["prompt_tokens"] else None,
        "mean_prompt_tokens": round(delta["prompt_tokens"] / delta["generations"], 1) if delta["generations"] else 0,
        "generations": delta["generations"],
        "typed_through": delta["typed_through"],
        "cancelled_requests": delta["superseded"] + delta["cancelled"],
        "wasted_decode_steps": delta["wasted_decode_steps"],
    }
