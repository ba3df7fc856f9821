"""What the server knows of the workspace beyond the open documents: the symbol index, code
edited lately, and each open file's own definitions and imports. No LSP types here."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from context.document import Document
from context.imports import Import, resolve_imports
from context.index import WorkspaceIndex, store_path
from context.retrieval import HeldSnippets, RecentChunks
from context.tags import Tag, extract_tags
from lsp_server.pipeline import Sources

log = logging.getLogger(__name__)

# Other open files offered to similarity retrieval, and how much of each.
OTHER_FILES = 4
OTHER_FILE_CHARS = 40_000


class WorkspaceContext:
    def __init__(self) -> None:
        self.index: WorkspaceIndex | None = None
        self.recent = RecentChunks()
        self.held = HeldSnippets()
        # uri -> (line count, tags, imports): recomputed when the line count changes, which
        # is when definitions and imports appear, not at every keystroke.
        self._per_doc: dict[str, tuple[int, list[Tag], list[Import]]] = {}
        self._cancel = threading.Event()

    def open(self, root: Path, data_dir: Path) -> bool:
        """Load the persisted index of `root` (fast); True if there was one."""
        self.index = WorkspaceIndex(root, store_path(data_dir, root))
        return self.index.load()

    def build(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Bring the index up to date (slow: run it on a thread of its own)."""
        if self.index is None:
            return
        try:
            stats = self.index.build(progress, self._cancel.is_set)
            log.info("index of %s: %d files (%d parsed) in %.1f s", self.index.root, stats.files, stats.parsed, stats.seconds)
        except Exception:  # indexing is an extra: never let it take the server down
            log.exception("index build failed")

    def stop(self) -> None:
        self._cancel.set()

    def relative(self, path: str | None) -> str | None:
        """`path` relative to the workspace root, or None when outside it."""
        if self.index is None or not path:
            return None
        try:
            return Path(path).resolve().relative_to(self.index.root).as_posix()
        except ValueError:
            return None

    def file_changed(self, path: str | None) -> None:
        rel = self.relative(path)
        if rel is not None:
            self.index.update(rel)

    def edited(self, doc: Document, rel_path: str, line: int) -> None:
        self.recent.record(rel_path, doc.lines, line)

    def forget(self, uri: str) -> None:
        self._per_doc.pop(uri, None)
        self.held.forget(uri)

    def sources(self, doc: Document, rel_path: str, others: list[tuple[str, Document]]) -> Sources:
        """`others`: the other open documents with their display paths, least recent first."""
        cached = self._per_doc.get(doc.uri)
        if cached is None or cached[0] != len(doc.lines):
            tags = extract_tags(doc.tree, doc.text.encode(), doc.language)
            imports = resolve_imports(doc.tree, doc.language, rel_path, self.index.root) if self.index else []
            cached = (len(doc.lines), tags, imports)
            self._per_doc[doc.uri] = cached
        texts = [(path, o.text[:OTHER_FILE_CHARS]) for path, o in others[-OTHER_FILES:]]
        return Sources(cached[1], cached[2], self.index, self.recent.items() + texts, self.held)
