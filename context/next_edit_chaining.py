"""Exception chaining (Python): a `raise` inside an `except` clause chained to the exception it
handles (`raise X(…) from err`), as linters ask of every one (ruff's B904) → the next such `raise`
below that is not gets ` from` its clause's name (the clause bound `as` the user's name where it
binds none); an `except` clause just bound `as err` → its own `raise` statements first.
A chained raise with no unchained one below gives a proposal without edits: the edit was this
rule's, and nothing follows (not ` from err` on a raise outside any clause).
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_below import MAX_LINES, MAX_LOOKUPS, _lines_below, _node_at, _starting_statement
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _line_span
from atelier.context.next_edit_tree import _Bytes, _FUNCTION_NODES, _ancestor, _bytes, _text

_FROM = re.compile(r"\)?\s*\bfrom\s+([A-Za-z_]\w*)")
_AS = re.compile(r"\bexcept\b[^\n]*\bas\s+([A-Za-z_]\w*)\s*:")


def propose_chaining(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    if tree is None or tree.root_node.type != "module" or "except" not in text:
        return None
    ls, le = _line_span(text, last.start, last.end)
    new_region, old_region = text[ls:le], last.old_slice(text, ls, le - len(last.after) + len(last.before))
    nb = _bytes(text)
    chained = {m.group(1) for m in _FROM.finditer(new_region)} - {m.group(1) for m in _FROM.finditer(old_region)}
    for m in _FROM.finditer(new_region):
        raise_ = _ancestor(_node_at(tree, nb, ls + m.end() - 1), ("raise_statement",))
        if m.group(1) in chained and raise_ is not None and _text(raise_.child_by_field_name("cause")) == m.group(1):
            return _next_unchained(text, tree, nb, nb.index(raise_.end_byte), m.group(1)) \
                or Proposal("repeat", (), "no raise left to chain")
    bound = {m.group(1) for m in _AS.finditer(new_region)} - {m.group(1) for m in _AS.finditer(old_region)}
    for m in _AS.finditer(new_region):
        clause = _starting_statement(tree, nb, ls + m.start(), "except_clause")
        if m.group(1) in bound and clause is not None and _alias(clause) == m.group(1):
            edits = tuple(Edit(at, at, f" from {m.group(1)}") for at in _unchained_raises(tree, nb, clause))
            if edits and len(edits) <= MAX_EDITS:
                return Proposal("repeat", edits, f"chain the clause's raise to `{m.group(1)}`")
    return None


def _except_clause(node: Node) -> Node | None:
    """The `except` clause a statement is in (not through a function defined in it)."""
    return _ancestor(node.parent, ("except_clause",), stop=_FUNCTION_NODES)


def _alias(clause: Node) -> str | None:
    """The name an `except` clause binds (`except E as err:` → `err`)."""
    pattern = next((c for c in clause.named_children if c.type == "as_pattern"), None)
    alias = pattern.child_by_field_name("alias") if pattern is not None else None
    return (_text(alias).strip() or None) if alias is not None else None


def _unchained(raise_: Node) -> bool:
    """A `raise` of a new exception, not chained (a bare `raise` re-raises: nothing to chain)."""
    return raise_.child_by_field_name("cause") is None and raise_.named_child_count > 0


def _unchained_raises(tree: Tree, nb: _Bytes, clause: Node) -> list[int]:
    """Where to write ` from …` after each unchained `raise` of the clause itself."""
    block = clause.children[-1] if clause.children else None
    out, stack = [], list(block.named_children) if block is not None else []
    while stack:
        node = stack.pop()
        if node.type in _FUNCTION_NODES or node.type in ("class_definition", "try_statement"):
            continue
        if node.type == "raise_statement":
            if _unchained(node):
                out.append(nb.index(node.end_byte))
            continue
        stack.extend(node.named_children)
    return sorted(out)


def _next_unchained(text: str, tree: Tree, nb: _Bytes, after: int, name: str) -> Proposal | None:
    """The next `raise` below `after` in an `except` clause and not chained, chained: to its
    clause's name, or to `name` with the clause bound `as name`."""
    lookups = 0
    for n, (start, end) in enumerate(_lines_below(text, after)):
        code = text[start:end].lstrip()
        if n >= MAX_LINES or lookups >= MAX_LOOKUPS:
            return None
        if not code.startswith("raise "):
            continue
        lookups += 1
        raise_ = _starting_statement(tree, nb, end - len(code), "raise_statement")
        clause = _except_clause(raise_) if raise_ is not None and _unchained(raise_) else None
        if clause is None:
            continue
        alias = _alias(clause)
        at = nb.index(raise_.end_byte)
        if alias is not None:
            return Proposal("repeat", (Edit(at, at, f" from {alias}"),), f"chain the next raise to `{alias}`")
        colon = next((c for c in clause.children if c.type == ":"), None)
        if colon is None or any(c.type == "as_pattern" for c in clause.named_children):
            return None
        c0 = nb.index(colon.start_byte)
        return Proposal("repeat", (Edit(c0, c0, f" as {name}"), Edit(at, at, f" from {name}")),
                        f"chain the next raise to the exception, as `{name}`")
    return None
