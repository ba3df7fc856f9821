"""The definitions that enclose the cursor (class, function, method), as signatures: what a
model needs when the window around the cursor no longer shows them."""

from __future__ import annotations

from tree_sitter import Tree

from atelier.context.tags import DEFINITIONS, Tag, _docstring, _name


def enclosing(tree: Tree | None, byte: int, language: str | None, source: bytes) -> list[Tag]:
    """Outermost first; each Tag's text is the definition's header (and docstring)."""
    kinds = DEFINITIONS.get(language or "")
    if tree is None or not kinds:
        return []
    # On a blank line the cursor belongs to the code before it: Python's grammar ends a
    # function at its last statement, not at the blank line being typed.
    anchor = len(source[:byte].rstrip())
    node = tree.root_node.descendant_for_byte_range(max(0, anchor - 1), anchor)
    found: list[Tag] = []
    while node is not None:
        kind = kinds.get(node.type)
        body = node.child_by_field_name("body")
        name = _name(node, language) if kind is not None else None
        if name is not None and body is not None and body.start_byte <= anchor:
            head = source[node.start_byte:body.start_byte].decode(errors="replace").rstrip()
            doc = _docstring(node, language)
            if language == "python":
                text = head + ("\n" + " " * (node.start_point[1] + 4) + doc if doc else "")
            else:
                text = (doc + "\n" if doc else "") + head
            found.append(Tag(name.text.decode(errors="replace"), kind, node.start_point[0], text))
        node = node.parent
    return list(reversed(found))
