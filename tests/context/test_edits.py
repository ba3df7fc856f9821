"""Model answers turned into edits: docstrings and doc comments in each language's style and
place, fence stripping, replacements that must parse, test frameworks and test files."""

import json
from pathlib import Path

import pytest

from atelier.context.edits import (
    EditError,
    block_closed,
    code_blocks,
    doc_finished,
    doc_text,
    document_edit,
    repeats_itself,
    replacement_edit,
    strip_fences,
    without_repeats,
)
from atelier.context.languages import make_parser
from atelier.context.syntax import error_count
from atelier.context.testgen import describe_target, detect_framework, plan_tests, skeleton, task, build_test_file

DATA = Path(__file__).parent.parent / "data"
INVENTORY = (DATA / "inventory.py").read_text()
CART = (DATA / "cart.js").read_text()
# Quotes and comment closers that would end a docstring or comment early if not escaped.
NASTY = 'Find the item named "name" and return it, or None */ when """ no item has that name.'


def errors(language: str, text: str) -> int:
    return error_count(make_parser(language).parse(text.encode()))


def documented(language: str, text: str, at: str, doc: str = "Add two numbers.") -> str:
    i = text.index(at)
    result = document_edit(text, language, i, i, doc).apply(text)
    assert errors(language, result) <= errors(language, text)
    return result


# -- fences and prose --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("```python\nx = 1\n```\nThis sets x.", "x = 1"),
        ("Here you go:\n\n```js\nlet a = 2;\n```\n```js\nlet b;\n```", "let a = 2;"),
        ("```\nx = 1\ny = 2", "x = 1\ny = 2"),  # cut off before its closing fence
        ("~~~go\nfunc f() {}\n~~~", "func f() {}"),
        ("x = 1\n", "x = 1"),
        ("````md\n```\ninner\n```\n````", "```\ninner\n```"),
    ],
)
def test_strip_fences(answer, code):
    assert strip_fences(answer) == code


def test_block_closed_and_code_blocks():
    assert not block_closed("```python\nx = 1\n")
    assert block_closed("```python\nx = 1\n```\nmore")
    assert code_blocks("a\n```\n1\n```\nb\n```\n2\n```") == ["1", "2"]


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        ("Here is the docstring:\n\nFind an item by name.", "Find an item by name."),
        ('```python\ndef find(name):\n    """Find an item by name."""\n    return None\n```', "Find an item by name."),
        ("/**\n * Adds two numbers.\n */", "Adds two numbers."),
        ("Return the **total** value", "Return the total value."),
        ("It finds things. It is fast.\n\nThe", "It finds things. It is fast."),
        ("One. Two. Three. Four. Five.", "One. Two. Three."),
    ],
)
def test_doc_text_keeps_plain_prose(answer, text):
    assert doc_text(answer) == text


def test_streaming_stops_once_enough_came():
    assert not doc_finished("Finds an item")
    assert doc_finished("Finds an item by name.\n\nIt")
    looping = ("It adds the two numbers. It returns their sum.\n\nIt returns their sum. It is simple.\n\n"
               "```python\nx = 1\n```\n\nIt is simple. It is")
    assert repeats_itself(looping)
    assert without_repeats(looping) == ("It adds the two numbers. It returns their sum.\n\nIt is simple.\n\n"
                                        "```python\nx = 1\n```")


# -- documentation in each language ------------------------------------------------------

def test_python_docstring_is_the_first_statement_of_the_body_with_the_body_indentation():
    result = documented("python", INVENTORY, "def find", NASTY)
    lines = result.split("\n")
    i = lines.index("    def find(self, name: str) -> Item | None:")
    assert lines[i + 1].startswith('        """Find the item named')
    tree = make_parser("python").parse(result.encode())
    find = next(n for n in _walk(tree.root_node) if n.type == "function_definition" and n.child_by_field_name("name").text == b"find")
    first = find.child_by_field_name("body").named_children[0]
    assert first.type == "expression_statement" and first.named_children[0].type == "string"
    assert errors("python", result) == 0


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def test_python_existing_docstring_is_replaced_and_one_line_bodies_are_split():
    source = 'def f():\n    """Old."""\n    return 1\n\n\ndef g(): return 2\n'
    assert documented("python", source, "def f", "New text.").startswith('def f():\n    """New text."""\n    return 1')
    assert 'def g():\n    """Two."""\n    return 2' in documented("python", source, "def g", "Two.")


def test_python_class_and_decorated_function_and_comment_first_body():
    source = "import functools\n\n\n@functools.cache\ndef f(x):\n    # why\n    return x\n\n\nclass A:\n    pass\n"
    result = documented("python", source, "return x", "Cache it.")
    assert '@functools.cache\ndef f(x):\n    """Cache it."""\n    # why\n' in result
    assert 'class A:\n    """An A."""\n    pass' in documented("python", source, "class A", "An A.")


def test_long_docstrings_are_wrapped_and_multi_line():
    doc = "Compute a value. " + "This sentence is long enough to need wrapping at the column limit. " * 2
    result = documented("python", INVENTORY, "def total_value", doc.strip())
    block = result[result.index('"""Compute'):]
    block = block[: block.index('"""', 3) + 3]
    assert block.count("\n") >= 2 and all(len(line) <= 88 for line in block.split("\n"))


@pytest.mark.parametrize(
    ("language", "source", "at", "expected"),
    [
        ("javascript", CART, "total() {", "  }\n\n  /**\n   * Add two numbers.\n   */\n  total() {"),
        ("javascript", CART, "function formatPrice", "}\n\n/**\n * Add two numbers.\n */\nfunction formatPrice"),
        ("javascript", "class C {\n  m(x) { return x; }\n}\n", "m(x)", "class C {\n  /**\n   * Add two numbers.\n   */\n  m(x)"),
        ("javascript", "export const f = (x) => x * 2;\n", "f =", "/**\n * Add two numbers.\n */\nexport const f"),
        ("typescript", "class A {\n  @dec\n  m(y: string): string { return y; }\n}\n", "m(y", "  /**\n   * Add two numbers.\n   */\n  @dec\n"),
        ("java", "class A {\n  /** Old. */\n  @Override\n  public int add(int a) { return a; }\n}\n", "add(",
         "class A {\n  /**\n   * Add two numbers.\n   */\n  @Override\n"),
        ("go", "package m\n\nfunc Sum(a, b int) int { return a + b }\n", "func Sum", "// Sum adds two numbers.\nfunc Sum"),
        ("rust", "#[inline]\npub fn add(a: i32) -> i32 { a }\n", "fn add", "/// Add two numbers.\n#[inline]\npub fn add"),
        ("c", "static int add(int a, int b) {\n  return a + b;\n}\n", "return", "/**\n * Add two numbers.\n */\nstatic int add"),
        ("cpp", "template <typename T>\nT add(T a, T b) { return a + b; }\n", "T add", "/**\n * Add two numbers.\n */\ntemplate <typename T>"),
        ("c_sharp", "class A {\n    public int Add(int a) { return a; }\n}\n", "Add(",
         "    /// <summary>\n    /// Add two numbers.\n    /// </summary>\n    public int Add"),
    ],
)
def test_doc_comments_above_the_declaration_in_the_language_style(language, source, at, expected):
    result = documented(language, source, at)
    assert expected in result, result
    assert errors(language, result) == errors(language, source) == 0


@pytest.mark.parametrize("language", ["javascript", "java", "c", "c_sharp", "rust", "go"])
def test_comment_closers_in_the_text_cannot_break_the_comment(language):
    sources = {
        "javascript": "function f() {}\n", "java": "class A { void f() {} }\n", "c": "void f(void) {}\n",
        "c_sharp": "class A { void f() {} }\n", "rust": "fn f() {}\n", "go": "package m\n\nfunc f() {}\n",
    }
    result = documented(language, sources[language], "f(", NASTY + " <tag> & more")
    assert errors(language, result) == 0


def test_nothing_to_document_is_an_error():
    with pytest.raises(EditError, match="no function"):
        document_edit("x = 1\n", "python", 0, 0, "Text.")
    with pytest.raises(EditError, match="no documentation text"):
        document_edit(INVENTORY, "python", INVENTORY.index("def find"), INVENTORY.index("def find"), "")


# -- replacing code ----------------------------------------------------------------------

def test_replacement_is_reindented_to_the_selection_and_covers_whole_lines():
    start = INVENTORY.index("total += item.price")
    answer = "```python\ntotal += item.price * max(item.quantity, 0)\n```\nThis clamps negatives."
    edit = replacement_edit(INVENTORY, "python", start, start + 5, answer)
    result = edit.apply(INVENTORY)
    assert "            total += item.price * max(item.quantity, 0)\n        return total" in result
    assert errors("python", result) == 0


def test_replacement_that_breaks_the_parse_is_refused_and_an_echo_is_no_change():
    start = INVENTORY.index("return a + b")
    with pytest.raises(EditError, match="does not parse"):
        replacement_edit(INVENTORY, "python", start, start, "```python\nreturn (a +\n```")
    with pytest.raises(EditError, match="already is"):
        replacement_edit(INVENTORY, "python", start, start, "return a + b")


def test_an_answer_that_rewrites_the_whole_function_replaces_the_function():
    start = INVENTORY.index("return a + b")
    scope = (INVENTORY.index("def add_numbers"), len(INVENTORY.rstrip("\n")))
    answer = "```python\ndef add_numbers(a: int, b: int) -> int:\n    return int(a) + int(b)\n```"
    result = replacement_edit(INVENTORY, "python", start, start, answer, [scope]).apply(INVENTORY)
    assert result.count("def add_numbers") == 1 and "return int(a) + int(b)" in result


# -- test frameworks and files -----------------------------------------------------------

def write(folder: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content)
    return folder


@pytest.mark.parametrize(
    ("language", "files", "source", "framework"),
    [
        ("python", {"pyproject.toml": "[tool.pytest.ini_options]\n"}, "pkg/m.py", "pytest"),
        ("python", {"tests/test_old.py": "import unittest\n"}, "m.py", "unittest"),
        ("python", {"conftest.py": ""}, "m.py", "pytest"),
        ("python", {}, "m.py", "pytest"),
        ("javascript", {"package.json": json.dumps({"devDependencies": {"vitest": "^1"}})}, "src/a.js", "vitest"),
        ("typescript", {"package.json": json.dumps({"devDependencies": {"jest": "^29"}})}, "a.ts", "jest"),
        ("javascript", {"package.json": json.dumps({"scripts": {"test": "mocha"}})}, "a.js", "mocha"),
        ("go", {"go.mod": "module m\n"}, "a.go", "go test"),
        ("rust", {"Cargo.toml": "[package]\nname = \"x\"\n"}, "src/lib.rs", "cargo test"),
        ("java", {"pom.xml": "<artifactId>junit-jupiter</artifactId>"}, "A.java", "JUnit 5"),
        ("java", {"build.gradle": "testImplementation 'junit:junit:4.13'"}, "A.java", "JUnit 4"),
    ],
)
def test_detect_framework_from_the_workspace(tmp_path, language, files, source, framework):
    root = write(tmp_path, files)
    assert detect_framework(language, root / source, root) == framework


def plan_for(root: Path, name: str, source: str, language: str, at: str):
    path = write(root, {name: source}) / name
    i = source.index(at)
    target = describe_target(source, language, i, i)
    return plan_tests(language, path, source, target, root), target


def test_python_tests_go_to_the_tests_folder_and_import_the_module(tmp_path):
    (tmp_path / "tests").mkdir()
    plan, target = plan_for(tmp_path, "src/shop/inventory.py", INVENTORY, "python", "def find")
    assert plan.path == str(tmp_path / "tests" / "test_inventory.py")
    assert plan.header == "from shop.inventory import Inventory\n"
    assert target.owner == "Inventory" and target.params == [("name", "str")]
    (tmp_path / "tests" / "test_inventory.py").write_text("")
    assert plan_for(tmp_path, "src/shop/inventory.py", INVENTORY, "python", "def find")[0].path.endswith("test_inventory2.py")


def test_js_go_rust_java_test_files(tmp_path):
    plan, _ = plan_for(tmp_path, "cart.js", CART, "javascript", "total() {")
    assert plan.path.endswith("cart.test.js") and plan.header == "const { Cart } = require('./cart');\n"
    plan, _ = plan_for(tmp_path, "calc.go", "package calc\n\nfunc Add(a, b int) int { return a + b }\n", "go", "Add")
    assert plan.path.endswith("calc_test.go") and plan.header.startswith("package calc\n")
    write(tmp_path, {"Cargo.toml": '[package]\nname = "my-calc"\n'})
    plan, _ = plan_for(tmp_path, "src/calc.rs", "pub fn add(a: i32) -> i32 { a }\n", "rust", "add")
    assert plan.path == str(tmp_path / "tests" / "calc_test.rs") and plan.header == "use my_calc::calc::add;\n"
    java = "package com.x;\n\npublic class Calc {\n  public static int add(int a) { return a; }\n}\n"
    plan, _ = plan_for(tmp_path, "src/main/java/com/x/Calc.java", java, "java", "add")
    assert plan.path == str(tmp_path / "src/test/java/com/x/CalcTest.java") and plan.header.startswith("package com.x;")


def test_model_tests_keep_their_parseable_head_without_a_copy_of_the_function(tmp_path):
    plan, target = plan_for(tmp_path, "inventory.py", INVENTORY, "python", "def add_numbers")
    answer = ("```python\ndef add_numbers(a: int, b: int) -> int:\n    return a + b\n```\n\n```python\n"
              "def test_add_numbers():\n    assert add_numbers(1, 2) == 3\n\ndef test_more(:\n```\nThese tests check it.")
    code = build_test_file(answer, plan, target)
    assert code == "from inventory import add_numbers\n\n\ndef test_add_numbers():\n    assert add_numbers(1, 2) == 3\n"
    assert "Write a pytest test function `test_add_numbers`" in task(plan, target)


def test_an_answer_without_tests_becomes_a_skeleton_that_calls_the_function(tmp_path):
    plan, target = plan_for(tmp_path, "inventory.py", INVENTORY, "python", "def add_numbers")
    code = build_test_file("I cannot write tests for that.", plan, target)
    assert "def test_add_numbers():" in code and "result = add_numbers(a, b)" in code
    assert errors("python", code) == 0


@pytest.mark.parametrize(
    ("name", "source", "language", "at", "calls"),
    [
        ("inventory.py", INVENTORY, "python", "def find", "Inventory().find(name)"),
        ("cart.js", CART, "javascript", "total() {", "new Cart().total()"),
        ("cart.ts", "export function total(xs: number[]): number { return 0; }\n", "typescript", "total", "total(xs)"),
        ("calc.go", "package calc\n\nfunc (c *Calc) Reset(x string) {}\n", "go", "Reset", "r.Reset(x)"),
        ("calc.rs", "pub fn add(a: i32, s: &str) -> i32 { a }\n", "rust", "add", "add(a, s)"),
        ("Calc.java", "class Calc {\n  public int add(int a) { return a; }\n}\n", "java", "add", "new Calc().add(a)"),
    ],
)
def test_skeletons_parse_in_every_language(tmp_path, name, source, language, at, calls):
    plan, target = plan_for(tmp_path, name, source, language, at)
    code = skeleton(plan, target)
    assert calls in code
    assert errors(language, code) == 0, code
