from atelier.context.syntax import keep_parseable

PY = "def multiply(a, b):\n    \n\nprint(multiply(2, 3))\n"
PY_AT = PY.index("    \n") + 4


def test_valid_python_body_is_kept():
    assert keep_parseable("python", PY, PY_AT, "return a * b") == "return a * b"


def test_markdown_fence_and_prose_are_refused():
    assert keep_parseable("python", PY, PY_AT, "```\n\nThis function multiplies two numbers.") == ""


def test_a_block_cut_mid_construct_keeps_its_complete_lines():
    js = "function total(items) {\n  \n}\n"
    at = js.index("  \n") + 2
    completion = "let sum = 0;\n  for (const i of items) {\n    sum += i;"
    assert keep_parseable("javascript", js, at, completion) == "let sum = 0;"


def test_completion_that_fixes_a_half_typed_line_is_kept():
    js = "function f(a, b) {\n  return a +\n}\n"
    at = js.index("a +") + 3
    assert keep_parseable("javascript", js, at, " b;") == " b;"


def test_languages_without_grammar_are_not_judged():
    assert keep_parseable(None, "hello ", 6, "```") == "```"


def test_a_call_opened_on_the_last_line_is_kept_as_code_being_written():
    text = "def configure(converter):\n    converter.\n    return converter\n"
    index = text.index("converter.\n") + len("converter.")
    assert keep_parseable("python", text, index, "register_unstructure_hook(") == "register_unstructure_hook("
    assert keep_parseable("python", text, index, "register(datetime, [") == "register(datetime, ["
