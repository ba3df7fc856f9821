"""Comments in sentence case: the first word of one comment capitalised → the others'.
"""

from __future__ import annotations

import re

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _DIRECTIVE, _places


_COMMENT_START = re.compile(r"^([ \t]*(?:#:?|//+|/?\*+)[ \t]*)([a-z][a-z]*)(?= [A-Za-z`'\"(])", re.MULTILINE)
_COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//|/?\*)")


def _sentence_start(text: str, line_start: int) -> bool:
    """Whether the comment on the line starting at `line_start` starts a sentence: the first
    line of its comment, or the one after a line that ended one."""
    if line_start == 0:
        return True
    prev_start = text.rfind("\n", 0, line_start - 1) + 1
    prev = text[prev_start:line_start - 1]
    return not _COMMENT_LINE.match(prev) or prev.rstrip().endswith((".", "!", "?"))


def propose_sentence_case(text: str, last: LastEdit) -> Proposal | None:
    """The first word of a comment capitalised (`# the` → `# The`): the comments of the file
    that start a sentence in lower case."""
    if len(last.before) != 1 or last.after != last.before.upper() or not last.before.islower():
        return None
    ls = text.rfind("\n", 0, last.start) + 1
    m = _COMMENT_START.match(last.old_text(text), ls)
    if m is None or m.end(1) != last.start or not _sentence_start(text, ls) or _DIRECTIVE.search(text[ls:last.start + 40]):
        return None
    edits = []
    for m in _COMMENT_START.finditer(text):
        line_start = m.start()
        if line_start == ls or not _sentence_start(text, line_start):
            continue
        line_end = text.find("\n", m.end())
        if _DIRECTIVE.search(text[line_start:len(text) if line_end == -1 else line_end]):
            continue
        edits.append(Edit(m.end(1), m.end(1) + 1, text[m.end(1)].upper()))
        if len(edits) > MAX_EDITS:
            return None
    if not edits:
        return None
    return Proposal("repeat", tuple(edits), f"capitalise {_places(len(edits))} comment{'s' if len(edits) != 1 else ''}")
