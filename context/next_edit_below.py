"""The next place below the user's edit where a statement fix applies: the lines below are read
in order and each candidate is looked up in the parsed tree (at most MAX_LOOKUPS of them per
rule, over at most MAX_LINES lines), never by walking the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal
from atelier.context.next_edit_tree import _Bytes


# Candidate places looked up in the tree, past which a rule gives up (keeps it bounded).
MAX_LOOKUPS = 400
# Lines below the user's edit searched at most.
MAX_LINES = 4000


def _node_at(tree: Tree, nb: _Bytes, index: int) -> Node | None:
    b = nb.byte(index)
    return tree.root_node.descendant_for_byte_range(b, b + 1)


_INDENT = re.compile(r"[ \t]*")


def _code_start(text: str, line_start: int) -> int:
    """Where the code of the line starting at text[line_start] begins, past its indentation."""
    return _INDENT.match(text, line_start).end()


def _lines_below(text: str, index: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each line after the one holding text[index]."""
    nl = text.find("\n", index)
    while nl != -1:
        start = nl + 1
        nl = text.find("\n", start)
        yield start, len(text) if nl == -1 else nl


def _next(text: str, last: LastEdit, find: Callable[[int, int], Edit | None], title: str,
          every: bool = False) -> Proposal | None:
    """The first edit `find` makes on a line below the user's edit (`every`: and those on the
    lines right after it, shown with it as one block) as a proposal; `find` gets each line's
    start and end."""
    edits: list[Edit] = []
    for n, (start, end) in enumerate(_lines_below(text, last.end)):
        if n >= MAX_LINES:
            break
        edit = find(start, end)
        if edit is None and edits:
            break
        if edit is not None:
            edits.append(edit)
            if not every or len(edits) >= MAX_EDITS:
                break
    return Proposal("repeat", tuple(edits), title) if edits else None


def _starting_statement(tree: Tree, nb: _Bytes, index: int, *types: str) -> Node | None:
    """The innermost node of one of `types` that starts with the character text[index]."""
    node = _node_at(tree, nb, index)
    start = nb.byte(index)
    while node is not None and node.start_byte == start:
        if node.type in types:
            return node
        node = node.parent
    return None


def _ending_statement(tree: Tree, nb: _Bytes, index: int, types: frozenset[str]) -> Node | None:
    """The innermost statement of one of `types` that ends with the character text[index]."""
    node = _node_at(tree, nb, index)
    end = nb.byte(index + 1)
    while node is not None and node.end_byte == end:
        if node.type in types:
            return node
        node = node.parent
    return None
