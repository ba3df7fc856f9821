"""`atelier bench context`: the context engine's own costs, without the model call.

Index build throughput and memory on a real workspace (by default this Python's
site-packages: thousands of files of other people's code), a restart's load of the persisted
index, and context assembly (cursor analysis, retrieval, prompt building with the model's
tokenizer) at many cursors in a large real file, against assembly with no extra context
measured in the same run."""

from __future__ import annotations

import resource
import statistics
import sysconfig
import tempfile
import time
from pathlib import Path

from atelier.context.document import Document
from atelier.context.index import WorkspaceIndex, store_path
from atelier.lsp_server.bench.output import print_report
from atelier.context.assembly import prepare
from atelier.lsp_server.engine.completion import make_prompt
from atelier.lsp_server.settings import Settings
from atelier.context.workspace import WorkspaceContext
from atelier.models.llama import LlamaBackend
from atelier.models.locate import resolve_model_path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def _large_file(index: WorkspaceIndex, min_lines: int) -> Path:
    """The workspace's smallest Python file of at least `min_lines` lines, else its largest."""
    counted = []
    for rel, record in index.files.items():
        if record.language == "python" and record.size > min_lines * 10:
            counted.append(((index.root / rel).read_bytes().count(b"\n"), rel))
    if not counted:
        raise SystemExit(f"atelier bench context: no Python file of size in {index.root}")
    big = sorted(c for c in counted if c[0] >= min_lines)
    return index.root / (big[0][1] if big else max(counted)[1])


def run_context_bench(workspace: Path | None, files: int, positions: int, as_json: bool) -> int:
    root = (workspace or Path(sysconfig.get_paths()["purelib"])).resolve()
    data = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    rss_before = _rss_mb()
    ctx = WorkspaceContext()
    ctx.index = WorkspaceIndex(root, store_path(data, root), max_files=files)
    start = time.perf_counter()
    stats = ctx.index.build()
    build_s = time.perf_counter() - start
    rss_after = _rss_mb()
    start = time.perf_counter()
    reloaded = WorkspaceIndex(root, store_path(data, root), max_files=files)
    reloaded.load()
    reload_s = time.perf_counter() - start

    path = _large_file(ctx.index, 5000)
    rel = path.relative_to(root).as_posix()
    doc = Document(path.as_uri(), path.read_text(errors="replace"))
    model, _ = resolve_model_path(None)
    backend = LlamaBackend(model, n_ctx=4096)
    settings = Settings().completion
    lines = [i for i, text in enumerate(doc.lines) if text.strip()]
    cursors = lines[:: max(1, len(lines) // positions)][:positions]

    def assemble(mode: str) -> list[float]:
        timings = []
        for line in cursors:
            t0 = time.perf_counter()
            snap = prepare(doc, line, len(doc.lines[line]), rel, ctx.sources(doc, rel, []), mode)
            make_prompt(snap, backend, settings)
            timings.append(time.perf_counter() - t0)
        return timings

    assemble("full")  # warm caches (per-file tags, tokenizer), as a running server has them
    none, full = assemble("none"), assemble("full")
    backend.close()
    report = {
        "workspace": str(root),
        "index_files": stats.files,
        "index_seconds": round(build_s, 2),
        "index_files_per_s": round(stats.files / build_s, 1) if build_s else None,
        "index_rss_mb": round(rss_after - rss_before, 1),
        "index_store_mb": round(store_path(data, root).stat().st_size / 1e6, 2),
        "reload_seconds": round(reload_s, 3),
        "file": str(path),
        "file_lines": len(doc.lines),
        "positions": len(cursors),
        "assembly_none_p50_ms": round(statistics.median(none) * 1000, 2),
        "assembly_p50_ms": round(statistics.median(full) * 1000, 2),
        "assembly_p95_ms": round(_p95(full) * 1000, 2),
        "assembly_ratio": round(statistics.median(full) / statistics.median(none), 2),
    }
    print_report(report, as_json)
    return 0
