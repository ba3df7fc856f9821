"""Definitions extracted from real snippets in several languages."""

import pytest

from atelier.context.languages import make_parser
from atelier.context.tags import extract_tags

CASES = {
    "python": (
        b'import os\n\nclass Store:\n    """Keeps items."""\n    def get(self, key):\n        return self.d[key]\n\n'
        b'def load(path: str) -> "Store":\n    """Read a store from disk."""\n    s = Store()\n    s.d = {}\n'
        b'    for line in open(path):\n        k, v = line.split("=")\n        s.d[k] = v\n    return s\n\nLIMIT = 10\n',
        {"Store": "class", "get": "function", "load": "function", "LIMIT": "variable"},
    ),
    "javascript": (
        b"/** Adds. */\nfunction add(a, b) { return a + b; }\nclass Cart { total() { return 1; } }\n"
        b"export const TAX = 0.2;\nconst helper = (x) => x * 2;\n",
        {"add": "function", "Cart": "class", "total": "method", "TAX": "variable", "helper": "variable"},
    ),
    "typescript": (
        b"export interface Item { price: number }\nexport type Id = string;\n"
        b"export function total(items: Item[]): number { return 0; }\nenum Color { Red }\n",
        {"Item": "interface", "Id": "type", "total": "function", "Color": "enum"},
    ),
    "go": (
        b"package shop\n\n// Item is sold.\ntype Item struct { Price int }\n\nfunc (i Item) Double() int { return i.Price * 2 }\n\n"
        b"func Total(items []Item) int { return 0 }\n\nconst Tax = 20\n",
        {"Item": "type", "Double": "method", "Total": "function", "Tax": "constant"},
    ),
    "rust": (
        b"/// A point.\npub struct Point { x: i32 }\nimpl Point { pub fn norm(&self) -> i32 { self.x } }\n"
        b"pub fn origin() -> Point { Point { x: 0 } }\npub trait Shape { fn area(&self) -> f64; }\n",
        {"Point": "struct", "norm": "function", "origin": "function", "Shape": "trait"},
    ),
    "java": (
        b"package p;\npublic class Account {\n  /** Balance. */\n  public int balance() { return 0; }\n}\ninterface Audit {}\n",
        {"Account": "class", "balance": "method", "Audit": "interface"},
    ),
    "c": (
        b"#include <stdio.h>\n/* Adds two ints. */\nint add(int a, int b) { return a + b; }\nint sub(int a, int b);\n"
        b"struct point { int x; };\n#define MAX 10\n",
        {"add": "function", "sub": "function", "point": "struct", "MAX": "macro"},
    ),
    "cpp": (
        b"namespace geo {\nclass Circle {\n public:\n  double area() const { return 3.14; }\n};\n}\nint twice(int x) { return 2 * x; }\n",
        {"geo": "namespace", "Circle": "class", "twice": "function"},
    ),
}


@pytest.mark.parametrize("language", CASES)
def test_definitions_are_found_with_their_kind(language):
    source, expected = CASES[language]
    tags = extract_tags(make_parser(language).parse(source), source, language)
    found = {t.name: t.kind for t in tags}
    for name, kind in expected.items():
        assert found.get(name) == kind, (name, found)


def test_locals_are_not_definitions():
    source = b"def f():\n    inner = 1\n    def g():\n        pass\n    return inner\n"
    names = {t.name for t in extract_tags(make_parser("python").parse(source), source, "python")}
    assert names == {"f"}


def test_a_long_function_is_its_signature_and_docstring():
    source = CASES["python"][0]
    load = next(t for t in extract_tags(make_parser("python").parse(source), source, "python") if t.name == "load")
    assert load.text.startswith('def load(path: str) -> "Store":')
    assert "Read a store from disk." in load.text
    assert "split" not in load.text  # the body stays out


def test_a_short_definition_keeps_its_body_and_its_doc_comment():
    source = CASES["javascript"][0]
    add = next(t for t in extract_tags(make_parser("javascript").parse(source), source, "javascript") if t.name == "add")
    assert add.text == "/** Adds. */\nfunction add(a, b) { return a + b; }"


def test_a_long_class_is_its_interface():
    source = open(__file__.replace("context/test_tags.py", "data/inventory.py"), "rb").read()
    tags = extract_tags(make_parser("python").parse(source), source, "python")
    inventory = next(t for t in tags if t.name == "Inventory")
    assert "def total_value(self) -> float: ..." in inventory.text
    assert "items: list[Item]" in inventory.text


def test_syntax_errors_and_empty_files_do_not_fail():
    assert extract_tags(make_parser("python").parse(b""), b"", "python") == []
    broken = b"def ok():\n    return 1\n\ndef broken(:\n"
    names = {t.name for t in extract_tags(make_parser("python").parse(broken), broken, "python")}
    assert "ok" in names
    assert extract_tags(None, b"x", None) == []
