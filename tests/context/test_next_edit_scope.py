"""Which names a function binds (context.next_edit_scope): its parameters, not the types in their
annotations nor the names in their defaults."""

from __future__ import annotations

from atelier.context.next_edit import parse
from atelier.context.next_edit_scope import _locals_of
from atelier.context.next_edit_tree import _bytes, _enclosing_function, _host
from tests.context.next_edit_helpers import first_edit


def _names_of_function(language: str, src: str, at: str, names: set[str]) -> set[str]:
    tree, nb = parse(language, src), _bytes(src)
    fn = _enclosing_function(_host(tree, nb, src.index(at)))
    return _locals_of(src, tree.root_node, nb, fn, names)


def test_a_parameters_annotation_and_default_are_not_its_functions_variables():
    src = "def send(self, message: Dict[str, Any], size: int = LIMIT):\n    return message\n"
    assert _names_of_function("python", src, "return", {"message", "size", "Dict", "Any", "int", "LIMIT"}) == \
        {"message", "size"}
    src = "function send(message: Record<string, Payload>, size: number = LIMIT) {\n  return message;\n}\n"
    assert _names_of_function("typescript", src, "return", {"message", "size", "Record", "Payload", "LIMIT"}) == \
        {"message", "size"}


def test_a_type_changed_in_a_signature_goes_to_the_same_signature_of_another_function():
    sig = "        self, message: Union[str, bytes, dict], binary: bool = False\n"
    src = ("class Socket:\n    def write_message(\n" + sig + "    ) -> None:\n        pass\n\n"
           "class Handler:\n    def write_message(\n" + sig + "    ) -> None:\n        pass\n")
    assert first_edit("python", src, "dict]", "Dict[str, Any]]") == src.replace("dict]", "Dict[str, Any]]")
