"""A declaration's keyword switched (JavaScript, TypeScript): `var` made `const` (or back) → the
next declaration below written with the old keyword (and those on the lines right after it), as
linters ask of them all (ESLint's no-var, prefer-const); `let` where `const` would break a
variable assigned again.
Listed in next_edit_statements.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_below import MAX_LOOKUPS, _next, _starting_statement
from atelier.context.next_edit_hunks import LastEdit, Proposal
from atelier.context.next_edit_tree import _Bytes, _enclosing_function, _text

# Switches made to every declaration alike: `var` → `const` (a file moving past ES5; `let` where
# the name is assigned again), `const` → `var` (back). `const` → `let` fixes one variable, and
# `var` → `let` leaves open which of the two the others get.
_LOWER = re.compile(r"[a-z]*")
_SWITCHES = frozenset({("var", "const"), ("const", "var")})
_DECLARATIONS = frozenset({"variable_declaration", "lexical_declaration"})
# A line that opens with a declaration (`  var a = 1`, `export const b = 2`): its keyword.
_DECLARATION_LINE = re.compile(r"[ \t]*(?:export[ \t]+)?(var|let|const)[ \t]+")


def _keyword_switched(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    start = last.start
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    old_word = _LOWER.match(last.old_slice(text, start, start + 8)).group()  # (the keywords are shorter)
    new_word = _LOWER.match(text, start).group()
    if (old_word, new_word) not in _SWITCHES \
            or len(old_word) < last.start - start + len(last.before) or len(new_word) < last.end - start:
        return None  # (the keyword alone changed)
    declaration = _declaration_at(tree, nb, start)
    if declaration is None:
        return None
    lookups = [0]

    def find(line_start: int, line_end: int) -> Edit | None:
        m = _DECLARATION_LINE.match(text, line_start, line_end)
        if m is None or m.group(1) != old_word or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        other = _declaration_at(tree, nb, m.start(1))
        if other is None:
            return None
        keyword = "let" if new_word == "const" and _assigned_again(text, nb, other) else new_word
        return Edit(m.start(1), m.end(1), keyword) if keyword != old_word else None

    return _next(text, last, find, f"declare the next `{old_word}` with `{new_word}`", every=True)


def _declaration_at(tree: Tree, nb: _Bytes, index: int) -> Node | None:
    """The declaration whose keyword starts at text[index]."""
    return _starting_statement(tree, nb, index, *_DECLARATIONS)


def _assigned_again(text: str, nb: _Bytes, declaration: Node) -> bool:
    """Whether a name the declaration declares is given a value again in its scope (or is
    declared without one), which `const` forbids."""
    declarators = [c for c in declaration.named_children if c.type == "variable_declarator"]
    if not declarators or any(d.child_by_field_name("value") is None for d in declarators):
        return True
    names = [_text(n) for d in declarators for n in _names(d.child_by_field_name("name"))]
    scope = _enclosing_function(declaration)
    s0, s1 = nb.node(scope) if scope is not None else (0, len(text))
    after = nb.index(declaration.end_byte)
    for name in names:
        word = re.escape(name)
        if re.search(rf"(?<![\w$.]){word}\s*(?:[-+*/%&|^]|\*\*|<<|>>>?|\?\?|&&|\|\|)?=(?![=>])"
                     rf"|(?:\+\+|--)\s*{word}(?![\w$])|(?<![\w$.]){word}\s*(?:\+\+|--)", text[max(s0, after):s1]):
            return True
    return False


def _names(pattern: Node | None) -> list[Node]:
    """The identifiers a declarator's name or destructuring pattern declares."""
    if pattern is None:
        return []
    if pattern.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [pattern]
    out = []
    for child in pattern.named_children:
        if pattern.type == "pair_pattern" and child == pattern.child_by_field_name("key"):
            continue
        out += _names(child)
    return out
