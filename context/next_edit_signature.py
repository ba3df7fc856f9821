"""Signature: a call to a function defined in the same file gained a keyword argument the
definition does not take → the definition gains that parameter, defaulting to None (a new
keyword is an option the other callers do not pass); a variable passed as one more positional
argument than the definition's plain parameters take → the definition gains it last, by that
name. Python only.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import LastEdit, Proposal, _occurrences
from atelier.context.next_edit_tree import _bytes, _enclosing_class, _name_at, _text

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
    found = _definition(text, root, nb, call, name)
    if found is None:
        return None
    fname, params = found
    plain = [p for p in params.named_children if p.type == "identifier"]
    if len(plain) != len(params.named_children):
        return None  # defaults, splats, types: the new one's place or type is a guess
    own = [p for p in plain if _text(p) not in ("self", "cls")] if call.child_by_field_name("function").type \
        == "attribute" else plain
    if len(own) != len(args.named_children) - 1:
        return None
    end = nb.index(params.named_children[-1].end_byte)
    return Proposal("arguments", (Edit(end, end, f", {name}"),), f"add `{name}` to `{fname}`'s parameters")


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
