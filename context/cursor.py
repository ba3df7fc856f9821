"""What kind of completion fits the cursor: the rest of a line, or a block."""

from __future__ import annotations

from typing import Literal

import msgspec
from tree_sitter import Tree

Mode = Literal["line", "block"]

BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->")


class Cursor(msgspec.Struct, frozen=True):
    line_prefix: str  # text of the cursor's line before the cursor
    line_suffix: str  # text of the cursor's line after the cursor
    indent: str  # leading white space of the cursor's line
    mode: Mode
    in_comment: bool = False
    in_string: bool = False


def _node_kind_at(tree: Tree | None, byte: int) -> tuple[bool, bool]:
    if tree is None or byte <= 0:
        return False, False
    node = tree.root_node.descendant_for_byte_range(byte - 1, byte)
    in_comment = in_string = False
    while node is not None:
        kind = node.type
        if "comment" in kind:
            in_comment = True
        elif "string" in kind and node.start_byte < byte < node.end_byte:
            in_string = True
        node = node.parent
    return in_comment, in_string


def analyse(text: str, index: int, tree: Tree | None = None, byte: int | None = None) -> Cursor:
    """Classify the cursor at `text[index]`. `byte` is the same offset in UTF-8, for the tree."""
    line_start = text.rfind("\n", 0, index) + 1
    line_end = text.find("\n", index)
    if line_end == -1:
        line_end = len(text)
    line_prefix = text[line_start:index]
    line_suffix = text[index:line_end]
    indent = line_prefix[: len(line_prefix) - len(line_prefix.lstrip())]
    in_comment, in_string = _node_kind_at(tree, byte if byte is not None else len(text[:index].encode()))
    stripped = line_prefix.rstrip()
    if line_suffix.strip() or in_comment or in_string:
        mode: Mode = "line"  # mid-line, or prose: finish this line only
    elif not stripped or stripped.endswith(BLOCK_OPENERS):
        mode = "block"  # an empty line or a line opening a block: several lines fit
    else:
        mode = "line"
    return Cursor(line_prefix, line_suffix, indent, mode, in_comment, in_string)
