import pytest

from atelier.context.languages import CORE_LANGUAGES, available_grammars, language_for, line_comment, make_parser

SAMPLES = {
    "python": b"def f(x):\n    return x + 1\n",
    "javascript": b"function f(x) { return x + 1; }\n",
    "typescript": b"function f(x: number): number { return x + 1; }\n",
    "tsx": b"const A = () => <div>{1}</div>;\n",
    "go": b"package main\nfunc f(x int) int { return x + 1 }\n",
    "rust": b"fn f(x: i32) -> i32 { x + 1 }\n",
    "java": b"class A { int f(int x) { return x + 1; } }\n",
    "c": b"int f(int x) { return x + 1; }\n",
    "cpp": b"template <class T> T f(T x) { return x + 1; }\n",
    "c_sharp": b"class A { int F(int x) { return x + 1; } }\n",
}


@pytest.mark.parametrize("name", CORE_LANGUAGES)
def test_every_core_grammar_loads_offline_and_parses_without_errors(name):
    parser = make_parser(name)
    assert parser is not None, f"no grammar for {name}"
    tree = parser.parse(SAMPLES[name])
    assert not tree.root_node.has_error
    assert tree.root_node.child_count > 0


def test_available_grammars_reports_all_core_languages():
    assert all(available_grammars().values())


@pytest.mark.parametrize(
    ("uri", "language_id", "expected"),
    [
        ("file:///a/b.py", None, "python"),
        ("file:///a/b.txt", "python", "python"),
        ("file:///a/b.tsx", None, "tsx"),
        ("file:///a/b.ts", "typescript", "typescript"),
        ("file:///a/b.cs", None, "c_sharp"),
        ("file:///a/b.hpp", None, "cpp"),
        ("file:///a/README", None, None),
        ("untitled:Untitled-1", "plaintext", None),
    ],
)
def test_language_for_prefers_language_id_then_extension(uri, language_id, expected):
    assert language_for(uri, language_id) == expected


def test_line_comment_syntax():
    assert line_comment("python") == "#"
    assert line_comment("rust") == "//"
