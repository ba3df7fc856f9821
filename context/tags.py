"""Definitions in a syntax tree ("tags", as in ctags and aider's repo map), per language.

A tag carries what a model needs to use a symbol from elsewhere: its signature, plus its
docstring or, when it is short, its whole body.
"""

from __future__ import annotations

import msgspec
from tree_sitter import Node, Tree

from atelier.context.languages import SPECS

# node type -> tag kind, per grammar: the `[definitions]` of context/languages/<name>.toml.
DEFINITIONS: dict[str, dict[str, str]] = {name: spec.definitions for name, spec in SPECS.items() if spec.definitions}

# Containers whose members are definitions too; anything else (function bodies) is local.
_CONTAINERS = {
    "class_definition", "class_declaration", "class_body", "block", "declaration_list",
    "class_specifier", "field_declaration_list", "namespace_definition", "interface_body",
    "enum_body", "impl_item", "trait_item", "export_statement", "program", "module",
    "translation_unit", "source_file", "compilation_unit", "namespace_declaration",
    "lexical_declaration", "variable_declaration", "expression_statement", "decorated_definition",
    "type_declaration", "const_declaration", "var_declaration", "abstract_class_declaration",
    "preproc_ifdef", "preproc_if", "linkage_specification", "file_scoped_namespace_declaration",
}
_BODY_FIELDS = ("body", "value")
SHORT_BODY_LINES = 6
MAX_TAG_CHARS = 600


class Tag(msgspec.Struct, frozen=True):
    name: str
    kind: str
    line: int  # 0-based first line of the definition
    text: str  # signature + docstring, or the whole definition when short
    end: int = -1  # 0-based last line: a class's members are the tags within its lines


def _declarator_name(node: Node | None) -> Node | None:
    """C/C++: the identifier inside nested declarators (`int *f(int)` → f)."""
    while node is not None and node.type not in ("identifier", "field_identifier", "type_identifier"):
        if node.type in ("qualified_identifier", "destructor_name", "operator_name"):
            return node
        node = node.child_by_field_name("declarator")
    return node


def _name(node: Node, language: str) -> Node | None:
    if node.type == "assignment":  # Python: module- or class-level `NAME = ...` only
        left = node.child_by_field_name("left")
        return left if left is not None and left.type == "identifier" else None
    if language in ("c", "cpp") and node.type in ("function_definition", "declaration", "type_definition"):
        declarator = node.child_by_field_name("declarator")
        if node.type == "declaration" and (declarator is None or declarator.type != "function_declarator"):
            return None
        return _declarator_name(declarator)
    if node.type in ("struct_specifier", "enum_specifier", "class_specifier") and node.child_by_field_name("body") is None:
        return None  # a use (`struct S x;`), not a definition
    return node.child_by_field_name("name")


def _docstring(node: Node, language: str) -> str:
    if language == "python":
        body = node.child_by_field_name("body")
        first = body.named_children[0] if body is not None and body.named_children else None
        if first is not None and first.type == "expression_statement" and first.named_children and first.named_children[0].type == "string":
            return first.text.decode(errors="replace")
        return ""
    comments = []
    prev = node.prev_named_sibling
    row = node.start_point[0]
    while prev is not None and prev.type == "comment" and prev.end_point[0] >= row - 1:
        comments.append(prev.text.decode(errors="replace"))
        row = prev.start_point[0]
        prev = prev.prev_named_sibling
    return "\n".join(reversed(comments))


def _class_summary(node: Node, language: str, source: bytes, doc: str) -> str:
    """A long class as its header and the first line of each member: its interface."""
    body = node.child_by_field_name("body")
    head = source[node.start_byte:body.start_byte].decode(errors="replace").rstrip()
    members = []
    kinds = DEFINITIONS[language]
    for child in body.named_children:
        inner = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if child.type == "expression_statement" and child.named_children:
            inner = child.named_children[0]  # Python: `name: type = value` in a class body
        if inner is not None and (inner.type in kinds or inner.type in ("field_declaration", "public_field_definition")):
            line = source[inner.start_byte:inner.end_byte].decode(errors="replace").split("\n", 1)[0].rstrip(" {")
            members.append(line)
    indent = " " * 4
    if language == "python":
        lines = [head] + ([indent + doc.split("\n", 1)[0]] if doc else []) + [indent + m + " ..." for m in members[:12]]
        return "\n".join(lines if len(lines) > 1 else [head, indent + "..."])
    return (doc + "\n" if doc else "") + "\n".join([head + " {"] + [indent + m for m in members[:12]] + ["}"])


def _render(node: Node, language: str, source: bytes) -> str:
    full = source[node.start_byte:node.end_byte].decode(errors="replace")
    doc = _docstring(node, language)
    if full.count("\n") >= SHORT_BODY_LINES and DEFINITIONS[language].get(node.type) in ("class", "interface", "struct", "trait") and node.child_by_field_name("body") is not None:
        return _class_summary(node, language, source, doc)[:MAX_TAG_CHARS]
    if full.count("\n") < SHORT_BODY_LINES:
        text = full if language == "python" or not doc else doc + "\n" + full
    else:
        body = next((node.child_by_field_name(f) for f in _BODY_FIELDS if node.child_by_field_name(f)), None)
        head = source[node.start_byte:body.start_byte if body is not None else node.end_byte].decode(errors="replace")
        head = head.split("\n", 3)[:3]
        signature = "\n".join(head).rstrip()
        if language == "python":
            indent = " " * (node.start_point[1] + 4)
            text = signature + ("\n" + indent + doc if doc else "\n" + indent + "...")
        else:
            text = (doc + "\n" if doc else "") + signature + (" ..." if body is not None else "")
    # Indentation relative to the definition's own first line.
    first_col = node.start_point[1]
    lines = text.split("\n")
    text = "\n".join([lines[0]] + [ln[first_col:] if ln[:first_col].isspace() else ln for ln in lines[1:]])
    return text[:MAX_TAG_CHARS]


def extract_tags(tree: Tree | None, source: bytes, language: str | None) -> list[Tag]:
    """The file's definitions at module, class and namespace level (not locals)."""
    kinds = DEFINITIONS.get(language or "")
    if tree is None or not kinds:
        return []
    tags: list[Tag] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        kind = kinds.get(node.type)
        if kind is not None:
            name = _name(node, language)
            if name is not None:
                target = node.parent if node.type in ("assignment", "variable_declarator", "var_spec", "const_spec") else node
                tags.append(Tag(name.text.decode(errors="replace"), kind, node.start_point[0],
                                _render(target, language, source), target.end_point[0]))
        if node.type in _CONTAINERS or kind in ("class", "interface", "namespace", "trait", "struct", "enum"):
            stack.extend(reversed(node.named_children))
    tags.sort(key=lambda t: t.line)
    return tags
