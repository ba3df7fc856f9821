"""What the user changed lately: per document, the text changes folded into hunks (the text a
region held before and holds now, and when), bounded; across documents, the last few hunks.

A hunk grows while the user keeps typing in it (each keystroke touches the region the hunk
already covers) and a new hunk starts elsewhere. Offsets are Python indices into the
document's current text: a change above a hunk moves it. No LSP types here: the caller gives
the text before and after each change.
"""

from __future__ import annotations

import difflib
import re
import time
from collections import deque
from dataclasses import dataclass, field

# Hunks kept per document, and across documents.
MAX_HUNKS = 16
MAX_RECENT = 8
# A hunk larger than this (a paste, a reformat) is kept, but its text is cut for prompts.
MAX_HUNK_CHARS = 4000


@dataclass
class Hunk:
    uri: str
    start: int  # where the region starts in the current text
    before: str  # what the region held before the user changed it
    after: str  # what it holds now
    at: float = field(default_factory=time.monotonic)  # last change

    @property
    def end(self) -> int:
        return self.start + len(self.after)

    @property
    def noop(self) -> bool:
        return self.before == self.after


def change_span(old: str, new: str, hint: int | None = None) -> tuple[int, int, int]:
    """(start, old_end, new_end): the one region where `old` and `new` differ (the common
    prefix and suffix left out). `hint`: an offset at or before the first difference, when the
    caller knows it (saves scanning the prefix)."""
    n = min(len(old), len(new))
    lo = 0 if hint is None else max(0, min(hint, n))
    if old[:lo] != new[:lo]:
        lo = 0
    # Binary search on slice equality: C-speed comparisons, O(n log n) at worst.
    hi = n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    start = lo
    limit = n - start
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid:] == new[len(new) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return start, len(old) - lo, len(new) - lo


def _touching(old: str, start: int, end: int, hunk: Hunk) -> bool:
    """Whether a change of old[start:end] continues `hunk`: it overlaps it, or only part of
    one word lies between them (retyping a name)."""
    if hunk.start <= end and start <= hunk.end:
        return True
    gap = old[end:hunk.start] if end < hunk.start else old[hunk.end:start]
    return len(gap) <= 32 and _WORD.fullmatch(gap) is not None


_WORD = re.compile(r"[\w$]+")


class EditHistory:
    """Hunks per document (oldest first) and the order they were last touched in."""

    def __init__(self, max_hunks: int = MAX_HUNKS, max_recent: int = MAX_RECENT) -> None:
        self.max_hunks = max_hunks
        self.max_recent = max_recent
        self._hunks: dict[str, deque[Hunk]] = {}
        self._recent: deque[Hunk] = deque(maxlen=max_recent)

    def changed(self, uri: str, old: str, new: str, span: tuple[int, int, int] | None = None,
                now: float | None = None) -> Hunk | None:
        """The document `uri` went from `old` to `new`; returns the hunk that holds the change
        (None when nothing changed). `span`: (start, old end, new end) of the change when the
        caller knows it (one range from the editor), else it is found by comparing."""
        if old == new:
            return None
        now = time.monotonic() if now is None else now
        start, old_end, new_end = span if span is not None else change_span(old, new)
        delta = (new_end - start) - (old_end - start)
        hunks = self._hunks.setdefault(uri, deque(maxlen=self.max_hunks))
        last = hunks[-1] if hunks else None
        for h in hunks:  # a change above a hunk moves it
            if h is not last and h.start >= old_end:
                h.start += delta
        if last is not None and _touching(old, start, old_end, last):
            # Typing on in the region of the last hunk: it widens to cover the change.
            lo, hi = min(start, last.start), max(old_end, last.end)
            before = old[lo:last.start] + last.before + old[last.end:hi]
            last.before, last.start, last.after, last.at = before, lo, new[lo:hi + delta], now
            if last.noop:  # typed back to what it was: nothing is left of it
                hunks.pop()
                self._drop_recent(last)
                return None
            self._touch(last)
            return last
        if last is not None and last.start >= old_end:
            last.start += delta
        hunk = Hunk(uri, start, old[start:old_end], new[start:new_end], now)
        if len(hunks) == hunks.maxlen:
            self._drop_recent(hunks[0])
        hunks.append(hunk)
        self._touch(hunk)
        return hunk

    def _touch(self, hunk: Hunk) -> None:
        self._drop_recent(hunk)
        self._recent.append(hunk)

    def _drop_recent(self, hunk: Hunk) -> None:
        try:
            self._recent.remove(hunk)
        except ValueError:
            pass

    def hunks(self, uri: str) -> list[Hunk]:
        """The document's hunks, oldest first."""
        return list(self._hunks.get(uri, ()))

    def last(self, uri: str) -> Hunk | None:
        hunks = self._hunks.get(uri)
        return hunks[-1] if hunks else None

    def recent(self) -> list[Hunk]:
        """The last hunks across documents, oldest first."""
        return list(self._recent)

    def forget(self, uri: str) -> None:
        """A document closed: nothing of its history stays."""
        for h in self._hunks.pop(uri, ()):
            self._drop_recent(h)


def unified_diff(path: str, hunk: Hunk, text: str, context_lines: int = 2) -> str:
    """`hunk` as a unified diff of the lines it touches in `text` (the current text), with a
    few lines of context: how next-edit models are shown the user's edits."""
    line_start = text.rfind("\n", 0, hunk.start) + 1
    line_end = text.find("\n", hunk.end)
    line_end = len(text) if line_end == -1 else line_end
    new_block = text[line_start:line_end]
    old_block = text[line_start:hunk.start] + hunk.before + text[hunk.end:line_end]
    if len(old_block) + len(new_block) > MAX_HUNK_CHARS:
        old_block, new_block = old_block[:MAX_HUNK_CHARS // 2], new_block[:MAX_HUNK_CHARS // 2]
    before_lines = text[:line_start].split("\n")[:-1][-context_lines:] if line_start else []
    after_lines = text[line_end + 1:].split("\n")[:context_lines] if line_end < len(text) else []
    first = text.count("\n", 0, line_start) + 1 - len(before_lines)
    old = before_lines + old_block.split("\n") + after_lines
    new = before_lines + new_block.split("\n") + after_lines
    out = [f"--- a/{path}", f"+++ b/{path}"]
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context_lines):
        a0, a1, b0, b1 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{first + a0},{a1 - a0} +{first + b0},{b1 - b0} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + s for s in old[i1:i2]]
            else:
                out += ["-" + s for s in old[i1:i2]] + ["+" + s for s in new[j1:j2]]
    return "\n".join(out) if len(out) > 2 else ""
