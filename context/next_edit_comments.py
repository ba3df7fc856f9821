"""Comments: the first word of one comment capitalised → the others'; a call line commented
out → the next call of the same function below it; a trailing directive rewritten → the same
directive on the lines below.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit_below import _lines_below, _node_at, _starting_statement
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _COMMENT_LINE, _DIRECTIVE, _places
from atelier.context.next_edit_tree import _Bytes, _bytes, _enclosing_function, _text


_COMMENT_START = re.compile(r"^([ \t]*(?:#:?|//+|/?\*+)[ \t]*)([a-z][a-z]*)(?= [A-Za-z`'\"(])", re.MULTILINE)


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


# -- a call commented out: the next call of the same function ---------------------------------

# What comments a line out: the marker, with or without a space after it.
_COMMENT_OUT = frozenset({"//", "// ", "#", "# "})
# A call standing alone on its line: the callee as written (`console.log`, `log`, `self.logger.debug`).
_CALL_LINE = re.compile(r"([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(.*\)\s*;?\s*\Z")
# Lines below the commented-out one searched for the next call of the same function (the
# debugging output of one piece of code, not the file's).
COMMENT_OUT_LINES = 15
# What prints debugging output: silenced all over the file together, this many lines on (the
# prints of a session of debugging stand in several functions).
_PRINTS = frozenset({"print", "pprint", "console.log", "console.debug", "console.error", "console.info", "console.warn"})
PRINT_OUT_LINES = 100


def _outer_function(node: Node | None) -> Node | None:
    """The function around `node`, past the callbacks it is written in (`on('close', function () {…})`):
    the calls of one function's callbacks are the same piece of code."""
    fn = _enclosing_function(node)
    while fn is not None and fn.parent is not None and fn.parent.type in ("arguments", "argument_list"):
        fn = _enclosing_function(fn.parent)
    return fn


def _span(node: Node | None) -> tuple[int, int] | None:
    return (node.start_byte, node.end_byte) if node is not None else None


def _call_statement(tree: Tree, nb: _Bytes, at: int, end: int, callee: str) -> Node | None:
    """The statement starting at text[at] and ending by `end` that is one call of `callee`."""
    node = _starting_statement(tree, nb, at, "expression_statement")
    if node is None or nb.index(node.end_byte) > end or node.named_child_count != 1:
        return None
    call = node.named_children[0]
    if call.type not in ("call", "call_expression"):
        return None
    return node if re.sub(r"\s", "", _text(call.child_by_field_name("function"))) == callee else None


def propose_comment_out(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """A call on a line of its own commented out (`console.log(…)` → `//console.log(…)`): the
    next call of the same function a few lines below, in the same function (a print, in any
    function farther down), commented out the same way (debugging output is silenced together)."""
    if tree is None or last.before or last.after not in _COMMENT_OUT:
        return None
    ls = text.rfind("\n", 0, last.start) + 1
    le = text.find("\n", last.end)
    le = len(text) if le == -1 else le
    indent, code = text[ls:last.start], text[last.end:le]
    at_code = bool(code) and not code[0].isspace()  # right before the code, else at the line's start
    if indent.strip() or (indent and not at_code) or not code.strip():
        return None
    m = _CALL_LINE.match(code.lstrip())
    nb = _bytes(text)
    comment = _node_at(tree, nb, last.start)
    if m is None or comment is None or comment.type != "comment" or nb.index(comment.start_byte) != last.start:
        return None
    callee = m.group(1)
    function = _span(_outer_function(comment))
    prints = callee in _PRINTS
    for n, (start, end) in enumerate(_lines_below(text, le)):
        if n >= (PRINT_OUT_LINES if prints else COMMENT_OUT_LINES):
            break
        line = text[start:end]
        call = line.lstrip()
        if not call.startswith(callee) or not _CALL_LINE.match(call):
            continue
        statement = _call_statement(tree, nb, end - len(call), end, callee)
        if statement is None or not prints and _span(_outer_function(statement)) != function:
            continue
        at = end - len(call) if at_code else start
        return Proposal("repeat", (Edit(at, at, last.after),), f"comment out the next {callee} call")
    return None


# -- a trailing directive rewritten: the same directive on the lines below --------------------

def _trailing_comment(tree: Tree, nb: _Bytes, text: str, index: int) -> tuple[int, int] | None:
    """The span of the one-line comment holding text[index] that follows code on its line."""
    node = _node_at(tree, nb, index)
    if node is None or node.type != "comment":
        return None
    c0, c1 = nb.node(node)
    if "\n" in text[c0:c1] or not text[text.rfind("\n", 0, c0) + 1:c0].strip():
        return None
    return c0, c1


def propose_trailing_comment(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """A directive after the code of its line rewritten (`# type: ignore[misc]` →
    `# type: ignore[misc,unused-ignore]`): the lines below whose own code ends with the same
    directive, word for word, get the same rewrite (the same tool says the same of them)."""
    if tree is None or last.start == 0 or "\n" in last.before or "\n" in last.after:
        return None
    if not last.after:
        return _removed_directive(text, tree, last)
    nb = _bytes(text)
    span = _trailing_comment(tree, nb, text, last.start - 1)
    if span is None or not (span[0] < last.start and last.end <= span[1]):
        return None
    c0, c1 = span
    new = text[c0:c1]
    old = last.old_slice(text, c0, c1 - len(last.after) + len(last.before))
    if not _DIRECTIVE.search(old):
        return None  # (prose: nothing on devplus either way; a note is the line's own)
    if new.startswith(old):
        return None  # a code appended to a directive (`# type: ignore` → `…[union-attr]`) names this line's own error
    edits: list[Edit] = []
    at = text.find(old, c1)
    while at != -1:
        found = _trailing_comment(tree, nb, text, at)
        if found == (at, at + len(old)):
            edit = minimal(text, Edit(at, at + len(old), new))
            if edit is not None:
                edits.append(edit)
            if len(edits) > MAX_EDITS:
                return None
        at = text.find(old, at + len(old))
    if not edits:
        return None
    return Proposal("repeat", tuple(edits), f"rewrite the same comment on {_places(len(edits))}")



def _removed_directive(text: str, tree: Tree, last: LastEdit) -> Proposal | None:
    """A directive after a line's code deleted whole (`  # type: ignore` no longer needed): the
    same directive, word for word, after the code of the lines below goes too."""
    gone = last.before
    comment = gone.lstrip()
    line_end = text.find("\n", last.start)
    if not comment.startswith(("#", "//")) or "\n" in gone or not _DIRECTIVE.search(comment) \
            or text[last.start:len(text) if line_end == -1 else line_end].strip() \
            or not text[text.rfind("\n", 0, last.start) + 1:last.start].strip():
        return None  # not a whole trailing comment, or not one after code
    nb = _bytes(text)
    # Within the function (or module code) it was in: another function's ignores, and a
    # definition's line (its own function's), have their own reasons.
    fn = _enclosing_function(_node_at(tree, nb, last.start - 1))
    edits: list[Edit] = []
    at = text.find(comment, last.start)
    while at != -1 and len(edits) <= MAX_EDITS:
        if _trailing_comment(tree, nb, text, at) == (at, at + len(comment)) \
                and _enclosing_function(_node_at(tree, nb, at)) == fn:
            start = len(text[:at].rstrip(" \t"))
            edits.append(Edit(start, at + len(comment), ""))
        at = text.find(comment, at + len(comment))
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("repeat", tuple(edits), f"remove the same comment from {_places(len(edits))}")
