"""Trailing commas: one added after the last item of a list written one item a line (or dropped)
→ the next list of the same kind written so. Listed in next_edit_statements.
"""

from __future__ import annotations

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_below import MAX_LOOKUPS, _next, _node_at
from atelier.context.next_edit_hunks import LastEdit, Proposal
from atelier.context.next_edit_tree import _Bytes


# Bracketed lists whose items may be followed by a trailing comma.
_LISTS = frozenset({"array", "object", "arguments", "formal_parameters", "named_imports", "object_pattern",
                    "array_pattern", "list", "dictionary", "tuple", "set", "argument_list", "parameters",
                    "object_type", "tuple_type", "enum_body"})
# Items after which a trailing comma is a syntax error.
_NO_COMMA_AFTER = frozenset({"rest_pattern", "rest_parameter", "generator_expression", "comment"})


def _items(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type != "comment"]


def _item_a_line(listed: Node, items: list[Node]) -> bool:
    """Whether the list's last item starts a line of its own (below the opening bracket and the
    item before it): lists wrapped onto one indented line take no trailing comma."""
    above = items[-2].end_point[0] if len(items) > 1 else listed.start_point[0]
    return items[-1].start_point[0] > above


def _trailing_comma(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if (last.before, last.after) not in (("", ","), (",", "")):
        return None
    added = last.after == ","
    if added:
        comma = _node_at(tree, nb, last.start)
        listed = comma.parent if comma is not None and comma.type == "," else None
        row = comma.start_point[0] if listed is not None else 0
    else:  # the comma's place: just after the list's last item now
        before = _node_at(tree, nb, last.start - 1) if last.start > 0 else None
        while before is not None and before.parent is not None and before.parent.type not in _LISTS:
            before = before.parent
        listed = before.parent if before is not None else None
        row = before.end_point[0] if listed is not None else 0
    if listed is None or listed.type not in _LISTS:
        return None
    items = _items(listed)
    # After the last item, with the closing bracket on a line of its own below.
    if not items or nb.index(items[-1].end_byte) > last.start or listed.children[-1].start_point[0] <= row \
            or not added and nb.index(items[-1].end_byte) != last.start or not _item_a_line(listed, items):
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        code = text[start:end].lstrip()
        if not code or code[0] not in ")]}" or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        bracket = _node_at(tree, nb, end - len(code))
        other = bracket.parent if bracket is not None else None
        if other is None or other.type != listed.type or other.children[-1] != bracket:
            return None
        items = _items(other)
        if not items or items[-1].type in _NO_COMMA_AFTER or items[-1].end_point[0] >= bracket.start_point[0] \
                or not _item_a_line(other, items):
            return None
        after = items[-1].next_sibling
        if added:
            at = nb.index(items[-1].end_byte)
            return Edit(at, at, ",") if after is None or after.type != "," else None
        if after is None or after.type != ",":
            return None
        at = nb.index(after.start_byte)
        return Edit(at, at + 1, "")

    title = "add a trailing comma to the next list" if added else "drop the trailing comma of the next list"
    return _next(text, last, find, title)
