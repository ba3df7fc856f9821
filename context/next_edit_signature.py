"""Signature: a call to a function defined in the same file gained a keyword argument the
definition does not take → the definition gains that parameter, defaulting to None (a new
keyword is an option the other callers do not pass; Python); variables passed as more
positional arguments than the definition's plain parameters take → the definition gains them
there, by those names (`definition_taking`, which the arguments rule adds to the other calls).
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_calls import _insert_item, _param, _split_args
from atelier.context.next_edit_hunks import _IDENT, LastEdit, Proposal
from atelier.context.next_edit_tree import _Bytes, _bytes, _name_at, _text
from atelier.context.next_edit_words import _definition_of, _definitions_named, _method_of

# `, name=` (or `name=` in an empty list) written at the start of the inserted text.
_KEYWORD = re.compile(r"(\s*,\s*)?([A-Za-z_]\w*)\s*=(?!=)")
# `, name` appended: a variable passed on as one more positional argument.
_APPENDED = re.compile(r"\s*,\s*([A-Za-z_]\w*)\Z")


def propose_signature(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """The definition of the called function gains the keyword the user's call now passes (or
    the variable it now passes last by position)."""
    if tree is None or last.before or tree.root_node.type != "module":
        return None
    m = _KEYWORD.match(last.after)
    if m is None:
        return _positional(text, tree, last)
    nb, root = _bytes(text), tree.root_node
    keyword = m.group(2)
    node = _name_at(root, nb, last.start + m.start(2), keyword)
    arg = node.parent if node is not None else None
    if arg is None or arg.type != "keyword_argument" or arg.child_by_field_name("name") != node:
        return None
    a0, a1 = nb.node(arg)
    if last.after[m.start(2):].strip().rstrip(",").strip() != text[a0:a1]:
        return None  # the whole argument was written, not a keyword put before a value
    args, call = arg.parent, arg.parent.parent if arg.parent is not None else None
    if call is None or args.type != "argument_list" or call.type != "call":
        return None
    found = _definition(text, root, nb, call, keyword)
    if found is None:
        return None
    name, params = found
    end = nb.index(params.named_children[-1].end_byte)
    edit = Edit(end, end, f", {keyword}=None")
    return Proposal("arguments", (edit,), f"add `{keyword}=None` to `{name}`'s parameters")


def _positional(text: str, tree: Tree, last: LastEdit) -> Proposal | None:
    """A variable appended to a call's positional arguments (`get_page(request)` → `get_page(request,
    paginator)`) where the definition takes one parameter less, each a plain name: the definition
    gains it last, by that name (a required parameter: the caller passes a value it has)."""
    m = _APPENDED.match(last.after)
    if m is None:
        return None
    nb, root = _bytes(text), tree.root_node
    name = m.group(1)
    node = _name_at(root, nb, last.start + m.start(1), name)
    args = node.parent if node is not None else None
    call = args.parent if args is not None else None
    if args is None or args.type != "argument_list" or call is None or call.type != "call" \
            or args.named_children[-1:] != [node] or nb.index(node.end_byte) != last.end:
        return None
    if any(a.type not in ("identifier", "attribute", "string", "integer", "call", "subscript")
           for a in args.named_children):
        return None  # keywords or splats: which parameter each fills is not plain
    callee = call.child_by_field_name("function")
    n = len(args.named_children) - 1
    edit = definition_taking(text, root, nb, callee, [name], n, n) if callee is not None else None
    if edit is None:
        return None
    fname = _text(callee.child_by_field_name("attribute") if callee.type == "attribute" else callee)
    return Proposal("arguments", (edit,), f"add `{name}` to `{fname}`'s parameters")


def _definition(text: str, root: Node, nb: _Bytes, call: Node, param: str) -> tuple[str, Node] | None:
    """(name, parameters) of the one definition in this file the call reaches, when it has
    parameters and takes no `param` yet (nor `**kwargs`, nor typed ones)."""
    found = _called(text, root, nb, call.child_by_field_name("function"))
    params = found[0].child_by_field_name("parameters") if found is not None else None
    if params is None or not params.named_children:
        return None
    for p in params.named_children:
        if p.type in ("dictionary_splat_pattern", "typed_parameter", "typed_default_parameter"):
            return None  # `**kwargs` takes it already; typed parameters want a type we cannot tell
        own = p.child_by_field_name("name") if p.type == "default_parameter" else p
        if own is not None and _text(own).lstrip("*") == param:
            return None
    return _text(found[0].child_by_field_name("name")), params


def _called(text: str, root: Node, nb: _Bytes, callee: Node | None) -> tuple[Node, bool] | None:
    """(the function defined in this file that a call's callee reaches, whether it is a method):
    `f(...)` the one function `f` the call sees, `self.f(...)` / `this.f(...)` the method `f` of
    the class the call is in, defined nowhere else in the file (an override would not take what
    the call passes)."""
    if callee is None:
        return None
    if callee.type == "identifier":
        found = _definition_of(root, nb, text, callee, _text(callee))
        method = False
    elif callee.type in ("attribute", "member_expression"):
        obj = callee.child_by_field_name("object")
        name = callee.child_by_field_name("attribute") or callee.child_by_field_name("property")
        if obj is None or name is None or _text(obj) not in ("self", "this", "cls"):
            return None
        found = _method_of(root, nb, text, name, _text(name))
        if found is not None and len(_definitions_named(root, nb, text, _text(name))) != 1:
            return None
        method = True
    else:
        return None
    fn = found.parent if found is not None else None
    return (fn, method) if fn is not None and fn.child_by_field_name("parameters") is not None else None


def definition_taking(text: str, root: Node, nb: _Bytes, callee: Node, value: list[str], k: int, n_args: int) -> Edit | None:
    """The definition in this file of the function a call now passes `value` to at `k`, when it
    takes exactly the arguments the call passed before (no default, no rest), so that it must
    take the new ones too: its parameter list with `value`'s names at `k` (`shiftLU(hit)` →
    `shiftLU(self, hit)`: `function shiftLU (self, hit)`). None when a value is no plain name."""
    found = _called(text, root, nb, callee) if all(_IDENT.match(v) for v in value) else None
    if found is None:
        return None
    fn, method = found
    params = fn.child_by_field_name("parameters")
    p0, p1 = nb.node(params)
    spans = _split_args(text, p0 + 1, p1 - 1)
    items = [_param(text[a:b]) for a, b in spans]
    if any(i is None or i[1] or i[0].startswith(("*", ".")) or ":" in text[a:b] for i, (a, b) in zip(items, spans)):
        return None  # defaults or a rest take more already; a typed one wants a type we cannot tell
    offset = 1 if method and items and items[0][0] in ("self", "cls") else 0
    if len(items) - offset != n_args or any(v in {i[0] for i in items} for v in value):
        return None
    return _insert_item(text, p0 + 1, p1 - 1, spans, k + offset, ", ".join(value))
