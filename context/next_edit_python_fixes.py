"""Python statement fixes that the next statement with the same flaw needs too: a bare comparison
made an assertion, a base class's stub made to raise NotImplementedError, a redundant `u` prefix
dropped, a `print` statement made a call (or back), a test method given its `test_` prefix, an
explicit `object` base dropped (or written).
Listed in next_edit_statements.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_below import MAX_LOOKUPS, _next, _node_at, _starting_statement
from atelier.context.next_edit_hunks import LastEdit, Proposal
from atelier.context.next_edit_tree import _Bytes, _ancestor, _string_opened_at


# A line that starts with `print` (after its indentation).
_INDENTED_PRINT = re.compile(r"\s*print")
_BARE_COMPARISON = re.compile(r"==|!=|<|>|\bin\b|\bis\b")


# -- a bare comparison is a forgotten assertion ----------------------------------------------

def _assertion(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.before or last.after.rstrip() != "assert" or last.after == "assert":
        return None
    node = _node_at(tree, nb, last.start)
    statement = node.parent if node is not None else None
    if statement is None or statement.type != "assert_statement" or nb.index(statement.start_byte) != last.start \
            or statement.named_child_count != 1 or statement.named_children[0].type != "comparison_operator":
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        line = text[start:end]
        code = line.lstrip()
        if not code or code.startswith("#") or not _BARE_COMPARISON.search(code) or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        at = end - len(code)
        found = _starting_statement(tree, nb, at, "expression_statement")
        if found is None or found.named_child_count != 1 or found.named_children[0].type != "comparison_operator":
            return None
        return Edit(at, at, last.after)

    return _next(text, last, find, "assert the next bare comparison")


# -- a base class's stubs raise NotImplementedError ------------------------------------------

def _only_statement(block: Node | None) -> Node | None:
    """The one statement of a function's body, a docstring aside; None when there are more."""
    statements = [c for c in block.named_children if c.type != "comment"] if block is not None else []
    if len(statements) == 2 and statements[0].type == "expression_statement" \
            and statements[0].named_child_count == 1 and statements[0].named_children[0].type == "string":
        statements = statements[1:]
    return statements[0] if len(statements) == 1 else None


def _method_of(statement: Node) -> Node | None:
    """The method whose body is this statement alone, if it is one."""
    block = statement.parent
    fn = block.parent if block is not None and block.type == "block" else None
    if fn is None or fn.type != "function_definition" or _only_statement(block) != statement:
        return None
    holder = fn.parent.parent if fn.parent is not None and fn.parent.type == "decorated_definition" else fn.parent
    return fn if holder is not None and holder.type == "block" and holder.parent is not None \
        and holder.parent.type == "class_definition" else None


def _stub(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.before != "pass" or not re.fullmatch(r"raise NotImplementedError(\(\))?", last.after):
        return None
    node = _ancestor(_node_at(tree, nb, last.start), ("raise_statement",))
    method = _method_of(node) if node is not None and nb.index(node.start_byte) == last.start else None
    if method is None:
        return None
    class_end = nb.index(method.parent.end_byte)  # the class's body
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        code = text[start:end].strip()
        if start >= class_end or code != "pass" or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        at = end - len(text[start:end].lstrip())
        found = _node_at(tree, nb, at)  # the keyword; its statement above it
        found = found.parent if found is not None and found.type == "pass" else found
        other = _method_of(found) if found is not None and found.type == "pass_statement" else None
        if other is None or other.parent != method.parent:
            return None
        return Edit(at, at + len("pass"), last.after)

    return _next(text, last, find, "make the next stub method raise NotImplementedError")


# -- redundant u prefixes --------------------------------------------------------------------

def _unicode_prefix(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.after or last.before not in ("u", "U") or text[last.start:last.start + 1] not in ("'", '"'):
        return None
    if _string_opened_at(tree, nb, last.start) is None:
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        for m in re.finditer(r"(?<![\w\"'])[uU](?=['\"])", text[start:end]):
            if lookups[0] >= MAX_LOOKUPS:
                return None
            lookups[0] += 1
            at = start + m.start()
            if _string_opened_at(tree, nb, at) is not None:
                return Edit(at, at + 1, "")
        return None

    return _next(text, last, find, "drop the next redundant `u` prefix")


# -- print statement ↔ print() ---------------------------------------------------------------

def _as_call(statement: str) -> str | None:
    """`print a, b` → `print(a, b)`, `print >> f, a` → `print(a, file=f)` (2to3's rewrite);
    None for a form it does not rewrite plainly (a trailing comma)."""
    m = re.fullmatch(r"print(?:\s*>>\s*([^,]+),)?\s+(.*?)\s*", statement, re.S)
    if m is None or m.group(2).endswith(","):
        return None
    return f"print({m.group(2)}, file={m.group(1).strip()})" if m.group(1) else f"print({m.group(2)})"


def _as_statement(call: str) -> str | None:
    m = re.fullmatch(r"print\s*\((.*)\)", call, re.S)
    return f"print {m.group(1)}" if m is not None and m.group(1).strip() else None


def _print(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    old = last.old_text(text)
    ls = text.rfind("\n", 0, last.start) + 1
    start = _INDENTED_PRINT.match(text, ls)  # (not a copy of the rest of the file at each keystroke)
    if start is None:
        return None
    at = start.end() - len("print")
    node = _node_at(tree, nb, at)
    while node is not None and node.type not in ("print_statement", "expression_statement") \
            and nb.index(node.start_byte) == at:
        node = node.parent
    if node is None or nb.index(node.start_byte) != at:
        return None
    s0, s1 = nb.node(node)
    if not (s0 <= last.start and last.end <= s1):
        return None
    now = text[s0:s1]
    was = old[s0:s1 - len(last.after) + len(last.before)]
    if node.type == "expression_statement" and _as_call(was) == now:
        wanted, rewrite = "print_statement", _as_call
    elif node.type == "print_statement" and _as_statement(was) == now:
        wanted, rewrite = "expression_statement", _as_statement
    else:
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        code = text[start:end].lstrip()
        if not code.startswith("print") or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        found = _starting_statement(tree, nb, end - len(code), wanted)
        if found is None:
            return None
        call = found.named_children[0] if wanted == "expression_statement" and found.named_child_count == 1 else None
        if wanted == "expression_statement" and (call is None or call.type != "call" or any(
                a.type == "keyword_argument" for a in (call.child_by_field_name("arguments") or call).named_children)):
            return None  # `print(a, file=f)` has no plain statement form
        f0, f1 = nb.node(found)
        new = rewrite(text[f0:f1])
        return Edit(f0, f1, new) if new is not None and "\n" not in text[f0:f1] else None

    return _next(text, last, find, "rewrite the next `print` the same way")


# -- a test method the runner skips ----------------------------------------------------------

# -- an explicit `object` base dropped (or written) ---------------------------------------------

# A class's header with its bases: none, `()`, or `(object)` alone (group 2).
_CLASS_HEADER = re.compile(r"([ \t]*class\s+\w+\s*)(\(\s*object\s*\)|\(\s*\)|)(\s*:)")


def _object_base(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    """`class Theme(object):` → `class Theme:` (a Python 3 class needs no `object` base; or the
    reverse, for Python 2): the next class written the old way."""
    ls = text.rfind("\n", 0, last.start) + 1
    le = text.find("\n", last.end)
    le = len(text) if le == -1 else le
    old_line = last.old_slice(text, ls, le - len(last.after) + len(last.before))
    m_old, m_new = _CLASS_HEADER.match(old_line), _CLASS_HEADER.match(text, ls, le)
    if m_old is None or m_new is None or m_old.group(1) != m_new.group(1):
        return None
    old_form, new_form = (re.sub(r"\s", "", m.group(2)) for m in (m_old, m_new))
    if old_form == new_form or "(object)" not in (old_form, new_form):
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        m = _CLASS_HEADER.match(text, start, end)
        if m is None or re.sub(r"\s", "", m.group(2)) != old_form or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        at = start + len(m.group(1)) - len(m.group(1).lstrip())
        if _starting_statement(tree, nb, at, "class_definition") is None:
            return None
        return Edit(m.start(2), m.end(2), new_form)

    return _next(text, last, find, "drop the next `object` base" if old_form == "(object)" else "give the next class its `object` base")


# Methods a test case defines for the runner under their own names.
_HOOKS = re.compile(r"(?:setUp|tearDown|setup|teardown)\w*\Z")


def _test_prefix(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    """`def fields_are_present(self)` → `def test_fields_are_present(self)`: the runner collects
    only `test*` methods, so the next method of the class that reads as a test (only `self`,
    undecorated, not private, not a hook, called nowhere) was missed the same way."""
    if last.before or last.after != "test_":
        return None
    node = _node_at(tree, nb, last.start)
    fn = node.parent if node is not None else None
    body = fn.parent if fn is not None and fn.type == "function_definition" else None
    if body is None or fn.child_by_field_name("name") != node or nb.index(node.start_byte) != last.start \
            or body.type != "block" or body.parent is None or body.parent.type != "class_definition":
        return None
    later = [c for c in body.named_children if c.start_byte > fn.start_byte]
    for c in later:
        if c.type == "decorated_definition":
            return None
        if c.type != "function_definition":
            continue
        name = c.child_by_field_name("name").text.decode()
        if name.startswith("test"):
            continue
        params = c.child_by_field_name("parameters")
        if name.startswith("_") or _HOOKS.match(name) or params is None or params.text != b"(self)" \
                or re.search(rf"\.{re.escape(name)}\b", text):
            return None  # a helper, not a test: and the next test is past it
        at = nb.index(c.child_by_field_name("name").start_byte)
        return Proposal("repeat", (Edit(at, at, "test_"),), f"name `{name}` as a test")
    return None
