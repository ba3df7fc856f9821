"""Assertion rewrites (context.next_edit_asserts): a `self.assertX(…)` call made a bare `assert`
→ the next call of the same method below, rewritten the same way with its own arguments."""

from __future__ import annotations

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit import LastEdit, parse
from atelier.context.next_edit_asserts import propose_assert_rewrite
from tests.context.next_edit_helpers import first_edit


def _rewrite(src: str, old: str, new: str):
    """propose_assert_rewrite alone once `old` became `new` (other predictors may still act)."""
    start = src.index(old)
    text = src[:start] + new + src[start + len(old):]
    trimmed = minimal(src, Edit(start, start + len(old), new))
    last = LastEdit(trimmed.start, src[trimmed.start:trimmed.end], trimmed.new_text)
    return propose_assert_rewrite(text, "python", parse("python", text), last)


TESTS = (
    "class TestEncoder(TestCase):\n"
    "    def test_decimal(self):\n"
    "        d = Decimal(3.14)\n"
    "        self.assertEqual(d, float(d))\n"
    "\n"
    "    def test_time(self):\n"
    "        self.assertTrue(self.ready)\n"
    "        self.assertEqual(self.encoder.default(now), now.isoformat())\n"
    "\n"
    "    def test_name(self):\n"
    "        self.assertEqual(View().name(), 'View')\n"
)


def test_an_assert_equal_made_a_bare_assert_rewrites_the_next_assert_equal_with_its_own_arguments():
    out = first_edit("python", TESTS, "self.assertEqual(d, float(d))", "assert d == float(d)")
    assert out == TESTS.replace("self.assertEqual(d, float(d))", "assert d == float(d)").replace(
        "self.assertEqual(self.encoder.default(now), now.isoformat())",
        "assert self.encoder.default(now) == now.isoformat()")


def test_arguments_written_over_two_lines_are_joined_in_the_assert():
    src = ("def test_keys(self):\n"
           "    self.assertEqual(set(data.keys()),\n"
           "                     set(['a', 'b']))\n"
           "    self.assertEqual(set(other.keys()),\n"
           "                     set(['c']))\n")
    out = first_edit("python", src, "self.assertEqual(set(data.keys()),\n                     set(['a', 'b']))",
                     "assert set(data.keys()) == set(['a', 'b'])")
    assert out.endswith("    assert set(other.keys()) == set(['c'])\n")


def test_the_next_call_of_another_assertion_method_is_left_alone():
    src = "def test_a(self):\n    self.assertEqual(a, 1)\n    self.assertIn(b, c)\n"
    assert _rewrite(src, "self.assertEqual(a, 1)", "assert a == 1") is None


def test_a_comparison_with_true_or_none_is_not_written_with_the_users_operator():
    # `assertEqual(x, True)` became `assert x is True`: `is` goes with the constant, not with 14.
    src = ("def test_valid(self):\n"
           "    self.assertEqual(form.is_valid(), True)\n"
           "    self.assertEqual(f.size, 14)\n"
           "    self.assertEqual(g.ok(), True)\n")
    assert _rewrite(src, "self.assertEqual(form.is_valid(), True)", "assert form.is_valid() is True") is None
    # and an `== None` is not what one writes either
    src2 = "def test_a(self):\n    self.assertEqual(a, 1)\n    self.assertEqual(b, None)\n"
    assert _rewrite(src2, "self.assertEqual(a, 1)", "assert a == 1") is None


def test_an_argument_that_binds_looser_than_a_comparison_stays_as_it_is():
    src = "def test_a(self):\n    self.assertEqual(a, 1)\n    self.assertEqual(b or c, 2)\n"
    assert _rewrite(src, "self.assertEqual(a, 1)", "assert a == 1") is None


def test_an_assert_that_adds_its_own_words_is_no_template():
    src = "def test_a(self):\n    self.assertEqual(a, 1)\n    self.assertEqual(b, 2)\n"
    assert _rewrite(src, "self.assertEqual(a, 1)", "assert len(a) == 1") is None
