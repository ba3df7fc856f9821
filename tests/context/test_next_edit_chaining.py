"""Exception chaining (context.next_edit_chaining): `raise … from err` inside `except` clauses."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit

SRC = ("def load(path):\n    try:\n        data = read(path)\n    except OSError as err:\n"
       "        raise LoadError(f'cannot read {path}')\n    try:\n        return parse(data)\n"
       "    except ValueError:\n        raise LoadError(\n            'not JSON'\n        )\n    except KeyError:\n        raise\n")


def test_a_raise_chained_to_its_exception_chains_the_next_raise_in_an_except_clause():
    once = first_edit("python", SRC, "raise LoadError(f'cannot read {path}')", "raise LoadError(f'cannot read {path}') from err",
                      every=True)
    assert once == SRC.replace("{path}')", "{path}') from err").replace("except ValueError:", "except ValueError as err:") \
        .replace("'not JSON'\n        )", "'not JSON'\n        ) from err")  # a bare `raise` re-raises: left as it is


def test_an_except_clause_bound_to_a_name_chains_its_own_raise_to_it():
    src = SRC.replace("except OSError as err:", "except OSError:")
    out = first_edit("python", src, "except OSError:", "except OSError as err:")
    assert out == src.replace("except OSError:", "except OSError as err:").replace("{path}')", "{path}') from err")


def test_a_raise_outside_an_except_clause_is_not_chained():
    src = "def f(x):\n    try:\n        g()\n    except E as e:\n        raise X()\n    raise Y()\n"
    assert first_edit("python", src, "raise X()", "raise X() from e") is None
