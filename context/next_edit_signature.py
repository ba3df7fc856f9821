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
from atelier.context.next_edit_hunks import _IDENT, LastEdit, Proposal, _occurrences
from atelier.context.next_edit_tree import _Bytes, _bytes, _enclosing_class, _name_at, _text
from atelier.context.next_edit_words import _definition_of, _method_of

# `, name=` (or `name=` in an empty list) written at the start of the inserted text.
_KEYWORD = re.compile(r"(\s*,\s*)?([A-Za-z_]\w*)\s*=(?!=)")
# `, name` appended: a variable passed on as one more positional argument.
_APPENDED = re.compile(r"\s*,\s*([A-Za-z_]\w*)\Z")


def _definitions(text: str, root: Node, nb, name: str) -> list[Node]:
    """Every `def name(...)` in the file."""
    out = []
    for at in _occurrences(text, name):
        node = _name_at(root, nb, at, name)
        fn = node.parent if node is not None else None
        if fn is not None and fn.type == "function_definition" and fn.child_by_field_name("name") == node:
            out.append(fn)
    return out


def _container(fn: Node) -> Node | None:
    """The class (or module) whose body holds `fn` directly, else None (a nested function)."""
    up = fn.parent.parent if fn.parent is not None and fn.parent.type == "decorated_definition" else fn.parent
    if up is not None and up.type == "module":
        return up
    cls = up.parent if up is not None and up.type == "block" else None
    return cls if cls is not None and cls.type == "class_definition" else None


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


def _definition(text: str, root: Node, nb, call: Node, param: str) -> tuple[str, Node] | None:
    """(name, parameters) of the one definition in this file the call reaches, when it has
    parameters and takes no `param` yet (nor `**kwargs`, nor typed ones)."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    # The callee as one definition in this file: `f(...)` a module's function, `self.f(...)`
    # a method of the class the call is in; no other `def` of that name (an override, a
    # nested helper) that the call might reach instead.
    if callee.type == "identifier":
        name, home = _text(callee), root
    elif callee.type == "attribute" and _text(callee.child_by_field_name("object")) == "self":
        name, home = _text(callee.child_by_field_name("attribute")), _enclosing_class(call)
    else:
        return None
    defs = _definitions(text, root, nb, name) if home is not None else []
    if len(defs) != 1 or _container(defs[0]) != home:
        return None
    params = defs[0].child_by_field_name("parameters")
    if params is None or not params.named_children:
        return None
    for p in params.named_children:
        if p.type in ("dictionary_splat_pattern", "typed_parameter", "typed_default_parameter"):
            return None  # `**kwargs` takes it already; typed parameters want a type we cannot tell
        own = p.child_by_field_name("name") if p.type == "default_parameter" else p
        if own is not None and _text(own).lstrip("*") == param:
            return None
    return name, params


def definition_taking(text: str, root: Node, nb: _Bytes, callee: Node, value: list[str], k: int, n_args: int) -> Edit | None:
    """The definition in this file of the function a call now passes `value` to at `k`, when it
    takes exactly the arguments the call passed before (no default, no rest), so that it must
    take the new ones too: its parameter list with `value`'s names at `k` (`shiftLU(hit)` →
    `shiftLU(self, hit)`: `function shiftLU (self, hit)`). None when a value is no plain name."""
    if not all(_IDENT.match(v) for v in value):
        return None
    name = callee if callee.type == "identifier" else None
    method = False
    if name is None and callee.type in ("attribute", "member_expression"):
        obj = callee.child_by_field_name("object")
        if obj is None or _text(obj) not in ("self", "this", "cls"):
            return None
        name = callee.child_by_field_name("attribute") or callee.child_by_field_name("property")
        method = True
    if name is None:
        return None
    found = _method_of(root, nb, text, name, _text(name)) if method else _definition_of(root, nb, text, name, _text(name))
    fn = found.parent if found is not None else None
    params = fn.child_by_field_name("parameters") if fn is not None else None
    if params is None:
        return None
    p0, p1 = nb.node(params)
    spans = _split_args(text, p0 + 1, p1 - 1)
    items = [_param(text[a:b]) for a, b in spans]
    if any(i is None or i[1] or i[0].startswith(("*", ".")) or ":" in text[a:b] for i, (a, b) in zip(items, spans)):
        return None  # defaults or a rest take more already; a typed one wants a type we cannot tell
    offset = 1 if method and items and items[0][0] in ("self", "cls") else 0
    if len(items) - offset != n_args or any(v in {i[0] for i in items} for v in value):
        return None
    return _insert_item(text, p0 + 1, p1 - 1, spans, k + offset, ", ".join(value))
