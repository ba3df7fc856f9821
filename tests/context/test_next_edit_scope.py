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


def test_a_closures_outer_variable_written_into_a_line_goes_only_where_that_variable_is_read():
    def copier(kind: str) -> str:
        return (f"def copy_{kind}(func):\n    {kind}_context = stack.top.copy()\n\n"
                f"    async def wrapper(*args, **kwargs):\n        async with {kind}_context:\n"
                "            return await func(*args, **kwargs)\n\n    return wrapper\n\n\n")
    src = copier("app") + copier("request")
    old, new = "await func(*args", "await app_context.app.ensure_async(func)(*args"
    assert first_edit("python", src, old, new) is None  # request's wrapper has no `app_context`
    twice = copier("app") + copier("app").replace("copy_app", "copy_app_again")
    assert first_edit("python", twice, old, new) == twice.replace(old, new)
