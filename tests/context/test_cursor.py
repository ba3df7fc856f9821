from atelier.context.cursor import analyse
from atelier.context.document import Document


def at(text: str, marker: str = "|", uri: str = "file:///x.py"):
    index = text.index(marker)
    doc = Document(uri, text.replace(marker, "", 1))
    return analyse(doc.text, index, doc.tree, doc.point_at(index)[0])


def test_mid_line_is_line_mode_with_the_rest_of_line():
    c = at("x = foo(|)\n")
    assert c.mode == "line"
    assert c.line_prefix == "x = foo("
    assert c.line_suffix == ")"


def test_empty_line_in_a_body_is_block_mode_with_its_indent():
    c = at("def f():\n    |\n")
    assert c.mode == "block"
    assert c.indent == "    "


def test_after_a_block_opener_is_block_mode():
    assert at("def f(x):|\n").mode == "block"
    assert at("function f() {|\n", uri="file:///x.js").mode == "block"


def test_end_of_a_partial_statement_is_line_mode():
    assert at("total = a +|\n").mode == "line"


def test_comment_and_string_are_detected_and_complete_one_line():
    c = at("# compute the |\n")
    assert c.in_comment and c.mode == "line"
    s = at('x = "hello |"\n')
    assert s.in_string and s.mode == "line"
