import pytest

from atelier.context.cursor import Cursor
from atelier.context.postprocess import block_finished, cut_partial, postprocess


def cur(prefix="", suffix="", mode="line"):
    indent = prefix[: len(prefix) - len(prefix.lstrip())]
    return Cursor(prefix, suffix, indent, mode)


def test_line_mode_stops_at_end_of_line():
    assert postprocess("foo(1)\nbar()", cur("x = "), "") == "foo(1)"


def test_never_returns_whitespace_only():
    assert postprocess("   \n  ", cur("x = "), "") == ""
    assert postprocess("\n\n\n", cur("    ", mode="block"), "") == ""


def test_closing_bracket_already_after_cursor_is_not_repeated():
    assert postprocess("a, b)", cur("f(", ")"), ")\n") == "a, b"
    # a balanced completion keeps its own brackets: the suffix closes the outer call
    assert postprocess("g(x)", cur("f(", ")"), ")\n") == "g(x)"


def test_block_mode_stops_at_dedent():
    raw = "\n    return x + 1\n\ndef other():\n    pass"
    assert postprocess(raw, cur("def f(x):", mode="block"), "\n") == "\n    return x + 1"


def test_block_mode_at_indented_empty_line_keeps_the_block():
    raw = "y = x * 2\n    return y\nprint(1)"
    assert postprocess(raw, cur("    ", mode="block"), "\n") == "y = x * 2\n    return y"


def test_block_mode_stops_where_the_suffix_already_continues():
    raw = "y = 1\n    z = 2\n    return y + z"
    suffix = "\n    return y + z\n"
    assert postprocess(raw, cur("    ", mode="block"), suffix) == "y = 1\n    z = 2"


def test_block_mode_caps_lines():
    raw = "a0 = 0\n" + "\n".join(f"    a{i} = {i}" for i in range(1, 50))
    out = postprocess(raw, cur("    ", mode="block"), "", max_lines=5)
    assert len(out.split("\n")) == 5


def test_block_finished_sees_a_dedent_only_once_the_line_is_complete():
    c = cur("def f(x):", mode="block")
    assert not block_finished("\n    y = x\n    return y", c, "\n")
    assert not block_finished("\n    y = x\n    return y\nde", c, "\n")  # the dedented line is not finished yet
    assert block_finished("\n    y = x\n    return y\ndef g():\n", c, "\n")


def test_block_finished_at_max_lines():
    c = cur("    ", mode="block")
    raw = "a = 1\n" + "".join(f"    a{i} = {i}\n" for i in range(10))
    assert block_finished(raw, c, "", max_lines=4)
    assert not block_finished("a = 1\n    b = 2\n", c, "", max_lines=4)


@pytest.mark.parametrize("raw, kept", [
    ("total = 0\n    for value in values:\n        tot", "total = 0\n    for value in values:"),  # finished lines
    ("return to", "return "),  # one line: without the name spelt halfway
    ("self.items.get", ""),  # nothing but a name cut short
    ("\n    retu", "\n    "),  # the block's first line not finished
    ("x = 1\n", "x = 1"),
])
def test_an_answer_cut_by_time_keeps_only_what_was_finished(raw, kept):
    assert cut_partial(raw) == kept
