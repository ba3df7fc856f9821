"""Import fallbacks (Python): a directive added at the end of a `try:` line, or of an import in
the `try` (`import cryptography  # type: ignore`, `try:  # pragma: no cover`) → the same directive
on the other side of the fallback: the `except` clause's line, the assignment or import that
stands in for the imported name there (`cryptography = None  # type: ignore`, `import
importlib_metadata as metadata`); one tool says it of both.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_below import _code_start, _starting_statement
from atelier.context.next_edit_hunks import _DIRECTIVE, LastEdit, Proposal, _line_span
from atelier.context.next_edit_tree import _Bytes, _bytes, _text

# A comment written after a line's code: its spacing and its text.
_APPENDED = re.compile(r"([ \t]*)(#[^\n]*)")


def propose_fallback_directive(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    m = _APPENDED.fullmatch(last.after)
    if tree is None or last.before or m is None or not _DIRECTIVE.search(m.group(2)) \
            or text[last.end:last.end + 1] not in ("\n", ""):
        return None
    line_start = text.rfind("\n", 0, last.start) + 1
    code = text[line_start:last.start]
    at = _code_start(text, line_start)
    if not code.strip() or "#" in code:
        return None
    nb = _bytes(text)
    if code.strip() == "try:":
        statement = _starting_statement(tree, nb, at, "try_statement")
        clauses = [c for c in statement.named_children if c.type == "except_clause"] if statement is not None else []
        clause_at = nb.index(clauses[0].start_byte) if clauses else None
        ends = [_line_span(text, clause_at, clause_at)[1]] if clause_at is not None else []
    else:
        ends = _stand_ins(text, tree, nb, at)
    edits = tuple(Edit(e, e, last.after) for e in ends if "#" not in text[text.rfind("\n", 0, e) + 1:e])
    return Proposal("repeat", edits, f"add `{m.group(2)}` to the fallback") if edits else None


def _stand_ins(text: str, tree: Tree, nb: _Bytes, at: int) -> list[int]:
    """The ends of the lines, in the `except` clauses of the `try` an import stands in, that
    assign the names it imports (`except ImportError: cryptography = None`)."""
    statement = _starting_statement(tree, nb, at, "import_statement", "import_from_statement")
    block = statement.parent if statement is not None else None
    outer = block.parent if block is not None else None
    if outer is None or outer.type != "try_statement" or outer.child_by_field_name("body") != block:
        return []
    names = _imported_names(statement)
    ends = []
    for clause in (c for c in outer.named_children if c.type == "except_clause"):
        for node in _stand_in_statements(clause):
            if node.type == "assignment" and _text(node.child_by_field_name("left")) in names \
                    or node.type != "assignment" and _imported_names(node) & names:
                at = nb.index(node.start_byte)
                ends.append(_line_span(text, at, at)[1])
    return ends


def _imported_names(statement: Node) -> set[str]:
    """The names an import statement binds (`import a.b as c`: `c`; `from m import a, b`: `a`, `b`)."""
    names = {_text(n.child_by_field_name("alias") or n).split(".")[0]
             for n in statement.named_children if n.type in ("dotted_name", "aliased_import")}
    if statement.type == "import_from_statement":  # `from m import a, b`: not the module's name
        names -= {_text(statement.child_by_field_name("module_name")).split(".")[0]}
    return names


def _stand_in_statements(clause: Node) -> list[Node]:
    """The assignments and imports of an `except` clause, and of the `try` nested right in it
    (`except ImportError: try: import importlib_metadata as metadata`)."""
    block = clause.named_children[-1] if clause.named_children else None
    out = []
    for s in block.named_children if block is not None else []:
        if s.type == "expression_statement" and s.named_children and s.named_children[0].type == "assignment":
            out.append(s.named_children[0])
        elif s.type in ("import_statement", "import_from_statement"):
            out.append(s)
        elif s.type == "try_statement" and (body := s.child_by_field_name("body")) is not None:
            out.extend(n for n in body.named_children if n.type in ("import_statement", "import_from_statement"))
    return out
