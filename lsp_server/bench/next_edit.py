"""Next-edit suggestions, measured on real edits: `atelier bench make-next-edit-tasks GIT_DIR`
cuts tasks from a repository's history, `atelier bench next-edit --tasks FILE` replays them
through the real server (`textDocument/copilotInlineEdit`).

A task is a commit that changed one file in 2-6 small hunks: the first hunk is the user's
edit, the second the target. Format (one JSON object a line; LSP ranges, UTF-16):
{"id", "file", "language", "kind", "before", "user_edit": {"range", "text"}, "after_user",
"cursor", "target": {"range", "text"}, "after"}. Kind: "rename" when both hunks replace the
same identifier by the same new one, "repeat" when their token changes are alike once
identifiers are abstracted, else "other".

The replay opens `before`, sends the user's edit as one didChange, asks for the next edit at
the cursor: exact when the first suggested edit applied to `after_user` gives `after`, wrong
when something else was suggested, none when nothing was.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

from atelier.context.next_edit import tokens
from atelier.lsp_server.bench.editor_session import EditorSession
from atelier.lsp_server.bench.output import Progress, print_report
from atelier.lsp_server.bench.data import fresh_data_dir

LANGUAGES = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
             ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript"}
MAX_HUNK_LINES = 3
MAX_FILE_CHARS = 200_000


# -- positions ------------------------------------------------------------------------------

def _position(text: str, index: int) -> dict:
    line_start = text.rfind("\n", 0, index) + 1
    return {"line": text.count("\n", 0, index), "character": len(text[line_start:index].encode("utf-16-le")) // 2}


def _index(text: str, pos: dict) -> int:
    lines = text.split("\n")
    start = sum(len(s) + 1 for s in lines[:pos["line"]])
    line, units, i = lines[pos["line"]], 0, 0
    while i < len(line) and units < pos["character"]:
        units += 2 if ord(line[i]) > 0xFFFF else 1
        i += 1
    return start + i


def _minimal(old: str, new: str, base: int) -> tuple[int, int, str]:
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    return base + p, base + len(old) - s, new[p:len(new) - s]


# -- task kinds -----------------------------------------------------------------------------

def _token_change(old: str, new: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    a, b = [t.text for t in tokens(old)], [t.text for t in tokens(new)]
    return [(tag, tuple(a[i1:i2]), tuple(b[j1:j2]))
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if tag != "equal"]


def _rename_pair(change) -> tuple[str, str] | None:
    pair = None
    for tag, a, b in change:
        if tag != "replace" or len(a) != len(b):
            return None
        for x, y in zip(a, b):
            if not re.match(r"[A-Za-z_$][\w$]*\Z", x) or not re.match(r"[A-Za-z_$][\w$]*\Z", y):
                return None
            if pair is not None and pair != (x, y):
                return None
            pair = (x, y)
    return pair


def _abstract(change) -> list:
    def ab(seq):
        return tuple("ID" if re.match(r"[A-Za-z_$][\w$]*\Z", t) else t for t in seq)
    return [(tag, ab(a), ab(b)) for tag, a, b in change]


def kind_of(first: tuple[str, str], second: tuple[str, str]) -> str:
    c1, c2 = _token_change(*first), _token_change(*second)
    if not c1 or not c2:
        return "other"
    r1, r2 = _rename_pair(c1), _rename_pair(c2)
    if r1 is not None and r1 == r2:
        return "rename"
    return "repeat" if _abstract(c1) == _abstract(c2) else "other"


# -- task maker -----------------------------------------------------------------------------

def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, errors="replace").stdout


def _hunks(diff: str) -> list[tuple[int, int, list[str], list[str]]]:
    """(old start line 0-based, old count, old lines, new lines) of a -U0 diff."""
    out, cur = [], None
    for line in diff.split("\n"):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", line)
        if m:
            a, al = int(m.group(1)), int(m.group(2) or "1")
            cur = [a - 1 if al else a, al, [], []]
            out.append(cur)
        elif cur is not None and line.startswith("-") and not line.startswith("---"):
            cur[2].append(line[1:])
        elif cur is not None and line.startswith("+") and not line.startswith("+++"):
            cur[3].append(line[1:])
    return [tuple(h) for h in out]


def _apply_hunk(lines: list[str], start: int, count: int, new: list[str]) -> list[str]:
    return lines[:start] + new + lines[start + count:]


def make_tasks(repo: Path, max_commits: int = 3000, per_repo: int = 100) -> list[dict]:
    name = repo.resolve().name
    if name in ("repo", ".git"):  # a bare mirror or a .git folder: its parent names it
        name = repo.resolve().parent.name
    tasks: list[dict] = []
    log = _git(repo, "log", "--no-merges", "--format=%H", f"-n{max_commits}")
    for commit in log.split():
        if len(tasks) >= per_repo:
            break
        files = [line.split("\t") for line in _git(repo, "show", "--numstat", "--format=", commit).splitlines() if line.strip()]
        if len(files) != 1 or len(files[0]) != 3:
            continue
        path = files[0][2]
        language = LANGUAGES.get(Path(path).suffix)
        if language is None or "=>" in path:
            continue
        before = _git(repo, "show", f"{commit}^:{path}")
        after = _git(repo, "show", f"{commit}:{path}")
        if not before or not after or len(before) > MAX_FILE_CHARS or "\r" in before:
            continue
        hunks = _hunks(_git(repo, "diff", "-U0", "--no-color", f"{commit}^", commit, "--", path))
        if not 2 <= len(hunks) <= 6 or any(len(h[2]) > MAX_HUNK_LINES or len(h[3]) > MAX_HUNK_LINES for h in hunks):
            continue
        (s1, c1, o1, n1), (s2, c2, o2, n2) = hunks[0], hunks[1]
        if not c1 or not c2 or not n1 or not n2:
            continue  # pure insertions and deletions of lines: no place to anchor a next edit
        lines = before.split("\n")
        user_lines = _apply_hunk(lines, s1, c1, n1)
        after_user = "\n".join(user_lines)
        line_start = sum(len(s) + 1 for s in lines[:s1])
        old_block, new_block = "\n".join(lines[s1:s1 + c1]), "\n".join(n1)
        u0, u1, utext = _minimal(old_block, new_block, line_start)
        shift = len(n1) - c1
        t_lines = s2 + shift
        t_start = sum(len(s) + 1 for s in user_lines[:t_lines])
        t_old, t_new = "\n".join(user_lines[t_lines:t_lines + c2]), "\n".join(n2)
        if t_old != "\n".join(o2):
            continue
        t0, t1, ttext = _minimal(t_old, t_new, t_start)
        final = after_user[:t0] + ttext + after_user[t1:]
        cursor = _position(after_user, u0 + len(utext))
        tasks.append({
            "id": f"{name}:{commit[:10]}", "file": path, "language": language,
            "kind": kind_of(("\n".join(o1), new_block), (t_old, t_new)),
            "before": before,
            "user_edit": {"range": {"start": _position(before, u0), "end": _position(before, u1)}, "text": utext},
            "after_user": after_user, "cursor": cursor,
            "target": {"range": {"start": _position(after_user, t0), "end": _position(after_user, t1)}, "text": ttext},
            "after": final,
        })
    return tasks


def run_make_tasks(git_dir: Path, out: Path, max_commits: int, per_repo: int) -> int:
    tasks = make_tasks(git_dir, max_commits, per_repo)
    with open(out, "a", encoding="utf-8") as f:
        for t in tasks:
            f.write(json.dumps(t) + "\n")
    kinds: dict[str, int] = {}
    for t in tasks:
        kinds[t["kind"]] = kinds.get(t["kind"], 0) + 1
    print(f"{len(tasks)} tasks from {git_dir} appended to {out} ({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))})")
    return 0


# -- replay ---------------------------------------------------------------------------------

def _apply(text: str, edit: dict) -> str:
    r = edit["range"]
    return text[:_index(text, r["start"])] + edit["text"] + text[_index(text, r["end"]):]


def plain(value):
    """A JSON-RPC answer (pygls' named tuples) as plain dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


async def _replay(tasks: list[dict], predictors: list[str], quiet: bool) -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix="atelier-next-edit-bench-"))
    session = EditorSession(root, {"next_edit": {"predictors": predictors, "debounce_ms": 5000},
                                   "feedback": {"enabled": False}})
    await session.start()
    if "model" in predictors:
        await session.wait_ready(300)
    results = []
    progress = Progress(len(tasks), "next-edit") if not quiet else None
    try:
        for n, task in enumerate(tasks):
            path = root / f"t{n}" / Path(task["file"]).name
            uri = session.open(path, task["before"], task["language"])
            r = task["user_edit"]["range"]
            session.replace(uri, (r["start"]["line"], r["start"]["character"]), (r["end"]["line"], r["end"]["character"]),
                            task["user_edit"]["text"])
            await session.stats()  # the open and the change are processed: time the request alone
            started = time.perf_counter()
            answer = await session.client.protocol.send_request_async(
                "textDocument/copilotInlineEdit",
                {"textDocument": {"uri": uri, "version": 2}, "position": task["cursor"]})
            ms = (time.perf_counter() - started) * 1000
            edits = plain(answer).get("edits") or []
            outcome = "none"
            if edits:
                outcome = "exact" if _apply(task["after_user"], edits[0]) == task["after"] else "wrong"
            results.append({"id": task["id"], "kind": task["kind"], "language": task["language"], "outcome": outcome,
                            "ms": ms, "suggested": _suggested(edits[0]) if edits else None})
            _close(session, uri)
            if progress:
                progress.step(outcome)
    finally:
        if progress:
            progress.done()
        await session.stop()
    return results


def _suggested(edit: dict) -> dict:
    """The first suggested edit as the predictions file keeps it: where and what."""
    return {"range": edit["range"], "text": edit["text"]}


def _close(session: EditorSession, uri: str) -> None:
    from lsprotocol import types

    session.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))


def _rates(rows: list[dict]) -> dict:
    n = len(rows)
    if not n:
        return {"tasks": 0}
    count = {o: sum(r["outcome"] == o for r in rows) for o in ("exact", "wrong", "none")}
    return {"tasks": n, "exact": round(count["exact"] / n, 4), "wrong": round(count["wrong"] / n, 4),
            "none": round(count["none"] / n, 4)}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def run_next_edit(tasks_file: Path, predictors: list[str], limit: int | None, as_json: bool,
                  predictions: Path | None = None) -> int:
    tasks = [json.loads(line) for line in tasks_file.read_text().splitlines() if line.strip()]
    if limit is not None and limit < len(tasks):
        step = len(tasks) / limit
        tasks = [tasks[int(i * step)] for i in range(limit)]
    with fresh_data_dir():
        results = asyncio.run(_replay(tasks, predictors, as_json))
    report: dict = {"tasks": str(tasks_file), "predictors": ",".join(predictors), **{f"all_{k}": v for k, v in _rates(results).items()}}
    rr = [r for r in results if r["kind"] in ("rename", "repeat")]
    report.update({f"rename+repeat_{k}": v for k, v in _rates(rr).items()})
    for kind in ("rename", "repeat", "other"):
        report[f"kind_{kind}"] = _rates([r for r in results if r["kind"] == kind])
    for lang in sorted({r["language"] for r in results}):
        report[f"language_{lang}"] = _rates([r for r in results if r["language"] == lang])
    ms = [r["ms"] for r in results]
    report["latency_ms_p50"], report["latency_ms_p95"] = _pct(ms, 0.5), _pct(ms, 0.95)
    answered = [r["ms"] for r in results if r["outcome"] != "none"]
    report["latency_ms_p95_answered"] = _pct(answered, 0.95)
    if predictions:  # each task's outcome and first suggestion, to read the misses one by one
        with predictions.open("w", encoding="utf-8") as f:
            for r in results:
                f.write(json.dumps({**r, "ms": round(r["ms"], 1)}) + "\n")
    print_report(report, as_json)
    return 0
