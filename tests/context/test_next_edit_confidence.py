"""The propagation predictors stay silent when one matching place is not evidence enough
(context.next_edit_confidence and where the repeat and same-change predictors use it): each
rule withholds a suggestion where it should and still gives it where it should."""

from __future__ import annotations

import pytest

from atelier.context.next_edit import LastEdit, apply_edits, parse, propose_repeat, propose_span_repeat
from atelier.context.next_edit_confidence import reworded
from tests.context.next_edit_helpers import first_edit


DOCS = '''def get(url):
    """Send the body of the :class:`Request` as given."""
    return 1


def post(url):
    """Send the body of the :class:`Request` as given."""
    return 2
'''


def test_a_docstring_reworded_is_not_repeated_in_another_functions_docstring():
    assert first_edit("python", DOCS, "the body of", "the query string for") is None


def test_a_code_reference_requalified_in_a_docstring_still_is():
    after = first_edit("python", DOCS, ":class:`Request`", ":class:`models.Request`")
    assert after == DOCS.replace(":class:`Request`", ":class:`models.Request`")


def test_what_counts_as_rewording():
    assert reworded("Send the body.", "Send the query string.")
    assert not reworded("Wait to recieve it.", "Wait to receive it.")  # a respelling
    assert not reworded("Uses ``Exchange``.", "Uses ``kombu.Exchange``.")  # code, not words
    assert not reworded("(Exchange, str): the exchange", "(kombu.entity.Exchange, str): the exchange")
    assert not reworded("passed to func:`json.dumps`.", "passed to :func:`json.dumps`.")


def test_a_change_in_a_docstring_is_not_made_in_the_code_nor_the_other_way():
    src = ('def serve(body):\n    """Serve the body.\n\n    Sent as ``text/javascript`` by default.\n    """\n'
           '    return respond(body, mimetype="text/javascript")\n')
    assert first_edit("python", src, "text/javascript", "application/javascript") is None
    code = ('def serve(body):\n    respond(body, mimetype="text/javascript")\n'
            '    return other(body, mimetype="text/javascript", fast=True)\n')
    assert first_edit("python", code, "text/javascript", "application/javascript") == code.replace(
        "text/javascript", "application/javascript")


@pytest.mark.parametrize("src, head, old, new, local", [
    # an argument (the arguments predictor)
    ("def f(items):\n    limit = 10\n    send(items, timeout=30)\n\n\ndef g(items):\n    send(items, timeout=30)\n",
     "def g(items):\n", "timeout=30", "timeout=limit", "    limit = 5\n"),
    # the same text elsewhere (the same-change predictor)
    ("def f(amount):\n    rate = 3\n    total = amount * 2 + offset\n    return total\n\n\n"
     "def g(amount):\n    return amount * 2 + offset\n", "def g(amount):\n", "amount * 2", "amount * rate", "    rate = 4\n"),
])
def test_a_change_to_use_a_local_variable_stays_in_the_functions_that_have_it(src, head, old, new, local):
    assert first_edit("python", src, old, new) is None
    both = src.replace(head, head + local)
    assert first_edit("python", both, old, new) == both.replace(old, new)


GETTERS = """class Options {
  get json(): Record<string, any> | undefined {
    return this._json;
  }
  get form(): Record<string, any> | undefined {
    return this._form;
  }
}
"""


def _repeat(language: str, before: str, old: str, new: str):
    start = before.index(old)
    text = before[:start] + new + before[start + len(old):]
    return propose_repeat(text, LastEdit(start, old, new), parse(language, text))


def test_a_getters_signature_is_its_own_not_its_siblings():
    assert _repeat("typescript", GETTERS, "get json(): Record<string, any> | undefined", "get json(): any") is None
    text = GETTERS.replace("return this._json;", "return this._json ?? {};")
    found = _repeat("typescript", GETTERS, "return this._json;", "return this._json ?? {};")
    assert found is not None and apply_edits(text, found.edits) == text.replace("this._form;", "this._form ?? {};")


def test_a_part_of_a_getters_signature_is_not_repeated_on_the_other_getters():
    start = GETTERS.index("Record<string, any> | undefined")
    text = GETTERS[:start] + "object | undefined" + GETTERS[start + len("Record<string, any>"):]
    last = LastEdit(start, "Record<string, any>", "object")
    assert propose_span_repeat(text, last, parse("typescript", text)) is None
    body = "x = f(a, b)\ny = 1\nz = f(a, c)\n"
    last = LastEdit(4, "f(a", "g(a")
    text = body.replace("f(a, b)", "g(a, b)")
    found = propose_span_repeat(text, last, parse("python", text))
    assert found is not None and apply_edits(text, found.edits) == "x = g(a, b)\ny = 1\nz = g(a, c)\n"


def test_a_name_given_anew_is_its_places_own():
    js = ("module.exports = function (opts) {\n  return function *(){\n    yield next;\n  }\n}\n\n"
          "exports.logger = function (opts) {\n  return function *(){\n    yield next;\n  }\n}\n")
    assert first_edit("javascript", js, "return function *(){", "return function *responseTime(){") is None
    py = ("def a(h):\n    try:\n        return h['alg']\n    except KeyError:\n        raise InvalidToken('no alg')\n\n\n"
          "def b(h):\n    try:\n        return h['kid']\n    except KeyError:\n        raise InvalidToken('no kid')\n")
    # Nothing reads `e` yet: not `as e` on the other clause, but the raise of this one chained to it.
    assert first_edit("python", py, "except KeyError:", "except KeyError as e:") == \
        py.replace("except KeyError:", "except KeyError as e:", 1).replace("'no alg')", "'no alg') from e")
    used = py.replace("raise InvalidToken('no alg')", "raise InvalidToken('no alg') from e")
    assert first_edit("python", used, "except KeyError:", "except KeyError as e:") == \
        used.replace("except KeyError:", "except KeyError as e:")


def test_a_name_written_from_its_functions_name_is_not_written_in_a_function_named_otherwise():
    src = ("function watchFileCreated (filename) {\n  return new Promise((resolve) => {\n    const TIMEOUT = 2000\n"
           "    poll(filename, TIMEOUT, resolve)\n  })\n}\n\nfunction watchForWrite (filename) {\n"
           "  return new Promise((resolve) => {\n    const TIMEOUT = 2000\n    poll(filename, TIMEOUT, resolve)\n  })\n}\n")
    new = "const TIMEOUT = process.env.PINO_TEST_WAIT_WATCHFILE_TIMEOUT || 10000"
    assert first_edit("javascript", src, "const TIMEOUT = 2000", new) is None
    plain = "const TIMEOUT = process.env.PINO_TEST_TIMEOUT || 10000"  # the same setting for both
    assert first_edit("javascript", src, "const TIMEOUT = 2000", plain) == src.replace("const TIMEOUT = 2000", plain)
