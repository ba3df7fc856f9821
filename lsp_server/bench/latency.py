"""`atelier bench latency`: inline completions through the LSP server against the same prompts
through a bare llama-cpp-python call, measured in one run; then the typing replay
(bench_replay.py)."""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import time
from pathlib import Path

from atelier.context.document import Document
from atelier.lsp_server.bench.output import print_report
from atelier.lsp_server.bench.replay import FULL_PROMPTS, ServerPrompts, default_replay_file, run_replay
from atelier.lsp_server.cli.demo import default_file
from atelier.lsp_server.bench.editor_session import EditorSession
from atelier.lsp_server.bench.data import fresh_data_dir
from atelier.lsp_server.cli.complete import read_source
from atelier.lsp_server.engine.completion import make_prompt
from atelier.lsp_server.settings import Settings, deep_merge, merge_settings
from atelier.models.host import ModelHost


def positions(lines: list[str], n: int) -> list[tuple[int, int]]:
    """`n` cursors at the end of non-blank lines spread evenly over the file."""
    candidates = [i for i, line in enumerate(lines) if line.strip()]
    if not candidates:
        return []
    step = max(1, len(candidates) // n)
    picked = candidates[::step][:n]
    while len(picked) < n:  # a short file: go round again
        picked += candidates[: n - len(picked)]
    return [(i, len(lines[i])) for i in picked]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def _through_server(path: Path, text: str, cursors: list[tuple[int, int]], settings: dict) -> list[float]:
    session = EditorSession(path.parent, settings)
    await session.start()
    try:
        await session.wait_ready()
        uri = session.open(path, text)
        await session.inline(uri, *cursors[0])  # warm-up, as for the bare run
        return [(await session.inline(uri, line, col))[1] for line, col in cursors]
    finally:
        await session.stop()


def _bare(path: Path, text: str, cursors: list[tuple[int, int]], settings: Settings) -> list[float]:
    host = ModelHost()
    backend = host.load(settings.model).result()
    llm = backend.llama
    doc = Document(path.resolve().as_uri(), text)
    prompts = ServerPrompts(path)

    def one(line: int, col: int) -> float:
        prompt = make_prompt(prompts.snapshot(doc, line, col), backend, settings.completion)
        start = time.perf_counter()
        llm.create_completion(
            prompt.text,
            max_tokens=prompt.max_tokens,
            stop=list(prompt.stop),
            temperature=0.0,
            repeat_penalty=1.0,
            logits_processor=backend.healing(prompt.heal),  # same constraint as the server's request
        )
        return time.perf_counter() - start

    one(*cursors[0])
    timings = [one(line, col) for line, col in cursors]
    host.close()
    return timings


def run_latency(
    path: Path | None, requests: int, as_json: bool, model: str | None, replay: Path | None = None, typing_ms: int = 0
) -> int:
    path = path or default_file()
    text = read_source(path)
    cursors = positions(text.split("\n"), requests)
    if not cursors:
        print(f"atelier bench: {path} has no code to complete in", file=sys.stderr)
        return 2
    update = {"model": {"path": model}} if model else {}
    settings = merge_settings(Settings(), update)
    with fresh_data_dir():  # the bare run's prompts are full ones
        server = asyncio.run(_through_server(path, text, cursors, deep_merge(update, FULL_PROMPTS)))
    bare = _bare(path, text, cursors, settings)
    p50, bare_p50 = statistics.median(server), statistics.median(bare)
    report = {
        "file": str(path),
        "requests": len(cursors),
        "p50_ms": round(p50 * 1000, 1),
        "p95_ms": round(p95(server) * 1000, 1),
        "bare_p50_ms": round(bare_p50 * 1000, 1),
        "bare_p95_ms": round(p95(bare) * 1000, 1),
        "overhead_ratio": round(p50 / bare_p50, 3) if bare_p50 else None,
    }
    report.update(run_replay(replay or default_replay_file(), settings, update, typing_ms))
    print_report(report, as_json)
    return 0
