"""The workspace symbol index: every source file's definitions (context.tags), built in the
background, updated file by file, and persisted with msgspec so that a restart is instant.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import msgspec
import pathspec

from atelier.context.docs import DOC_EXTENSIONS, DocChunk, chunk_document
from atelier.context.languages import EXTENSIONS, make_parser
from atelier.context.licenses import LICENSE_FILE, METADATA_FILES, LicensePolicy, LicenseResolver, spdx_header
from atelier.context.secrets import has_secrets, is_secret_file, redact
from atelier.context.tags import Tag, extract_tags

log = logging.getLogger(__name__)

FORMAT_VERSION = 4  # 2: licences per file, documentation sections; 3: tags' last lines; 4: names
MAX_NAMES = 2_000  # identifiers kept per file for similarity: its first ones are enough
TEXT_CACHE = 16  # file texts kept for similar-code retrieval
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{3,}")
MAX_FILE_BYTES = 1_000_000  # larger files are generated code or data: left out, logged
MAX_FILES = 20_000
ALWAYS_IGNORED = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache",
                  ".pytest_cache", ".tox", "dist", "build", "target", ".idea", ".vscode", ".atelier-bench"}


class FileRecord(msgspec.Struct):
    mtime_ns: int
    size: int
    language: str | None
    tags: list[Tag]
    license: str | None = None  # SPDX expression (context.licenses), None: no licence found
    spdx: str | None = None  # the file's own SPDX header, which wins over its folder's licence
    names: list[str] = msgspec.field(default_factory=list)  # identifiers used: finds similar code


class DocRecord(msgspec.Struct):
    """A documentation file (Markdown, reStructuredText, AsciiDoc) cut into sections."""

    mtime_ns: int
    size: int
    format: str
    chunks: list[DocChunk]
    license: str | None = None
    spdx: str | None = None


class IndexData(msgspec.Struct):
    version: int
    root: str
    files: dict[str, FileRecord]
    docs: dict[str, DocRecord] = {}


class IndexStats(msgspec.Struct):
    files: int = 0
    parsed: int = 0  # files (re)parsed by the last build; the rest came from disk
    skipped_large: int = 0
    skipped_binary: int = 0
    seconds: float = 0.0
    docs: int = 0  # documentation files


def store_path(data_dir: Path, root: Path) -> Path:
    digest = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
    return data_dir / "index" / f"{digest}.msgpack"


class WorkspaceIndex:
    def __init__(self, root: Path, store: Path | None = None, max_files: int = MAX_FILES) -> None:
        self.root = root.resolve()
        self.max_files = max_files
        self.store = store
        self.files: dict[str, FileRecord] = {}
        self.docs: dict[str, DocRecord] = {}
        # Files whose licence the policy denies give nothing to queries (definitions, docs).
        self.policy: LicensePolicy | None = None
        self.generation = 0  # bumped at every change: what is computed from the index follows it
        self._licenses = LicenseResolver(self.root)
        self._by_name: dict[str, list[tuple[str, Tag]]] = {}
        self._files_with: dict[str, set[str]] = {}  # identifier -> the files that use it
        self._texts: dict[str, tuple[int, str]] = {}  # rel -> (mtime_ns, text): a few, for retrieval
        self._lock = threading.RLock()
        self.stats = IndexStats()
        # folder ("" for the root) -> its .gitignore, read once; None when it has none.
        self._ignores: dict[str, pathspec.PathSpec | None] = {}

    # -- what belongs in it -----------------------------------------------------------

    def _gitignore(self, folder: str) -> pathspec.PathSpec | None:
        if folder not in self._ignores:
            try:
                lines = (self.root / folder / ".gitignore").read_text(errors="replace").splitlines()
                self._ignores[folder] = pathspec.GitIgnoreSpec.from_lines(lines)
            except OSError:
                self._ignores[folder] = None
        return self._ignores[folder]

    def ignored(self, rel: str, is_dir: bool = False) -> bool:
        """As git sees it: each folder's .gitignore applies below it, with paths relative to
        that folder (patterns of a deeper file do not reach outside it)."""
        parts = Path(rel).parts
        if any(part in ALWAYS_IGNORED for part in parts):
            return True
        if not is_dir and is_secret_file(rel):  # .env, private keys, credential stores: never read
            return True
        for depth in range(len(parts)):
            spec = self._gitignore("/".join(parts[:depth]))
            below = "/".join(parts[depth:]) + ("/" if is_dir else "")
            if spec is not None and spec.match_file(below):
                return True
        return False

    def _walk(self):
        # os.walk does not follow symbolic links to folders: no loops, nothing outside the root.
        for folder, dirs, files in os.walk(self.root):
            rel_folder = os.path.relpath(folder, self.root)
            rel_folder = "" if rel_folder == "." else rel_folder + "/"
            dirs[:] = sorted(d for d in dirs if not self.ignored(rel_folder + d, is_dir=True))
            for name in sorted(files):
                rel = rel_folder + name
                ext = os.path.splitext(name)[1].lower()
                if (ext in EXTENSIONS or ext in DOC_EXTENSIONS) and not self.ignored(rel):
                    yield rel

    def paths(self) -> list[str]:
        """The files the index covers (source and documentation), .gitignore applied, at
        most max_files, without reading them: for reports and exports."""
        return list(itertools.islice(self._walk(), self.max_files))

    # -- building --------------------------------------------------------------------

    def _parse(self, rel: str, stat: os.stat_result) -> FileRecord | DocRecord | None:
        path = self.root / rel
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(self.root):
                log.info("index: %s left out (a link to a file outside the workspace)", rel)
                return None
            if is_secret_file(target.relative_to(self.root).as_posix()):  # local_settings.py -> .env
                log.info("index: %s left out (a link to a file that holds secrets)", rel)
                return None
        if stat.st_size > MAX_FILE_BYTES:
            log.info("index: %s left out (%d bytes > %d)", rel, stat.st_size, MAX_FILE_BYTES)
            self.stats.skipped_large += 1
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.info("index: %s unreadable: %s", rel, exc)
            return None
        if b"\0" in data[:8192]:
            self.stats.skipped_binary += 1
            return None
        spdx = spdx_header(data[:4096].decode(errors="replace"))
        license = spdx or self._licenses.folder_license(_folder(rel))[0]
        fmt = DOC_EXTENSIONS.get(path.suffix.lower())
        if fmt is not None:
            chunks = chunk_document(redact(data.decode(errors="replace")), fmt, rel)
            return DocRecord(stat.st_mtime_ns, stat.st_size, fmt, chunks, license, spdx)
        language = EXTENSIONS.get(path.suffix.lower())
        parser = make_parser(language)
        tags = extract_tags(parser.parse(data), data, language) if parser else []
        # The index is saved to disk and feeds prompts: credentials in a definition stay out.
        tags = [msgspec.structs.replace(t, text=redact(t.text)) if has_secrets(t.text) else t for t in tags]
        names = list(dict.fromkeys(_WORD.findall(redact(data.decode(errors="replace")))))[:MAX_NAMES]
        return FileRecord(stat.st_mtime_ns, stat.st_size, language, tags, license, spdx, names)

    def _relicense(self) -> None:
        """Licences again from the folders (a licence file or package metadata changed)."""
        self._licenses = LicenseResolver(self.root)
        with self._lock:
            for rel, record in [*self.files.items(), *self.docs.items()]:
                record.license = record.spdx or self._licenses.folder_license(_folder(rel))[0]
            self.generation += 1

    def _set(self, rel: str, record: FileRecord | DocRecord | None) -> None:
        with self._lock:
            self.generation += 1
            self.docs.pop(rel, None)
            if isinstance(record, DocRecord):
                self.docs[rel] = record
                return
            old = self.files.pop(rel, None)
            if old is not None:
                for name in old.names:
                    self._files_with.get(name, set()).discard(rel)
                for tag in old.tags:
                    entries = self._by_name.get(tag.name, [])
                    entries[:] = [e for e in entries if e[0] != rel]
                    if not entries:
                        self._by_name.pop(tag.name, None)
            if record is not None:
                self.files[rel] = record
                for name in record.names:
                    self._files_with.setdefault(sys.intern(name), set()).add(rel)
                for tag in record.tags:
                    self._by_name.setdefault(tag.name, []).append((rel, tag))

    def build(self, progress: Callable[[int, int], None] | None = None, cancelled: Callable[[], bool] | None = None) -> IndexStats:
        """Bring the index up to date with the files on disk, reparsing only what changed."""
        start = time.perf_counter()
        self.stats = IndexStats()
        paths = []
        for rel in self._walk():
            paths.append(rel)
            if len(paths) >= self.max_files:
                log.warning("index: more than %d files under %s; indexing the first %d", self.max_files, self.root, self.max_files)
                break
        present = set(paths)
        for rel in [r for r in [*self.files, *self.docs] if r not in present]:
            self._set(rel, None)
        self._relicense()  # cheap (one look per folder), and licence files are not watched
        for i, rel in enumerate(paths):
            if cancelled is not None and cancelled():
                break
            try:
                stat = (self.root / rel).stat()
            except OSError:
                continue
            known = self.files.get(rel) or self.docs.get(rel)
            if known is None or known.mtime_ns != stat.st_mtime_ns or known.size != stat.st_size:
                self._set(rel, self._parse(rel, stat))
                self.stats.parsed += 1
            if progress is not None and (i % 50 == 0 or i == len(paths) - 1):
                progress(i + 1, len(paths))
        self.stats.files = len(self.files)
        self.stats.docs = len(self.docs)
        self.stats.seconds = time.perf_counter() - start
        self.save()
        return self.stats

    def update(self, rel: str) -> None:
        """Re-index one file after a save or a watched-file event (gone: removed)."""
        if Path(rel).is_absolute() or ".." in Path(rel).parts:  # only files under the root
            return
        try:
            stat = (self.root / rel).stat()
        except OSError:
            self._set(rel, None)
            return
        suffix = Path(rel).suffix.lower()
        if not self.ignored(rel) and (suffix in EXTENSIONS or suffix in DOC_EXTENSIONS):
            self._set(rel, self._parse(rel, stat))
        elif LICENSE_FILE.match(Path(rel).name) or Path(rel).name in METADATA_FILES:
            self._relicense()

    # -- persistence -----------------------------------------------------------------

    def save(self) -> None:
        if self.store is None:
            return
        with self._lock:
            data = msgspec.msgpack.encode(IndexData(FORMAT_VERSION, str(self.root), self.files, self.docs))
        tmp = self.store.with_suffix(".tmp")
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.store)  # atomic: a crash never leaves half an index
        except OSError as exc:
            log.warning("index: cannot save to %s (%s); it will be rebuilt next time", self.store, exc)
            tmp.unlink(missing_ok=True)

    def load(self) -> bool:
        """Read the persisted index; False (and an empty index) if absent, stale or corrupt."""
        if self.store is None or not self.store.is_file():
            return False
        try:
            data = msgspec.msgpack.decode(self.store.read_bytes(), type=IndexData)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("index: %s unreadable (%s): rebuilding", self.store, exc)
            return False
        if data.version != FORMAT_VERSION or data.root != str(self.root):
            return False
        for rel, record in [*data.files.items(), *data.docs.items()]:
            self._set(rel, record)
        return True

    # -- queries ---------------------------------------------------------------------

    def definitions(self, name: str) -> list[tuple[str, Tag]]:
        with self._lock:
            return [(p, t) for p, t in self._by_name.get(name, ()) if self.allowed(p)]

    def files_like(self, words: set[str], exclude: str, language: str | None, limit: int = 3) -> list[str]:
        """The files of `language` that share the most (rare) identifiers with `words`."""
        with self._lock:
            total = len(self.files) or 1
            scores: dict[str, float] = {}
            for word in words:
                users = self._files_with.get(word)
                if users and (total < 20 or len(users) < total / 2):  # a name most files use says nothing
                    weight = math.log(1 + total / len(users))
                    for rel in users:
                        scores[rel] = scores.get(rel, 0.0) + weight
            found: list[str] = []
            for rel in sorted(scores, key=lambda r: (-scores[r], r)):  # checked only until `limit` pass
                if rel != exclude and self.files[rel].language == language and self.allowed(rel):
                    found.append(rel)
                    if len(found) == limit:
                        break
            return found

    def text_of(self, rel: str, max_chars: int = 40_000) -> str:
        """The start of an indexed file's text, cached while it is unchanged."""
        record = self.files.get(rel)
        if record is None:
            return ""
        cached = self._texts.get(rel)
        if cached is None or cached[0] != record.mtime_ns:
            try:
                text = (self.root / rel).read_bytes()[: max_chars * 4].decode(errors="replace")[:max_chars]
            except OSError:
                return ""
            if len(self._texts) >= TEXT_CACHE:
                self._texts.pop(next(iter(self._texts)))
            cached = self._texts[rel] = (record.mtime_ns, text)
        return cached[1]

    def tags_of(self, rel: str) -> list[Tag]:
        record = self.files.get(rel)
        return record.tags if record is not None and self.allowed(rel) else []

    def license_of(self, rel: str, head: str | None = None) -> str | None:
        """The licence of `rel` (indexed, or else from its header `head` and its folders)."""
        record = self.files.get(rel) or self.docs.get(rel)
        if record is not None:
            return record.license
        return self._licenses.license_of(rel, head)[0]

    def allowed(self, rel: str, head: str | None = None) -> bool:
        """Whether the licence policy lets the content of `rel` into prompts."""
        return self.policy is None or self.policy.allows(self.license_of(rel, head))

    def doc_chunks(self) -> list[tuple[str, DocChunk]]:
        """Sections of the documentation files the policy allows, by file and line."""
        with self._lock:
            return [(rel, c) for rel, rec in sorted(self.docs.items()) if self.allowed(rel) for c in rec.chunks]


def _folder(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""
