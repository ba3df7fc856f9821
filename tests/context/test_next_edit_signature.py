"""A call's new keyword argument added to its definition (context.next_edit_signature)."""

from __future__ import annotations

from atelier.context.next_edit import LastEdit, parse
from atelier.context.next_edit_signature import propose_signature
from tests.context.next_edit_helpers import first_edit


def _signature(before: str, old: str, new: str):
    """The proposal once `old` became `new`, read as the insertion the editor reports."""
    start = before.index(old)
    text = before[:start] + new + before[start + len(old):]
    assert new.startswith(old[:-1]) and new.endswith(old[-1])
    at = start + len(old) - 1
    proposal = propose_signature(text, parse("python", text), LastEdit(at, "", new[len(old) - 1:-1]))
    assert proposal is None or proposal.edits
    return proposal


def test_a_method_called_with_a_new_keyword_through_self_takes_that_parameter():
    src = ("class Shop:\n    def total(self, cart, tax=0):\n        return sum(cart) + tax\n\n"
           "    def bill(self, cart, rate):\n        return self.total(cart, tax=rate)\n")
    out = first_edit("python", src, "tax=rate)", "tax=rate, rounding=2)")
    assert out == src.replace("tax=rate)", "tax=rate, rounding=2)").replace(
        "def total(self, cart, tax=0)", "def total(self, cart, tax=0, rounding=None)")


def test_a_module_function_called_with_a_new_keyword_takes_that_parameter():
    src = "def load(path):\n    return open(path).read()\n\n\ntext = load(name)\n"
    out = first_edit("python", src, "load(name)", "load(name, encoding='utf-8')")
    assert out == src.replace("load(name)", "load(name, encoding='utf-8')").replace(
        "def load(path)", "def load(path, encoding=None)")


def test_a_definition_that_takes_any_keyword_is_left_as_it_is():
    src = "def load(path, **options):\n    return path\n\n\ntext = load(name)\n"
    assert _signature(src, "load(name)", "load(name, encoding='utf-8')") is None


def test_a_method_of_another_object_or_defined_twice_is_left_as_it_is():
    src = ("class A:\n    def run(self, x):\n        return x\n\n    def start(self):\n        return self.run(0)\n\n\n"
           "class B(A):\n    def run(self, x):\n        return x + 1\n\n\ndef go(a):\n    return a.run(1)\n")
    assert _signature(src, "self.run(0)", "self.run(0, fast=True)") is None  # B's `run` would not take it
    assert _signature(src, "a.run(1)", "a.run(1, fast=True)") is None


def test_a_keyword_the_definition_already_takes_is_left_as_it_is():
    src = "def load(path, encoding=None):\n    return path\n\n\ntext = load(name)\n"
    assert _signature(src, "load(name)", "load(name, encoding='utf-8')") is None


def test_a_variable_passed_as_one_more_argument_becomes_the_definitions_last_parameter():
    src = ("class Pagination:\n    def paginate(self, queryset, request):\n        paginator = Paginator(queryset)\n"
           "        number = self.get_page_number(request)\n        return number\n\n"
           "    def get_page_number(self, request):\n        return request.query_params.get('page')\n")
    out = first_edit("python", src, "self.get_page_number(request)", "self.get_page_number(request, paginator)")
    assert out.endswith("    def get_page_number(self, request, paginator):\n        return request.query_params.get('page')\n")
    # a definition that already takes more (a default) is called right as it is
    opt = src.replace("def get_page_number(self, request):", "def get_page_number(self, request, paginator=None):")
    assert first_edit("python", opt, "self.get_page_number(request)", "self.get_page_number(request, paginator)") is None
