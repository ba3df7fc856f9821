"""A unittest assertion rewritten as a bare `assert` (`self.assertEqual(a, b)` → `assert a == b`,
Python): a test module moved to pytest's style is converted one assertion after another, so
the next call of the same assertion method below gets the same rewrite, its own arguments put
where the user's went.

The user's statement must be exactly the old call's arguments joined by the words and
operators of a comparison (`assert `, ` == `, ` is None`, `not `…), nothing of their own: the
new text is then the same template filled with the next call's arguments. Silent when the
next call differs in its number of arguments, names one, or passes one that would bind
differently once bare (`a or b`, `x if c else y`, a comparison, a lambda).
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_below import _code_start, _next, _starting_statement
from atelier.context.next_edit_hunks import LastEdit, Proposal
from atelier.context.next_edit_tree import _bytes, parse


# What may join the arguments in the new assertion: comparison words and operators only.
_JOIN = re.compile(r"(?:\s|==|!=|<=|>=|<|>|\b(?:not|is|in|None|True|False)\b)*\Z")
# Arguments that bind looser than a comparison: bare in an `assert`, they would mean another test.
_LOOSE = frozenset({"boolean_operator", "not_operator", "conditional_expression", "lambda", "comparison_operator",
                    "named_expression", "concatenated_string", "yield", "await"})
# Constants a comparison with is written its own way (`is None`, `is True`).
_SINGLETONS = frozenset({"None", "True", "False"})
# A line whose code starts with a call of an assertion method of `self`.
_CALL = re.compile(r"[ \t]*self\.(assert\w*)\(")


def _assert_call(statement: Node | None) -> tuple[str, list[Node]] | None:
    """(method, positional arguments) of `self.assertX(…)` standing alone as this statement."""
    if statement is None or statement.type != "expression_statement" or statement.named_child_count != 1:
        return None
    call = statement.named_children[0]
    fn = call.child_by_field_name("function") if call.type == "call" else None
    args = call.child_by_field_name("arguments") if fn is not None else None
    if fn is None or fn.type != "attribute" or args is None or args.type != "argument_list":
        return None
    owner, attr = fn.child_by_field_name("object"), fn.child_by_field_name("attribute")
    if owner is None or owner.text != b"self" or attr is None or not attr.text.startswith(b"assert"):
        return None
    values = [a for a in args.named_children if a.type != "comment"]
    if not values or any(a.type in ("keyword_argument", "list_splat", "dictionary_splat") for a in values):
        return None
    return attr.text.decode(), values


def _template(old: str, new: str) -> tuple[str, list[str], list[str]] | None:
    """(method, the pieces joining the arguments, the arguments) when `new` is the assertion call
    `old` made a bare `assert` of its own arguments, in order, and nothing else."""
    tree = parse("python", old)
    if tree is None or tree.root_node.has_error or tree.root_node.named_child_count != 1:
        return None
    found = _assert_call(tree.root_node.named_children[0])
    if found is None or not new.startswith("assert "):
        return None
    method, args = found
    pieces, at, values = [], 0, []
    for a in args:
        value = a.text.decode()
        if "\n" in value or a.type in _LOOSE:
            return None
        i = new.find(value, at + len("assert") if not pieces else at)
        if i < 0:
            return None
        pieces.append(new[at:i])
        values.append(value)
        at = i + len(value)
    pieces.append(new[at:])
    if not all(_JOIN.match(p) for p in pieces[1:]) or not _JOIN.match(pieces[0][len("assert"):]):
        return None
    return method, pieces, values


def propose_assert_rewrite(text: str, language: str | None, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """The next `self.<same assertion>(…)` below rewritten as the user rewrote theirs, or None
    (also when that next one cannot be: the one after it is not the next the user comes to)."""
    if language != "python" or tree is None:
        return None
    at = _code_start(text, text.rfind("\n", 0, last.start) + 1)
    if not text.startswith("assert ", at):
        return None
    nb = _bytes(text)
    node = _starting_statement(tree, nb, at, "assert_statement")
    if node is None or nb.index(node.end_byte) < last.end:
        return None
    end = nb.index(node.end_byte)
    old_end = end - len(last.after) + len(last.before)
    found = _template(last.old_slice(text, at, old_end), text[at:end])
    if found is None:
        return None
    method, pieces, own = found
    lookups = [0]  # calls looked at; past the first of the method, the rest are not

    def find(start: int, stop: int) -> Edit | None:
        m = _CALL.match(text, start, stop)
        if m is None or m.group(1) != method or lookups[0] >= 1:
            return None
        lookups[0] += 1
        here = start + len(m.group()) - len(m.group().lstrip(" \t"))
        statement = _starting_statement(tree, nb, here, "expression_statement")
        call = _assert_call(statement)
        if call is None or call[0] != method or len(call[1]) != len(pieces) - 1 \
                or any(a.type in _LOOSE for a in call[1]):
            return None
        values = [a.text.decode() for a in call[1]]
        # `== True` is written `is True`, `== None` `is None`: the comparison goes with the constant.
        if any("\n" in v or (v != o and (v in _SINGLETONS or o in _SINGLETONS)) for v, o in zip(values, own)):
            return None
        new = pieces[0] + "".join(v + p for v, p in zip(values, pieces[1:]))
        return Edit(here, nb.index(statement.end_byte), new)

    return _next(text, last, find, f"rewrite the next self.{method} as an assert")
