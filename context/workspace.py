"""What the server knows of the workspace beyond the open documents: the symbol index, code
edited lately, and each open file's own definitions and imports. No LSP types here."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, NamedTuple

from atelier.context.document import Document
from atelier.context.imports import Import, import_lines, resolve_imports
from atelier.context.index import WorkspaceIndex, store_path
from atelier.context.gate import PromptGate, uri_path
from atelier.context.licenses import HEADER_BYTES, LicensePolicy
from atelier.context.search import Found, WorkspaceSearch, chat_search
from atelier.context.retrieval import HeldSnippets, RecentChunks
from atelier.context.tags import Tag, extract_tags
from atelier.context.assembly import Sources

log = logging.getLogger(__name__)

# Other open files offered to similarity retrieval, and how much of each.
OTHER_FILES = 4
OTHER_FILE_CHARS = 40_000


class _DocFacts(NamedTuple):
    """What an open document's tree says, for the line count it was read at."""

    lines: int
    tags: list[Tag]
    imports: list[Import]
    import_block: tuple[int, str]  # the first import's line and the import statements


class WorkspaceContext:
    def __init__(self) -> None:
        self.index: WorkspaceIndex | None = None
        self.recent = RecentChunks()
        self.held = HeldSnippets()
        # Recomputed when the line count changes, which is when definitions and imports
        # appear, not at every keystroke.
        self._per_doc: dict[str, _DocFacts] = {}
        self._cancel = threading.Event()
        self.policy = LicensePolicy()  # the `licenses` setting
        self.gate = PromptGate(self.policy)  # every text on its way to a model passes it
        self.search: WorkspaceSearch | None = None
        self._edited: dict[str, tuple[str, Path | None]] = {}  # uri -> (display path, file) of recent edits

    def open(self, root: Path, data_dir: Path | None) -> bool:
        """Load the persisted index of `root` (fast); True if there was one. Without a data
        folder the index lives in memory only."""
        self.index = WorkspaceIndex(root, store_path(data_dir, root) if data_dir is not None else None)
        self.index.policy = self.policy
        self.gate.index = self.index
        self.search = WorkspaceSearch(self.index)
        return self.index.load()

    def set_policy(self, policy: LicensePolicy) -> None:
        self.policy = self.gate.policy = policy
        self.held = HeldSnippets()  # held snippets were chosen under the old policy
        if self.index is not None:
            self.index.policy = policy

    def build(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Bring the index up to date (slow: run it on a thread of its own)."""
        if self.index is None:
            return
        try:
            stats = self.index.build(progress, self._cancel.is_set)
            log.info("index of %s: %d files (%d parsed) in %.1f s", self.index.root, stats.files, stats.parsed, stats.seconds)
        except Exception:  # indexing is an extra: never let it take the server down
            log.exception("index build failed")

    def chat_found(self, question: str, requested: bool) -> list[Found]:
        """Workspace search results for a chat question (context.search.chat_search); none
        before the index exists. Slow the first time on a large index: run it on a thread."""
        if self.search is None:
            return []
        try:
            return chat_search(self.search, question, requested)
        except Exception:  # search is an extra: a chat without it beats no chat
            log.exception("workspace search failed")
            return []

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
        path = uri_path(doc.uri)
        # Recent chunks go into other files' prompts: judged as context, on the real file.
        if self.gate.refusal(path, doc.text[:HEADER_BYTES]) is None:
            self._edited[doc.uri] = (rel_path, path)
            self.recent.record(rel_path, doc.lines, line)

    def forget(self, uri: str) -> None:
        """A document closed: nothing of it stays in other files' prompts."""
        self._per_doc.pop(uri, None)
        self.held.forget(uri)
        edited = self._edited.pop(uri, None)
        if edited is not None:
            self.recent.forget(edited[0])

    def sources(self, doc: Document, rel_path: str, others: list[tuple[str, Document]]) -> Sources:
        """`others`: the other open documents with their display paths, least recent first."""
        cached = self._per_doc.get(doc.uri)
        if cached is None or cached.lines != len(doc.lines):
            cached = self._per_doc[doc.uri] = _DocFacts(
                len(doc.lines),
                extract_tags(doc.tree, doc.text.encode(), doc.language),
                resolve_imports(doc.tree, doc.language, rel_path, self.index.root) if self.index else [],
                import_lines(doc.tree, doc.language),
            )
        # Other open files and recent edits pass the gate on their real paths: an open .env or
        # key file, or code under a licence the policy denies, lends nothing to this prompt.
        texts = [(path, o.text[:OTHER_FILE_CHARS]) for path, o in others
                 if self.gate.refusal(uri_path(o.uri), o.text[:HEADER_BYTES]) is None]
        files = {display: path for display, path in self._edited.values()}
        recent = [(path, text) for path, text in self.recent.items() if self.gate.refusal(files.get(path)) is None]
        return Sources(cached.tags, cached.imports, self.index, recent + texts[-OTHER_FILES:], self.held,
                       import_block=cached.import_block)
