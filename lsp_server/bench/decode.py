"""`atelier bench decode`: prompt-lookup decoding (models/lookup.py) against plain greedy
decoding, in one process, on the prompts the server makes at real cursors of a real file
(half after a block opener, half at the end of lines): decode tokens/s and the latency of a
warm keystroke (the completion's prompt already cached), the drafts' acceptance, and whether
both answers are the same."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

from atelier.context.document import Document
from atelier.lsp_server.bench.latency import p95, positions
from atelier.lsp_server.bench.output import Progress, print_report
from atelier.lsp_server.bench.replay import ServerPrompts, default_replay_file
from atelier.lsp_server.cli.complete import read_source
from atelier.lsp_server.engine.completion import make_prompt
from atelier.lsp_server.settings import Settings, merge_settings
from atelier.models.backend import CompletionRequest
from atelier.models.host import ModelHost
from atelier.models.lookup import LookupStats


def cursors(lines: list[str], n: int) -> list[tuple[int, int]]:
    """`n` cursors: half at the end of block openers (block completions, the long answers),
    half at the end of lines spread over the file."""
    openers = [i for i, line in enumerate(lines) if line.strip() and line.rstrip().endswith((":", "{"))]
    half = n // 2
    picked = [(i, len(lines[i])) for i in openers[:: max(1, len(openers) // max(1, half))][:half]]
    return picked + positions(lines, n - len(picked))


def _timed(backend, request: CompletionRequest):
    start = time.perf_counter()
    result = backend.complete(request)
    return result, time.perf_counter() - start


def run_decode(path: Path | None, requests: int, draft: int, as_json: bool, model: str | None,
               llama_cpp_draft: bool = False) -> int:
    path = path or default_replay_file()
    text = read_source(path)
    lines = text.split("\n")
    points = cursors(lines, requests)
    if not points:
        print(f"atelier bench: {path} has no code to complete in", file=sys.stderr)
        return 2
    settings = merge_settings(Settings(), {"model": {"path": model}} if model else {})
    host = ModelHost()
    backend = host.load(settings.model).result()
    if not hasattr(backend, "prompt_lookup"):
        print("atelier bench decode: the embedded backend only", file=sys.stderr)
        return 2
    doc = Document(path.resolve().as_uri(), text)
    prompts = ServerPrompts(path)
    runs = {"plain": [], "lookup": []}  # (seconds, tokens, mode) of each warm keystroke
    same = cold_same = 0
    stats = LookupStats()
    progress = Progress(len(points), "decode")
    requests_made = []
    for n, (line, col) in enumerate(points):
        snap = prompts.snapshot(doc, line, col)
        prompt = make_prompt(snap, backend, settings.completion)
        # As the server asks, less the time caps and `until`: both answers are whole, to compare.
        request = CompletionRequest(prompt.text, prompt.stop, prompt.max_tokens, heal=prompt.heal)
        requests_made.append(request)
        backend.prompt_lookup = 0
        cold = backend.complete(request)  # the prompt into the cache: what follows is a warm keystroke
        answers = {}
        # Alternate which goes first, so that a drift in the machine's load weighs on both.
        for kind in (("plain", "lookup") if n % 2 == 0 else ("lookup", "plain")):
            backend.prompt_lookup = draft if kind == "lookup" else 0
            backend.lookup_stats = stats if kind == "lookup" else LookupStats()
            result, seconds = _timed(backend, request)
            runs[kind].append((seconds, result.completion_tokens, snap.cursor.mode))
            answers[kind] = result.text
        same += answers["plain"] == answers["lookup"]
        # Plain decoding itself answers differently at a near-tie once the prompt was evaluated
        # in other batches (cold: one batch; warm: its last token alone): the baseline of `same`.
        cold_same += cold.text == answers["plain"]
        progress.step(snap.cursor.mode)
    progress.done()
    backend.prompt_lookup = 0
    report: dict[str, object] = {"file": str(path), "requests": len(points), "draft": draft}
    for kind, timings in runs.items():
        seconds = [s for s, _, _ in timings]
        # Decode speed over all warm keystrokes: what answers cost once the prompt is cached.
        report[f"{kind}_tps"] = round(sum(t for _, t, _ in timings) / sum(seconds), 1)
        block = [(s, t) for s, t, mode in timings if mode == "block"]
        if block:
            report[f"{kind}_block_tps"] = round(sum(t for _, t in block) / sum(s for s, _ in block), 1)
        report[f"{kind}_warm_p50_ms"] = round(statistics.median(seconds) * 1000, 1)
        report[f"{kind}_warm_p95_ms"] = round(p95(seconds) * 1000, 1)
    report["tps_ratio"] = round(report["lookup_tps"] / report["plain_tps"], 3)
    report["warm_p50_ratio"] = round(report["lookup_warm_p50_ms"] / report["plain_warm_p50_ms"], 3)
    report["warm_p95_ratio"] = round(report["lookup_warm_p95_ms"] / report["plain_warm_p95_ms"], 3)
    report["acceptance"] = round(stats.acceptance, 3)
    report["drafted_per_batch"] = round(stats.drafted / max(1, stats.batches), 2)
    report["tokens_per_batch"] = round((stats.batches + stats.accepted) / max(1, stats.batches), 2)
    report["same_answers"] = f"{same}/{len(points)}"
    report["plain_cold_warm_same_answers"] = f"{cold_same}/{len(points)}"
    report["completion_tokens"] = sum(t for _, t, _ in runs["plain"])
    report["load_average"] = round(os.getloadavg()[0], 2)
    if llama_cpp_draft:
        report.update(_llama_cpp_lookup(backend, requests_made, settings, draft))
    host.close()
    print_report(report, as_json)
    return 0


def _llama_cpp_lookup(backend, requests: list[CompletionRequest], settings: Settings, draft: int) -> dict[str, object]:
    """llama-cpp-python's own LlamaPromptLookupDecoding on the same requests (warm), with the
    `logits_all=True` it needs: its decode speed and the memory the second model costs."""
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    from atelier.models.llama import new_llama

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    llm = new_llama(model_path=str(backend.path), n_ctx=settings.model.n_ctx, n_batch=settings.model.n_batch,
                    n_ubatch=settings.model.n_batch, n_threads=backend.threads.most, logits_all=True,
                    draft_model=LlamaPromptLookupDecoding(num_pred_tokens=max(1, draft)), verbose=False)
    tokens = seconds = 0.0
    for request in requests:
        kwargs = dict(max_tokens=request.max_tokens, stop=list(request.stop), temperature=0.0, repeat_penalty=1.0,
                      logits_processor=backend.healing(request.heal))
        llm.create_completion(request.prompt, **kwargs)
        start = time.perf_counter()
        out = llm.create_completion(request.prompt, **kwargs)
        seconds += time.perf_counter() - start
        tokens += out["usage"]["completion_tokens"]
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    llm.close()
    return {"llama_cpp_lookup_tps": round(tokens / seconds, 1), "llama_cpp_lookup_peak_rss_growth_mb": round(grown / 1024)}
