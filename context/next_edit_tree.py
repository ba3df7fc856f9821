"""What the predictors read from the tree-sitter parse: byte offsets ↔ text indices, the name node
at an occurrence, a name's role, the function, definition, import or comment around a place.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable
from typing import TypeVar

from tree_sitter import Node, Tree

from atelier.context.languages import make_parser
from atelier.context.next_edit_hunks import _DIRECTIVE

T = TypeVar("T")


_NAME_NODES = frozenset({"identifier", "property_identifier", "shorthand_property_identifier", "type_identifier",
                         "field_identifier", "shorthand_property_identifier_pattern", "private_property_identifier"})
_FUNCTION_NODES = frozenset({"function_definition", "lambda", "function_declaration", "function_expression",
                             "arrow_function", "method_definition", "function", "generator_function_declaration",
                             "generator_function", "method_declaration", "function_item"})
_DEFINITION_NODES = frozenset({"function_definition", "class_definition", "function_declaration", "class_declaration",
                               "method_definition", "generator_function_declaration"})
_CALL_NODES = frozenset({"call", "call_expression", "new_expression", "method_invocation"})
_PARAMETER_NODES = frozenset({"parameters", "formal_parameters", "lambda_parameters"})
_IMPORT_NODES = frozenset({"import_statement", "import_from_statement", "future_import_statement"})
_MEMBER_NODES = frozenset({"attribute", "member_expression"})


class _Bytes:
    """Python indices of tree-sitter byte offsets and back (a line table for non-ASCII text)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self._table: tuple[list[int], list[int]] | None = None

    def _lines(self) -> tuple[list[int], list[int]]:
        if self._table is None:
            chars, raw, c, b = [], [], 0, 0
            for line in self.text.split("\n"):
                chars.append(c)
                raw.append(b)
                c += len(line) + 1
                b += len(line.encode()) + 1
            self._table = (chars, raw)
        return self._table

    def index(self, byte: int) -> int:
        if self.ascii:
            return byte
        chars, raw = self._lines()
        i = max(0, bisect.bisect_right(raw, byte) - 1)
        line = self.text[chars[i]:chars[i + 1] - 1 if i + 1 < len(chars) else len(self.text)]
        return chars[i] + len(line.encode()[:byte - raw[i]].decode(errors="replace"))

    def byte(self, index: int) -> int:
        if self.ascii:
            return index
        chars, raw = self._lines()
        i = max(0, bisect.bisect_right(chars, index) - 1)
        return raw[i] + len(self.text[chars[i]:index].encode())

    def node(self, node: Node) -> tuple[int, int]:
        return self.index(node.start_byte), self.index(node.end_byte)


def per_text(fn: Callable[[str], T]) -> Callable[[str], T]:
    """`fn(text)` computed once for the text the predictors are looking at (the same string
    object asked again gets the kept value; another text replaces it)."""
    last: list[tuple[str, T]] = []

    @functools.wraps(fn)
    def kept(text: str) -> T:
        if not (last and last[0][0] is text):
            last[:] = [(text, fn(text))]
        return last[0][1]

    return kept


@per_text
def _bytes(text: str) -> _Bytes:
    """The offset table of `text`."""
    return _Bytes(text)


def _name_at(root: Node, nb: _Bytes, at: int, name: str) -> Node | None:
    """The tree's name node for the word `name` at text index `at`, if it is one."""
    b0 = nb.byte(at)
    b1 = b0 + len(name.encode())
    node = root.descendant_for_byte_range(b0, b1)
    if node is not None and node.start_byte == b0 and node.end_byte == b1 and node.type in _NAME_NODES:
        return node
    return None


def _text(node: Node | None) -> str:
    return node.text.decode(errors="replace") if node is not None and node.text is not None else ""


def _role(node: Node) -> str:
    parent = node.parent
    if parent is None:
        return "name"
    if parent.type == "attribute" and parent.child_by_field_name("attribute") == node:
        return "member"
    if parent.type == "pair" and parent.child_by_field_name("key") == node:
        return "key"  # (before members: a JavaScript key is a property_identifier too)
    if node.type in ("property_identifier", "field_identifier", "private_property_identifier"):
        return "member"
    if parent.type == "keyword_argument" and parent.child_by_field_name("name") == node:
        return "keyword"
    if node.type in ("shorthand_property_identifier", "shorthand_property_identifier_pattern"):
        return "shorthand"  # `{name}`: a key and a variable at once
    return "name"


def _enclosing_function(node: Node | None) -> Node | None:
    while node is not None:
        if node.type in _FUNCTION_NODES and node.is_named:  # not the `function` keyword itself
            return node
        node = node.parent
    return None


# Classes, in the languages parsed (Python, JavaScript, TypeScript).
_CLASS_NODES = frozenset({"class_definition", "class_declaration", "class"})


def _enclosing_class(node: Node | None) -> Node | None:
    while node is not None and not (node.type in _CLASS_NODES and node.is_named):
        node = node.parent
    return node


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _in_import(tree: Tree | None, nb: _Bytes, index: int) -> bool:
    """Whether text[index] lies among the names an import statement imports (not in the
    module it imports them from)."""
    if tree is None:
        return False
    node = tree.root_node.descendant_for_byte_range(nb.byte(index), nb.byte(index))
    while node is not None:
        if node.type in _IMPORT_NODES:
            source = node.child_by_field_name("module_name") or node.child_by_field_name("source")
            return source is None or not (source.start_byte <= nb.byte(index) <= source.end_byte)
        node = node.parent
    return False


def parse(language: str | None, text: str) -> Tree | None:
    parser = make_parser(language)
    return parser.parse(text.encode()) if parser is not None else None


def _defines(node: Node) -> bool:
    """Whether this name is the one a `def`/`class`/`function` statement defines (another
    definition of the same name is another function, not a use)."""
    parent = node.parent
    return parent is not None and parent.type in _DEFINITION_NODES and parent.child_by_field_name("name") == node


def _owner(node: Node) -> str:
    """The object an attribute is read from, as written (`self` in `self.a`)."""
    parent = node.parent
    return _text(parent.child_by_field_name("object")) if parent is not None and parent.type in _MEMBER_NODES else ""


# The parts of a string literal's node.
_STRING_PARTS = frozenset({"string_content", "string_start", "string_end", "escape_sequence"})


def _string_of(node: Node | None) -> Node | None:
    """The string a part of it belongs to (else `node` itself)."""
    while node is not None and node.type in _STRING_PARTS:
        node = node.parent
    return node


def _string_opened_at(tree: Tree, nb: _Bytes, index: int) -> Node | None:
    """The Python string whose prefix or opening quote starts at text[index] (`u'a'`, `'a'`)."""
    b = nb.byte(index)
    start = tree.root_node.descendant_for_byte_range(b, b + 1)
    string = start.parent if start is not None and start.type == "string_start" else None
    return string if string is not None and string.type == "string" and string.start_byte == b else None


def _ancestor(node: Node | None, types: frozenset[str] | tuple[str, ...],
              stop: frozenset[str] = frozenset()) -> Node | None:
    """`node` or the nearest node around it of one of `types`, not looked for past one of `stop`."""
    while node is not None and node.type not in types:
        node = None if node.type in stop else node.parent
    return node


def _descendants(node: Node):
    """`node` and the nodes inside it, in document order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _prose(node: Node | None) -> bool:
    """A comment, or a Python docstring."""
    node = _string_of(node)
    if node is None:
        return False
    if node.type == "comment":
        return True
    return node.type == "string" and node.parent is not None and node.parent.type == "expression_statement" \
        and node.parent.named_child_count == 1


def _callee(node: Node) -> Node | None:
    return node.child_by_field_name("function") or node.child_by_field_name("constructor") or node.child_by_field_name("name")


def _function_name(fn: Node) -> Node | None:
    name = fn.child_by_field_name("name")
    if name is None and fn.parent is not None and fn.parent.type == "variable_declarator":
        name = fn.parent.child_by_field_name("name")
    return name if name is not None and name.type in _NAME_NODES else None


def _is_method(fn: Node) -> bool:
    if fn.type == "method_definition":
        return True
    parent = fn.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return parent is not None and parent.type == "block" and parent.parent is not None \
        and parent.parent.type == "class_definition"


def _imported(node: Node) -> bool:
    parent = node.parent
    for _ in range(4):
        if parent is None:
            return False
        if parent.type in _IMPORT_NODES or parent.type in ("import_specifier", "import_clause", "namespace_import"):
            return True
        parent = parent.parent
    return False


def _host(tree: Tree | None, nb: _Bytes, index: int) -> Node | None:
    return tree.root_node.descendant_for_byte_range(nb.byte(index), nb.byte(index)) if tree is not None else None


def _directive(node: Node | None) -> bool:
    """A comment that tells a tool about its own line (`# type: ignore[...]`, `// eslint-...`)."""
    return node is not None and node.type == "comment" and _DIRECTIVE.search(_text(node)) is not None


def _in_type(node: Node | None) -> bool:
    while node is not None and node.type not in _PARAMETER_NODES and node.type not in _FUNCTION_NODES:
        if node.type in ("type_annotation", "type"):
            return True
        node = node.parent
    return False


def _parameters_of(tree: Tree | None, nb: _Bytes, index: int) -> Node | None:
    """The function whose parameter list holds text[index], if any."""
    node = _host(tree, nb, index)
    while node is not None:
        if node.type in _PARAMETER_NODES:
            return node.parent
        if node.type in _FUNCTION_NODES or node.type in ("block", "statement_block"):
            return None
        node = node.parent
    return None


def _parameter_at(tree: Tree | None, nb: _Bytes, index: int) -> Node | None:
    """The parameter (an item of a parameter list) that holds text[index], if any."""
    node = _host(tree, nb, index)
    while node is not None and node.parent is not None and node.parent.type not in _PARAMETER_NODES:
        if node.type in _FUNCTION_NODES or node.type in ("block", "statement_block"):
            return None
        node = node.parent
    return node if node is not None and node.parent is not None else None


def _parameter_typed(tree: Tree | None, nb: _Bytes, index: int) -> str | None:
    """The name of the parameter whose annotation or default holds text[index] (`x` for the
    `int` of `x: int = 0`), else None (also on the name itself)."""
    node = _parameter_at(tree, nb, index)
    if node is None or node.type in _NAME_NODES:
        return None
    name = node.child_by_field_name("name") or node.child_by_field_name("pattern") \
        or next((c for c in node.named_children if c.type in _NAME_NODES), None)
    inside = name is not None and name.start_byte <= nb.byte(index) < name.end_byte
    return _text(name) if name is not None and name.type in _NAME_NODES and not inside else None


def _commented(tree: Tree | None, nb: _Bytes, last) -> bool:
    """Whether the user's edit wrote into a comment (a note added at a line's end): the line's
    own, not a change its siblings share."""
    return bool(last.after) and _prose(_host(tree, nb, last.end - 1))
