"""Arguments (context.next_edit_arguments): a call's arguments are left to the other predictors
when a comment stands among them."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit


def test_a_comment_among_a_calls_arguments_is_edited_as_a_comment_not_joined_onto_one_line():
    call = '(\n\t"{0}",\n\t"{0}.html",\n\n\t// See http://a.org/x/1\n\tQUnit[ edge ? "skip" : "test" ]\n);\n'
    src = "testIframe" + call.format("a") + "testIframe" + call.format("b")
    out = first_edit("javascript", src, "http://a.org/x/1", "https://a.org/x/1")
    assert out == src.replace("http:", "https:")
