"""Python written the shorter way, as pyupgrade and black write it: `set([a, b])` made `{a, b}`,
`return (a, b)` made `return a, b` → the next one below written the old way; a string holding an
escape Python does not know made raw (`'(\\d)+'` → `r'(\\d)+'`, what flake8's W605 asks) → the next
plain string below holding one. Listed in next_edit_statements.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_below import MAX_LOOKUPS, _code_start, _next, _node_at, _starting_statement
from atelier.context.next_edit_hunks import LastEdit, Proposal, _line_span
from atelier.context.next_edit_tree import _Bytes, _string_opened_at, _text

_SET_CALL = re.compile(r"(?<![\w.])set\(\[")
_RETURN_TUPLE = re.compile(r"[ \t]*(?:return|yield)[ \t]*\(")
# A backslash escape Python does not know (`\d`, `\.`, `\[`): an invalid escape sequence.
_UNKNOWN_ESCAPE = re.compile(r"\\[^\\'\"abfnrtvx0-7NuU\n]")
# A string's opening quote with no prefix before it.
_PLAIN_QUOTE = re.compile(r"(?<![\w\"'\\])['\"]")


def _set_literal(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    """`set([a, b])` → `{a, b}`: the next `set([...])` of a list written out."""
    # `set([` where the edit starts, or up to five characters before (and the one before it, for
    # the look-behind).
    window = max(0, last.start - 6)
    m = _SET_CALL.search(last.old_slice(text, window, last.start + len(last.before) + 1), 1 if window else 0)
    if m is None or not text.startswith("{", window + m.start()):
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        for s in _SET_CALL.finditer(text, start, end):
            if lookups[0] >= MAX_LOOKUPS:
                return None
            lookups[0] += 1
            call = _node_at(tree, nb, s.start())
            call = call.parent if call is not None else None
            args = call.child_by_field_name("arguments") if call is not None and call.type == "call" else None
            items = args.named_children if args is not None else []
            if len(items) == 1 and items[0].type == "list" and items[0].named_child_count:
                inner = _text(items[0])[1:-1]
                return Edit(*nb.node(call), "{" + inner + "}")
        return None

    return _next(text, last, find, "write the next set as a literal")


def _return_tuple(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    """`return (a, b)` → `return a, b`: the next return (or yield) of a tuple in parentheses."""
    line_start, line_end = _line_span(text, last.start, last.end)
    old_line = last.old_slice(text, line_start, line_end - len(last.after) + len(last.before))
    if not _RETURN_TUPLE.match(old_line) or _RETURN_TUPLE.match(text, line_start) \
            or _parenthesized(_statement_at(tree, nb, text, line_start)) is not None:
        return None
    mine = _statement_at(tree, nb, text, line_start)
    if mine is None or mine.named_child_count != 1 or mine.named_children[0].type != "expression_list":
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        if not _RETURN_TUPLE.match(text, start, end) or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        tuple_ = _parenthesized(_statement_at(tree, nb, text, start))
        if tuple_ is None:
            return None
        t0, t1 = nb.node(tuple_)
        return Edit(t0, t1, text[t0 + 1:t1 - 1].strip())

    return _next(text, last, find, "drop the parentheses of the next returned tuple")


def _statement_at(tree: Tree, nb: _Bytes, text: str, line_start: int) -> Node | None:
    """The return (or yield) that the line starting at text[line_start] opens."""
    return _starting_statement(tree, nb, _code_start(text, line_start), "return_statement", "yield")


def _parenthesized(statement: Node | None) -> Node | None:
    """The tuple in parentheses a return or yield gives, one line long (`return ("", None)`)."""
    if statement is None or statement.named_child_count != 1:
        return None
    value = statement.named_children[0]
    if value.type != "tuple" or value.named_child_count < 2 or b"\n" in (value.text or b"\n"):
        return None
    return value


def _raw_string(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    """`'(\\d)+ ran'` → `r'(\\d)+ ran'`: the next plain string below that holds an escape
    Python does not know (a regular expression, most often) is made raw too."""
    if last.before or last.after not in ("r", "R") or text[last.end:last.end + 1] not in ("'", '"'):
        return None
    mine = _plain_string(tree, nb, last.start)
    if mine is None or not _UNKNOWN_ESCAPE.search(_text(mine)):
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        for m in _PLAIN_QUOTE.finditer(text, start, end):
            if lookups[0] >= MAX_LOOKUPS:
                return None
            lookups[0] += 1
            string = _plain_string(tree, nb, m.start())
            if string is not None and _UNKNOWN_ESCAPE.search(_text(string)):
                return Edit(m.start(), m.start(), last.after)
        return None

    return _next(text, last, find, "make the next string with an unknown escape raw")


def _plain_string(tree: Tree, nb: _Bytes, index: int) -> Node | None:
    """The string that text[index] opens (its quote or prefix), not an f-string nor bytes."""
    string = _string_opened_at(tree, nb, index)
    prefix = _text(string.children[0]).rstrip("'\"").lower() if string is not None else None
    return string if prefix in ("", "r") else None
