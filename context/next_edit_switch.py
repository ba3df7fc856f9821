"""Switch: a name replaced by one already in use (`json.loads` → `complexjson.loads`) → the other uses
in the same slot in the same function; an attribute of `self`/`this` read from a parameter instead
(`self._app.debug` → `app.debug`) → its other reads in that function.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _occurrences, _places
from atelier.context.next_edit_rename import _rename_site
from atelier.context.next_edit_tree import (
    _Bytes, _CALL_NODES, _MEMBER_NODES, _bytes, _callee, _enclosing_function, _inside, _name_at, _role, _text,
)


def propose_switch(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """One use of a name switched to another name already in use."""
    site = _rename_site(text, tree, last)
    if site is None:
        return _to_parameter(text, tree, last)
    old_name, new_name, where, nb, root = site
    node = next((n for w in where if (n := _name_at(root, nb, w, new_name)) is not None), None)
    if node is None:
        return None
    olds = [n for at in _occurrences(text, old_name)
            if (n := _name_at(root, nb, at, old_name)) is not None and _role(n) == "name"]
    return _switch(node, olds, old_name, new_name, nb)


# An attribute read through the object (`self._app`, `this.options`): what a parameter can replace.
_MEMBER_CHAIN = re.compile(r"(?:self|this)(?:\.[A-Za-z_$][\w$]*)+")


def _to_parameter(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """`self._app.debug` → `app.debug` in a function taking `app`: the object's attribute read
    from the parameter instead, so its other reads in that function follow (`self._app.config`)."""
    if tree is None or "\n" in last.before + last.after:
        return None
    nb, root = _bytes(text), tree.root_node
    node = root.descendant_for_byte_range(nb.byte(last.start), nb.byte(last.start + len(last.after)))
    if node is None or node.type != "identifier":
        return None
    s, e = nb.node(node)
    delta = len(last.after) - len(last.before)
    old_expr = last.old_slice(text, s, e - delta)
    new_name = _text(node)
    if not (s <= last.start and last.start + len(last.after) <= e) or _MEMBER_CHAIN.fullmatch(old_expr) is None:
        return None
    fn = _enclosing_function(node)
    params = fn.child_by_field_name("parameters") if fn is not None else None
    if params is None or not any(_inside(n, params) for at in _occurrences(text, new_name, *nb.node(params))
                                 if (n := _name_at(root, nb, at, new_name)) is not None):
        return None
    f0, f1 = nb.node(fn)
    edits = []
    for m in re.finditer(re.escape(old_expr) + r"(?![\w$])", text[f0:f1]):
        at = f0 + m.start()
        if at > 0 and re.match(r"[\w$.]", text[at - 1]):
            continue
        host = root.descendant_for_byte_range(nb.byte(at), nb.byte(at + len(old_expr)))
        if host is None or _text(host) != old_expr or host.type not in _MEMBER_NODES:
            continue
        if host.parent is not None and host.parent.type in ("assignment", "assignment_expression") \
                and host.parent.child_by_field_name("left") == host:
            return None  # the attribute is set here too: the object's, not a copy of the parameter
        edits.append(Edit(at, at + len(old_expr), new_name))
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("rename", tuple(edits), f"use `{new_name}` for `{old_expr}` ({_places(len(edits))})")


def _slot(node: Node) -> tuple[str, ...] | None:
    """Where a name stands when it is used as a module or a function: `x.attr` (the object of
    that attribute) or `x(...)` (the callee)."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type in _MEMBER_NODES and parent.child_by_field_name("object") == node:
        return ("attr", _text(parent.child_by_field_name("attribute") or parent.child_by_field_name("property")))
    if parent.type in _CALL_NODES and _callee(parent) == node:
        return ("call",)
    return None


def _switch(node: Node, olds: list[Node], old_name: str, new_name: str, nb: _Bytes) -> Proposal | None:
    """One use of `old_name` switched to `new_name`, a name already in use: the other uses in
    the same slot (`old.attr`, `old(...)`) of the same function follow (a module alias
    adopted, a copied function's recursive calls)."""
    slot = _slot(node)
    fn = _enclosing_function(node)
    if slot is None or fn is None or _role(node) != "name":
        return None
    params = fn.child_by_field_name("parameters")
    targets = [n for n in olds if _inside(n, fn) and _slot(n) == slot and not (params is not None and _inside(n, params))]
    if not targets or len(targets) > MAX_EDITS:
        return None
    edits = tuple(Edit(*nb.node(n), new_name) for n in targets)
    return Proposal("rename", edits, f"use `{new_name}` for `{old_name}` ({_places(len(edits))})")
