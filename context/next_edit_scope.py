"""Variables: which occurrence of a name binds it, and which names a function (or the file) gives
a value — what tells one function's variable from another's.
"""

from __future__ import annotations

import builtins

from tree_sitter import Node, Tree

from atelier.context.next_edit_hunks import _occurrences, _word
from atelier.context.next_edit_tree import (
    _Bytes, _DEFINITION_NODES, _PARAMETER_NODES, _defines, _enclosing_function, _host, _imported, _inside, _name_at,
    _role,
)


# The names JavaScript gives every file (and Node.js every module), as Python's `builtins` does.
_JS_GLOBALS = frozenset(
    "Array ArrayBuffer BigInt Boolean Buffer DataView Date Error EvalError Function Infinity Intl JSON Map Math NaN "
    "Number Object Promise Proxy RangeError ReferenceError Reflect RegExp Set String Symbol SyntaxError TypeError "
    "URIError URL URLSearchParams WeakMap WeakSet clearImmediate clearInterval clearTimeout console decodeURI "
    "decodeURIComponent document encodeURI encodeURIComponent eval exports fetch globalThis isFinite isNaN module "
    "parseFloat parseInt process queueMicrotask require setImmediate setInterval setTimeout structuredClone "
    "undefined window".split())

# A function this share of the file or more is the module's wrapper, not a scope of its own.
MODULE_FUNCTION_SHARE = 0.5
# Occurrences of a name looked up in the tree to judge whether it is a function's variable.
MAX_LOOKUPS = 300


def _defined(text: str, root: Node, nb: _Bytes, name: str) -> bool:
    """Whether the file gives `name` a value anywhere (a parameter, an assignment, an import,
    a definition)."""
    for at in _occurrences(text, name):
        node = _name_at(root, nb, at, name)
        if node is None or _role(node) != "name":
            continue
        parent = node.parent
        if _binds(node) or _imported(node) or _defines(node) or parent is not None and (
                parent.type in _PARAMETER_NODES or parent.type in ("as_pattern_target", "default_parameter",
                                                                   "typed_parameter", "typed_default_parameter",
                                                                   "assignment_pattern", "list_splat_pattern",
                                                                   "dictionary_splat_pattern", "rest_pattern")):
            return True
    return False


def _provided(root: Node, name: str) -> bool:
    """Whether the language gives every file `name` (`str`, `len`; `Object`, `parseInt`)."""
    return name in _JS_GLOBALS if root.type == "program" else hasattr(builtins, name)


# Fields of a parameter that hold no name it binds: its type annotation, its default value.
_NOT_NAMES = ("type", "value", "right", "default")


def _parameter_name(node: Node, params: Node) -> bool:
    """Whether `node`, inside the parameter list `params`, is a name a parameter binds, not a
    type in its annotation (`x: Dict`) nor a name in its default value (`x=CONST`)."""
    if not _inside(node, params):
        return False
    child, parent = node, node.parent
    while parent is not None and parent != params:
        if child.type == "type_annotation" or any(parent.child_by_field_name(f) == child for f in _NOT_NAMES):
            return False
        child, parent = parent, parent.parent
    return child.type != "type_annotation"


def _parameter_names(text: str, root: Node, nb: _Bytes, fn: Node, names: set[str]) -> set[str]:
    """Those of `names` that the function `fn` binds as parameters."""
    params = fn.child_by_field_name("parameters")
    if params is None:
        return set()
    p0, p1 = nb.node(params)
    return {name for name in names for m in _word(name).finditer(text, p0, p1)
            if (node := _name_at(root, nb, m.start(), name)) is not None and _parameter_name(node, params)}


def _bound(text: str, root: Node, nb: _Bytes, call: Node, name: str) -> bool:
    """Whether `name` is a variable of the scope the call stands in (a parameter of its
    function, or given a value there, before the call)."""
    scope = _enclosing_function(call)
    region = scope if scope is not None else root
    s0, s1 = nb.node(region)
    call_at = nb.index(call.start_byte)
    params = scope.child_by_field_name("parameters") if scope is not None else None
    for at in _occurrences(text, name, s0, s1):
        node = _name_at(root, nb, at, name)
        if node is None or _role(node) != "name":
            continue
        if params is not None and _parameter_name(node, params):
            return True
        if at >= call_at or _enclosing_function(node) != scope:
            continue
        parent = node.parent
        if _binds(node) or _imported(node) or parent is not None and (
                parent.type == "as_pattern_target"
                or parent.type in _DEFINITION_NODES and parent.child_by_field_name("name") == node):
            return True
    return False


def _binds(node: Node) -> bool:
    """Whether this occurrence of a name gives it a value (a local variable)."""
    parent = node.parent
    while parent is not None and parent.type in ("pattern_list", "tuple_pattern", "list_pattern", "array_pattern",
                                                 "object_pattern", "tuple", "expression_list"):
        node, parent = parent, parent.parent
    if parent is None:
        return False
    for field in ("left", "name"):
        if parent.type in ("assignment", "augmented_assignment", "variable_declarator", "for_statement",
                           "for_in_statement", "assignment_expression", "named_expression", "for_in_clause") \
                and parent.child_by_field_name(field) == node:
            return True
    return False


def _binding_function(text: str, root: Node, nb: _Bytes, fn: Node | None, names: set[str]) -> tuple[Node | None, set[str]]:
    """The function that binds some of `names` where `fn` reads them: `fn` itself, else the
    nearest function around it (a closure reads its outer function's variables), with those
    names; (None, set()) when none does."""
    while fn is not None:
        if local := _locals_of(text, root, nb, fn, names):
            return fn, local
        fn = _enclosing_function(fn.parent)
    return None, set()


def _same_locals(text: str, tree: Tree, nb: _Bytes, index: int, local: set[str], seen: dict[int, bool]) -> bool:
    """Whether the function around text[index], or one around it, has the variables `local`
    too (`seen`: the answers so far, by function)."""
    other = _enclosing_function(_host(tree, nb, index))
    if other is None:
        return False
    if other.start_byte not in seen:
        found = _binding_function(text, tree.root_node, nb, other, local)[1]
        seen[other.start_byte] = found == local
    return seen[other.start_byte]


# Assignments that give a value to a variable of the scope around (JavaScript): no declaration.
_OUTER_ASSIGNMENTS = frozenset({"assignment_expression", "augmented_assignment_expression"})


def _locals_of(text: str, root: Node, nb: _Bytes, fn: Node, names: set[str], declared: bool = False) -> set[str]:
    """Those of `names` that are variables of the function `fn` (parameters, or assigned
    there; `declared`: declared there, which a JavaScript `x = 1` without `var` is not)."""
    s0, s1 = nb.node(fn)
    if s1 - s0 > MODULE_FUNCTION_SHARE * len(text) and len(text) > 5000:
        return set()  # a wrapper around the whole module (an IIFE): its variables are the module's
    params = fn.child_by_field_name("parameters")
    out = set()
    for name in names:
        for n, m in enumerate(_word(name).finditer(text, s0, s1)):
            if n >= MAX_LOOKUPS:
                break
            at = m.start()
            node = _name_at(root, nb, at, name)
            # (`const { msg } = chunk` binds `msg` as well as `const msg = chunk.msg` does.)
            if node is not None and (_role(node) == "name" or node.type == "shorthand_property_identifier_pattern") \
                    and _enclosing_function(node) == fn \
                    and (_binds(node) and not (declared and node.parent.type in _OUTER_ASSIGNMENTS)
                         or params is not None and _parameter_name(node, params)):
                out.add(name)
                break
    return out
