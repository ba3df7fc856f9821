"""`atelier bench quality`: line-completion tasks through the LSP server, scored by exact
match and edit similarity of the answer's first line.

Each workspace gets its own server (root = the workspace, `completion.context` as asked),
and each task is a document opened at its file's URI, completed at the cursor, and closed, as
an editor would. Task files come from `atelier bench make-tasks` (bench_tasks.py) or any
CrossCodeEval-like set in the same format."""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types

from atelier.lsp_server.bench.output import Progress
from atelier.lsp_server.bench.editor_session import EditorSession
from atelier.lsp_server.bench.data import fresh_data_dir

log = logging.getLogger(__name__)

# Benchmarks measure the model and the pipeline, not how busy the machine is: the editor's
# time caps (settings.py) are lifted so that a loaded CPU cannot cut answers short. The
# token and line caps, which shape every answer, stay as they are. No feedback is recorded:
# the bench never accepts an answer, so every file whose snippets were shown would count as
# never accepted and weigh less in the tasks after it (answers would depend on task order).
# Nor does a cold cache shorten a prompt (cold_prompt_ms): every task is a file just opened.
BENCH_SETTINGS = {"completion": {"max_decode_ms": 0, "timeout_ms": 0, "cold_prompt_ms": 0}, "feedback": {"enabled": False}}

# Grammar names (context.languages) that are not LSP languageIds themselves.
_LANGUAGE_IDS = {"tsx": "typescriptreact", "c_sharp": "csharp", "bash": "shellscript"}
REQUIRED = ("id", "workspace", "file", "text", "line", "character", "expected", "language")


def spread(items: list, limit: int | None) -> list:
    """`limit` items evenly spread over `items` (all of them when None): the first N of a
    sorted set would all come from one package or language."""
    if not limit or limit >= len(items):
        return list(items)
    return [items[i * len(items) // limit] for i in range(limit)]


def edit_similarity(a: str, b: str) -> float:
    """1 - Levenshtein(a, b) / max(len): CrossCodeEval's edit similarity, in [0, 1]."""
    if not a and not b:
        return 1.0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1.0 - previous[-1] / max(len(a), len(b))


def score(answer: str, expected: str) -> tuple[bool, float]:
    """(exact match, edit similarity) of the answer's first line against `expected`, both
    without trailing white space."""
    first = answer.split("\n", 1)[0].rstrip()
    want = expected.split("\n", 1)[0].rstrip()
    return first == want, edit_similarity(first, want)


def load_tasks(path: Path, limit: int | None = None) -> list[dict]:
    tasks = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            task = json.loads(line)
            missing = [k for k in REQUIRED if k not in task]
            if missing:
                raise ValueError(f"{path}:{number}: task without {', '.join(missing)}")
            tasks.append(task)
    return spread(tasks, limit)


def language_id(language: str) -> str:
    return _LANGUAGE_IDS.get(language, language)


async def _run_workspace(root: Path, tasks: list[dict], settings: dict, progress: Progress) -> list[tuple[str, float]]:
    session = EditorSession(root, settings)
    await session.start()
    answers = []
    try:
        await session.wait_ready()
        for task in tasks:
            uri = session.open(root / task["file"], task["text"], language_id(task["language"]))
            try:
                answers.append(await session.inline(uri, task["line"], task["character"]))
            except Exception as exc:  # one bad task (a position outside its text) is a miss, not a crash
                log.warning("task %s failed: %s", task["id"], exc)
                answers.append(("", 0.0))
            session.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
            progress.step(task["id"].rsplit("/", 1)[-1])
    finally:
        await session.stop()
    return answers


async def complete_tasks(tasks: list[dict], base: Path, settings: dict, progress: Progress | None = None) -> list[tuple[str, float]]:
    """The server's answer for each task and its latency in seconds, in order; one server
    per workspace."""
    progress = progress or Progress(0, "")
    by_workspace: dict[str, list[int]] = {}
    for i, task in enumerate(tasks):
        by_workspace.setdefault(task["workspace"], []).append(i)
    answers: list[tuple[str, float]] = [("", 0.0)] * len(tasks)
    for workspace, indices in by_workspace.items():
        results = await _run_workspace((base / workspace).resolve(), [tasks[i] for i in indices], settings, progress)
        for i, answer in zip(indices, results):
            answers[i] = answer
    return answers


def _figures(rows: list[tuple[bool, float]]) -> dict:
    n = len(rows)
    return {
        "n": n,
        "em": round(100 * sum(em for em, _ in rows) / n, 2) if n else 0.0,
        "es": round(100 * sum(es for _, es in rows) / n, 2) if n else 0.0,
    }


def summarise(tasks: list[dict], answers: list[str], context: str) -> dict:
    rows = [score(a, t["expected"]) for t, a in zip(tasks, answers)]
    per_language: dict[str, list] = {}
    for task, row in zip(tasks, rows):
        per_language.setdefault(task["language"], []).append(row)
    report = {**_figures(rows), "context": context}
    report["per_language"] = {lang: _figures(r) for lang, r in sorted(per_language.items())}
    # Sets from make-tasks mark the lines that use a name defined in another file: the
    # figures context should move most.
    if any("cross_file" in t for t in tasks):
        report["cross_file"] = _figures([r for t, r in zip(tasks, rows) if t.get("cross_file")])
        report["in_file"] = _figures([r for t, r in zip(tasks, rows) if not t.get("cross_file")])
    return report


def run_quality(
    tasks_file: Path,
    context: str,
    limit: int | None,
    as_json: bool,
    settings_json: str | None = None,
    predictions: Path | None = None,
) -> int:
    try:
        tasks = load_tasks(tasks_file, limit)
    except (OSError, ValueError) as exc:
        print(f"atelier bench quality: {exc}", file=sys.stderr)
        return 2
    settings = json.loads(json.dumps(BENCH_SETTINGS))
    settings["completion"]["context"] = context
    if settings_json:  # e.g. '{"completion": {"context_tokens": 2048}}'
        extra = json.loads(settings_json)
        for section, values in extra.items():
            settings.setdefault(section, {}).update(values)
    progress = Progress(len(tasks), f"quality ({context})")
    started = time.monotonic()
    # A fresh data folder (the server persists its workspace index there): no index from an
    # earlier run, of another version of the workspace, may answer for this one.
    with fresh_data_dir():
        timed = asyncio.run(complete_tasks(tasks, tasks_file.parent, settings, progress))
    progress.done()
    answers = [answer for answer, _ in timed]
    report = summarise(tasks, answers, context)
    # The latency of a request (the first one in a workspace waits for the model and the
    # index): context assembly must stay cheap beside the model.
    report["p50_ms"] = round(1000 * statistics.median(s for _, s in timed), 1) if timed else 0.0
    if predictions:
        with predictions.open("w", encoding="utf-8") as f:
            for task, (answer, seconds) in zip(tasks, timed):
                em, es = score(answer, task["expected"])
                row = {"id": task["id"], "expected": task["expected"], "answer": answer, "em": em, "es": round(es, 4)}
                f.write(json.dumps({**row, "ms": round(seconds * 1000)}) + "\n")
    if as_json:
        print(json.dumps(report))
        return 0
    elapsed = time.monotonic() - started
    print(f"{tasks_file} · context {context} · {report['n']} tasks in {elapsed:.0f} s (request p50 {report['p50_ms']:.0f} ms)")
    print(f"{'':>14} {'n':>5} {'EM %':>7} {'ES %':>7}")
    rows = [*report["per_language"].items()]
    rows += [(k, report[k]) for k in ("cross_file", "in_file") if k in report]
    for name, fig in rows + [("all", report)]:
        print(f"{name:>14} {fig['n']:>5} {fig['em']:>7.2f} {fig['es']:>7.2f}")
    return 0
