"""Declarations in a tree-sitter tree, per language: the symbol at the cursor, its name, the
enclosing scope, and the definitions a piece of code uses. Shared by chat context, edits and
test generation."""

from __future__ import annotations

from tree_sitter import Node

from atelier.context.languages import SPECS

# Declarations per grammar (context/languages/<name>.toml): what "the symbol at the cursor" and "the enclosing scope" can be.
_FUNCTIONS = {name: spec.functions for name, spec in SPECS.items() if spec.functions}
_TYPES = {name: spec.types for name, spec in SPECS.items() if spec.functions}
# `const f = () => …` declares a function in JavaScript and TypeScript.
_VARIABLES = {"lexical_declaration", "variable_declaration"}
_FUNCTION_VALUES = {"arrow_function", "function_expression", "function", "generator_function", "class"}


def function_kinds(language: str | None) -> set[str]:
    return _FUNCTIONS.get(language or "", set())


def is_declaration(node: Node, language: str | None) -> bool:
    kind = node.type
    if kind in _FUNCTIONS.get(language or "", ()) or kind in _TYPES.get(language or "", ()):
        return kind not in ("struct_specifier", "class_specifier") or node.child_by_field_name("body") is not None
    if kind in _VARIABLES and language in ("javascript", "typescript", "tsx"):
        return any(
            (value := d.child_by_field_name("value")) is not None and value.type in _FUNCTION_VALUES
            for d in node.named_children
            if d.type == "variable_declarator"
        )
    return False


def is_function(node: Node, language: str | None) -> bool:
    return node.type in function_kinds(language) or node.type in _VARIABLES


def declaration_at(root: Node, start: int, end: int, language: str | None, strict: bool = False) -> Node | None:
    """The smallest declaration containing bytes [start, end) (strictly larger than that
    range with `strict`), or None."""
    node: Node | None = root.descendant_for_byte_range(start, max(start, end))
    while node is not None:
        inside = node.start_byte <= start and end <= node.end_byte
        larger = node.start_byte < start or end < node.end_byte
        if inside and is_declaration(node, language) and (larger or not strict):
            return node
        node = node.parent
    return None


def declaration_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    if name is None and node.type in _VARIABLES:
        first = next((d for d in node.named_children if d.type == "variable_declarator"), None)
        name = first.child_by_field_name("name") if first is not None else None
    if name is None and node.type == "impl_item":
        name = node.child_by_field_name("type")
    if name is None and node.type == "type_declaration":
        spec = next((c for c in node.named_children if c.type == "type_spec"), None)
        name = spec.child_by_field_name("name") if spec is not None else None
    declarator = node.child_by_field_name("declarator")
    while name is None and declarator is not None:  # C/C++: int *f(int a) — the innermost name
        inner = declarator.child_by_field_name("declarator")
        if inner is None:
            name = declarator
        declarator = inner
    return name.text.decode(errors="replace") if name is not None and name.text else ""


def outer_node(node: Node) -> Node:
    """The declaration with what belongs to it in front: decorators, `export`, `template <…>`."""
    while node.parent is not None and node.parent.type in ("decorated_definition", "export_statement", "template_declaration"):
        node = node.parent
    return node


def definitions(root: Node, language: str | None) -> dict[str, Node]:
    """Declarations at the top level and one level inside types, by name (first wins)."""
    found: dict[str, Node] = {}
    stack = list(root.named_children)
    depth = {id(n): 0 for n in stack}
    while stack:
        node = stack.pop(0)
        level = depth.get(id(node), 0)
        inner = node.child_by_field_name("definition") or node.child_by_field_name("declaration")
        if node.type in ("decorated_definition", "export_statement", "template_declaration") and inner is not None:
            node = inner
        if is_declaration(node, language):
            found.setdefault(declaration_name(node), node)
            body = node.child_by_field_name("body")
            if body is not None and level == 0 and not is_function(node, language):
                for child in body.named_children:
                    depth[id(child)] = 1
                    stack.append(child)
    found.pop("", None)
    return found


def names_used(node: Node, start: int, end: int) -> list[str]:
    names: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.end_byte <= start or n.start_byte >= end:
            continue
        if n.type in ("identifier", "type_identifier", "field_identifier", "property_identifier") and n.text:
            names.append(n.text.decode(errors="replace"))
        stack.extend(reversed(n.children))
    return list(dict.fromkeys(names))
