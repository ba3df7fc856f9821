import pytest

from atelier.context.languages import make_parser
from atelier.context.scope import enclosing

CASES = [
    ("python", 'class Shop:\n    def total(self, items):\n        """Sum."""\n        s = 0\n        |\n', ["Shop", "total"]),
    ("javascript", "class Cart {\n  total(items) {\n    let s = 0;\n    |\n  }\n}\n", ["Cart", "total"]),
    ("go", "package p\nfunc Total(items []int) int {\n\ts := 0\n\t|\n}\n", ["Total"]),
    ("rust", "impl Shop {\n    fn total(&self) -> i32 {\n        |\n    }\n}\n", ["total"]),
    ("java", "class Shop {\n  int total(int[] items) {\n    |\n  }\n}\n", ["Shop", "total"]),
    ("c", "int total(int *items, int n) {\n  int s = 0;\n  |\n}\n", ["total"]),
]


@pytest.mark.parametrize(("language", "source", "names"), CASES)
def test_enclosing_definitions_outermost_first(language, source, names):
    at = source.index("|")
    text = (source[:at] + source[at + 1:]).encode()
    byte = len(source[:at].encode())
    scopes = enclosing(make_parser(language).parse(text), byte, language, text)
    assert [s.name for s in scopes] == names


def test_python_scope_text_is_signature_and_docstring():
    source = 'def total(self, items):\n    """Sum the items."""\n    s = 0\n    for i in items:\n        s += i\n'
    text = source.encode()
    scope = enclosing(make_parser("python").parse(text), len(text) - 2, "python", text)[0]
    assert scope.text == 'def total(self, items):\n    """Sum the items."""'


def test_outside_any_definition_there_is_none():
    text = b"x = 1\n"
    assert enclosing(make_parser("python").parse(text), 3, "python", text) == []
