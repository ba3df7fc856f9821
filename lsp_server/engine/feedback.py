"""The local feedback loop: which inline completions were shown, accepted or rejected.

Kept in a SQLite file in Atelier's data folder (user-only permissions); nothing leaves the
machine. A completion counts as accepted when the client runs the item's command
(`atelier.accepted`, LSP 3.18 InlineCompletionItem.command) or when the next change to the
document inserts exactly its text; as rejected when the user types something else or asks
for a completion elsewhere. Acceptance per file ranks retrieved snippets
(context.retrieval.similar_chunks) and `atelier stats` reports it per language.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
import uuid
from pathlib import Path

import msgspec

from atelier.lsp_server.logs import data_dir

log = logging.getLogger(__name__)

STORE_NAME = "feedback.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    id TEXT PRIMARY KEY,
    shown_at REAL NOT NULL,
    decided_at REAL,
    state TEXT NOT NULL,            -- shown | accepted | rejected
    language TEXT NOT NULL,
    root TEXT NOT NULL,             -- the workspace folder
    path TEXT NOT NULL,             -- the file, relative to root
    chars INTEGER NOT NULL,
    context TEXT NOT NULL           -- JSON list of the files whose snippets the prompt held
);
CREATE TABLE IF NOT EXISTS next_edits (
    id TEXT PRIMARY KEY,
    shown_at REAL NOT NULL,
    decided_at REAL,
    state TEXT NOT NULL,            -- shown | accepted | rejected
    kind TEXT NOT NULL,             -- rename | arguments | repeat | model
    language TEXT NOT NULL,
    places INTEGER NOT NULL         -- edits it held (no text is stored)
);
"""


class LanguageStats(msgspec.Struct, frozen=True):
    language: str
    shown: int
    accepted: int
    rejected: int
    acceptance_rate: float  # accepted / shown


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # created private, not chmod-ed after
        os.close(fd)
        os.chmod(path, 0o600)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
        # WAL: one small write per shown completion, cheap and safe beside other editors' servers.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def shown(self, id: str, language: str, root: str, path: str, chars: int, context: list[str]) -> None:
        self._db.execute("INSERT OR IGNORE INTO completions VALUES (?, ?, NULL, 'shown', ?, ?, ?, ?, ?)",
                         (id, time.time(), language, root, path, chars, json.dumps(sorted(set(context)))))

    def decide(self, id: str, state: str) -> bool:
        """Mark a shown completion accepted or rejected; True if that changed it. The
        accept command outranks a rejection guessed from the document (the client may
        have adjusted the text it inserted)."""
        allowed = ("shown", "rejected") if state == "accepted" else ("shown",)
        cur = self._db.execute(
            f"UPDATE completions SET state = ?, decided_at = ? WHERE id = ? AND state IN ({','.join('?' * len(allowed))})",
            (state, time.time(), id, *allowed))
        return cur.rowcount > 0

    def state(self, id: str) -> str | None:
        row = self._db.execute("SELECT state FROM completions WHERE id = ?", (id,)).fetchone()
        return row[0] if row else None

    def by_language(self) -> list[LanguageStats]:
        rows = self._db.execute(
            "SELECT language, COUNT(*), SUM(state = 'accepted'), SUM(state = 'rejected') FROM completions "
            "GROUP BY language ORDER BY COUNT(*) DESC, language").fetchall()
        return [LanguageStats(lang or "unknown", n, acc, rej, round(acc / n, 4) if n else 0.0) for lang, n, acc, rej in rows]

    def next_edit_shown(self, id: str, kind: str, language: str, places: int) -> None:
        self._db.execute("INSERT OR IGNORE INTO next_edits VALUES (?, ?, NULL, 'shown', ?, ?, ?)",
                         (id, time.time(), kind, language, places))

    def next_edit_decide(self, id: str, state: str) -> bool:
        allowed = ("shown", "rejected") if state == "accepted" else ("shown",)
        cur = self._db.execute(
            f"UPDATE next_edits SET state = ?, decided_at = ? WHERE id = ? AND state IN ({','.join('?' * len(allowed))})",
            (state, time.time(), id, *allowed))
        return cur.rowcount > 0

    def next_edit_stats(self) -> list[dict[str, object]]:
        """Next edits shown, accepted and rejected per kind."""
        rows = self._db.execute(
            "SELECT kind, COUNT(*), SUM(state = 'accepted'), SUM(state = 'rejected') FROM next_edits "
            "GROUP BY kind ORDER BY COUNT(*) DESC, kind").fetchall()
        return [{"kind": k, "shown": n, "accepted": a, "rejected": r, "acceptance_rate": round(a / n, 4) if n else 0.0}
                for k, n, a, r in rows]

    def accepted_by_file(self, root: str) -> dict[str, int]:
        """Accepted completions per file of `root` (where they were written; no text is kept)."""
        rows = self._db.execute("SELECT path, COUNT(*) FROM completions WHERE root = ? AND state = 'accepted' "
                                "GROUP BY path", (root,))
        return {path: n for path, n in rows}

    def acceptance(self, root: str) -> dict[str, tuple[int, int]]:
        """(shown, accepted) per file of `root` whose snippets were in completions' prompts."""
        out: dict[str, list[int]] = {}
        for context, state in self._db.execute("SELECT context, state FROM completions WHERE root = ?", (root,)):
            for path in json.loads(context):
                counts = out.setdefault(path, [0, 0])
                counts[0] += 1
                counts[1] += state == "accepted"
        return {p: (s, a) for p, (s, a) in out.items()}


def classify(old: str, new: str, index: int, text: str) -> tuple[str, int]:
    """How a document change relates to the completion `text` shown at `index` of `old`:
    ("accepted", n) when `new` is `old` with `text` inserted there; ("typing", n) when the
    user typed (or partly accepted) the first n characters of it; else ("rejected", 0)."""
    n = len(new) - len(old)
    if 0 < n <= len(text) and new.startswith(old[:index]) and new.endswith(old[index:]) \
            and new[index:index + n] == text[:n]:
        return ("accepted" if n == len(text) else "typing"), n
    return "rejected", 0


class _Pending(msgspec.Struct):
    id: str
    uri: str
    index: int  # where the completion would go, in the document as it is now
    text: str  # what is left of it to insert


class Feedback:
    """What the server knows of the completion on screen, and the store it records to."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder  # None: Atelier's data folder, found when first needed
        self._store: FeedbackStore | None = None
        self.enabled = True
        self.pending: _Pending | None = None
        self._context: dict[str, tuple[int, list[str]]] = {}  # uri -> (index, snippet files) of the last prompt
        self._acceptance: dict[str, dict[str, tuple[int, int]]] = {}

    @property
    def store(self) -> FeedbackStore:
        if self._store is None:
            self._store = FeedbackStore((self._folder or data_dir()) / STORE_NAME)
        return self._store

    def _decide(self, id: str, state: str) -> None:
        try:
            if self.store.decide(id, state):
                self._acceptance.clear()  # recounted when next asked
                log.info("completion %s %s", id, state)
        except (sqlite3.Error, OSError) as exc:  # feedback is an extra: never fail a request for it
            log.warning("feedback store: %s", exc)

    def prompted(self, uri: str, index: int, snippet_paths: list[str]) -> None:
        """A completion prompt for `uri` at `index` held snippets from these files."""
        self._context[uri] = (index, snippet_paths)

    def asked(self, uri: str, index: int) -> None:
        """A completion was requested: the one on screen elsewhere was passed over."""
        p = self.pending
        if p is not None and (p.uri != uri or p.index != index):
            self.pending = None
            self._decide(p.id, "rejected")

    def shown(self, uri: str, index: int, text: str, language: str, root: str, path: str) -> str | None:
        """Record a completion sent to the client; returns its id for the accept command."""
        if not self.enabled or not text:
            return None
        p = self.pending
        if p is not None and p.uri == uri and p.index == index and p.text == text:
            return p.id  # the rest of the same suggestion while the user types it
        self.asked(uri, index)
        if p is not None and p is self.pending:  # same place, another suggestion: the old one lost
            self.pending = None
            self._decide(p.id, "rejected")
        id = uuid.uuid4().hex[:16]
        at, context = self._context.get(uri, (index, []))
        try:
            self.store.shown(id, language, root, path, len(text), context if at == index else [])
        except (sqlite3.Error, OSError) as exc:
            log.warning("feedback store: %s", exc)
            return None
        self._acceptance.pop(root, None)
        self.pending = _Pending(id, uri, index, text)
        return id

    def changed(self, uri: str, old: str, new: str) -> None:
        """The document changed from `old` to `new`: accepted, typed into, or something else."""
        p = self.pending
        if p is None or p.uri != uri or old == new:
            return
        verdict, n = classify(old, new, p.index, p.text)
        if verdict == "typing":
            p.index, p.text = p.index + n, p.text[n:]
            return
        self.pending = None
        self._decide(p.id, verdict)

    def accepted(self, id: str) -> None:
        """The client ran the item's accept command."""
        if self.pending is not None and self.pending.id == id:
            self.pending = None
        self._decide(id, "accepted")

    def next_edit_shown(self, kind: str, language: str, places: int) -> str | None:
        """Record a next edit sent to the client; returns its id for the accept command."""
        if not self.enabled:
            return None
        id = uuid.uuid4().hex[:16]
        try:
            self.store.next_edit_shown(id, kind, language, places)
        except (sqlite3.Error, OSError) as exc:
            log.warning("feedback store: %s", exc)
            return None
        return id

    def next_edit_decided(self, id: str, state: str) -> None:
        """A next edit accepted (its command ran) or rejected (the document changed otherwise)."""
        try:
            if self.enabled and self.store.next_edit_decide(id, state):
                log.info("next edit %s %s", id, state)
        except (sqlite3.Error, OSError) as exc:
            log.warning("feedback store: %s", exc)

    def closed(self, uri: str) -> None:
        self._context.pop(uri, None)
        if self.pending is not None and self.pending.uri == uri:
            self.pending = None  # undecided: neither accepted nor rejected

    def acceptance(self, root: str) -> dict[str, tuple[int, int]]:
        """(shown, accepted) per snippet file of the workspace `root`; empty when disabled."""
        if not self.enabled or not root:
            return {}
        if root not in self._acceptance:
            try:
                self._acceptance[root] = self.store.acceptance(root)
            except (sqlite3.Error, OSError) as exc:
                log.warning("feedback store: %s", exc)
                return {}
        return self._acceptance[root]


def print_stats(data_dir: Path, as_json: bool) -> int:
    """`atelier stats`: completions shown, accepted and rejected per language."""
    path = data_dir / STORE_NAME
    store = FeedbackStore(path) if path.exists() else None
    rows = store.by_language() if store is not None else []
    next_edits = store.next_edit_stats() if store is not None else []
    total_shown = sum(r.shown for r in rows)
    total_accepted = sum(r.accepted for r in rows)
    total = {"shown": total_shown, "accepted": total_accepted, "rejected": sum(r.rejected for r in rows),
             "acceptance_rate": round(total_accepted / total_shown, 4) if total_shown else 0.0}
    if as_json:
        print(json.dumps({"store": str(path), "languages": msgspec.to_builtins(rows), "total": total,
                          "next_edits": next_edits}, indent=2))
        return 0
    if next_edits:
        print(f"{'next edits':<14}{'shown':>8}{'accepted':>10}{'rejected':>10}{'rate':>8}")
        for r in next_edits:
            print(f"{r['kind']:<14}{r['shown']:>8}{r['accepted']:>10}{r['rejected']:>10}{r['acceptance_rate']:>8.1%}")
        print()
    if not rows:
        print(f"no completions recorded yet ({path})")
        return 0
    print(f"{'language':<14}{'shown':>8}{'accepted':>10}{'rejected':>10}{'rate':>8}")
    for r in rows + [LanguageStats("all", total["shown"], total["accepted"], total["rejected"], total["acceptance_rate"])]:
        print(f"{r.language:<14}{r.shown:>8}{r.accepted:>10}{r.rejected:>10}{r.acceptance_rate:>8.1%}")
    print(f"\nfrom {path}")
    return 0
