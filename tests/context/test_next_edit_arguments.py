"""Arguments (context.next_edit_arguments): a call's arguments are left to the other predictors
when a comment stands among them."""

from __future__ import annotations

from atelier.context.next_edit import LastEdit, parse, propose_arguments
from tests.context.next_edit_helpers import first_edit


def test_a_comment_among_a_calls_arguments_is_edited_as_a_comment_not_joined_onto_one_line():
    call = '(\n\t"{0}",\n\t"{0}.html",\n\n\t// See http://a.org/x/1\n\tQUnit[ edge ? "skip" : "test" ]\n);\n'
    src = "testIframe" + call.format("a") + "testIframe" + call.format("b")
    out = first_edit("javascript", src, "http://a.org/x/1", "https://a.org/x/1")
    assert out == src.replace("http:", "https:")


def _inserted(src: str, after: str, new: str):
    """propose_arguments once `new` is inserted after the text `after`."""
    at = src.index(after) + len(after)
    text = src[:at] + new + src[at:]
    return propose_arguments(text, parse("javascript", text), LastEdit(at, "", new))


def test_an_argument_added_to_one_of_many_calls_of_a_function_is_not_added_to_all():
    calls = [f"it('case {i}', function (done) {{\n  done();\n}});\n" for i in range(12)]
    assert _inserted("".join(calls), "it('case 3', ", "{ parallel: false }, ") is None
    few = _inserted("".join(calls[:4]), "it('case 3', ", "{ parallel: false }, ")
    assert few is not None and len(few.edits) == 3


def test_an_argument_added_to_a_call_is_not_proposed_for_calls_above_it_only():
    src = "def f():\n    log(a)\n    x = 1\n    y = 2\n    log(a)\n"
    assert first_edit("python", src, "log(a)", "log(a, b=1)", nth=1) is None
    assert first_edit("python", src, "log(a)", "log(a, b=1)") == src.replace("log(a)", "log(a, b=1)")


def test_an_argument_written_over_lines_is_changed_at_the_other_calls_keeping_their_lines():
    src = ("function min(n) {\n    return function (value) {\n        if (value < n) errors.add('number.min', key, {\n"
           "            value: value\n        }, keyPath);\n    };\n}\n\nfunction max(n) {\n    return function (value) {\n"
           "        if (value > n) errors.add('number.max', key, {\n            value: value\n        }, keyPath);\n    };\n}\n")
    out = first_edit("javascript", src, "value: value", "value: n")
    assert out == src.replace("value: value", "value: n")


def test_an_argument_added_to_a_call_adds_the_parameter_to_the_function_defined_below():
    src = ("function get (self, key) {\n  var hit = self.cache[key]\n  shiftLU(hit)\n  return hit\n}\n\n"
           "function shiftLU (hit) {\n  delete self.lruList[hit.lu]\n}\n\n"
           "function peek (self, key) {\n  var hit = self.cache[key]\n  shiftLU(hit)\n}\n")
    out = first_edit("javascript", src, "shiftLU(hit)", "shiftLU(self, hit)")
    assert out == src.replace("shiftLU(hit)", "shiftLU(self, hit)", 1).replace("shiftLU (hit)", "shiftLU (self, hit)")
    every = first_edit("javascript", src, "shiftLU(hit)", "shiftLU(self, hit)", every=True)
    assert every == src.replace("shiftLU(hit)", "shiftLU(self, hit)").replace("shiftLU (hit)", "shiftLU (self, hit)")
    # A function that takes more than the call passed (a default): it may take the new one already.
    optional = src.replace("shiftLU (hit)", "shiftLU (hit, force = false)")
    every = first_edit("javascript", optional, "shiftLU(hit)", "shiftLU(self, hit)", every=True)
    assert every == optional.replace("shiftLU(hit)", "shiftLU(self, hit)")  # the other call only


def test_an_argument_added_to_a_method_call_through_self_adds_the_parameter_to_the_method():
    src = ("class Form:\n    def validate(self, value, strict):\n        return self._check(value)\n\n"
           "    def _check(self, item):\n        return bool(item)\n")
    out = first_edit("python", src, "self._check(value)", "self._check(value, strict)")
    assert out == src.replace("self._check(value)", "self._check(value, strict)").replace(
        "def _check(self, item):", "def _check(self, item, strict):")


def test_an_argument_added_with_the_call_laid_out_anew_goes_to_the_calls_laid_out_alike_in_that_layout():
    src = ("def register(self):\n    warnings.warn(\n        'Use `add` instead.', DeprecationWarning\n    )\n\n\n"
           "def deregister(self):\n    warnings.warn(\n        'Use `remove` instead.', DeprecationWarning\n    )\n")
    old = "'Use `add` instead.', DeprecationWarning\n"
    new = "'Use `add` instead.',\n        DeprecationWarning,\n        stacklevel=2,\n"
    out = first_edit("python", src, old, new)
    assert out == src.replace(old, new).replace(
        "'Use `remove` instead.', DeprecationWarning\n", "'Use `remove` instead.',\n        DeprecationWarning,\n        stacklevel=2,\n")
