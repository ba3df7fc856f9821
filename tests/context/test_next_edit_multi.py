"""Several names renamed in one edit (context.next_edit_multi): each name's other uses."""

from __future__ import annotations

from atelier.context.next_edit import LastEdit, parse
from atelier.context.next_edit_multi import propose_multi_rename
from tests.context.next_edit_helpers import first_edit


def _multi(language: str, before: str, old: str, new: str):
    start = before.index(old)
    text = before[:start] + new + before[start + len(old):]
    return propose_multi_rename(text, parse(language, text), LastEdit(start, old, new))


def test_two_imported_names_renamed_at_once_are_renamed_where_they_are_used():
    src = ("import { makeBox, dropBox } from './boxes'\n\nexport function keep(x) {\n"
           "  const b = makeBox(x)\n  dropBox(b)\n  return makeBox(b)\n}\n")
    out = first_edit("typescript", src, "makeBox, dropBox }", "createBox, disposeBox }", every=True)
    assert out == src.replace("makeBox", "createBox").replace("dropBox", "disposeBox")


def test_two_parameters_renamed_at_once_are_renamed_in_their_function_only():
    src = ("def area(w, h):\n    return w * h\n\n\ndef scale(w, h, k):\n    return w * k, h * k\n")
    out = first_edit("python", src, "def area(w, h)", "def area(width, height)", every=True)
    assert out == src.replace("def area(w, h)", "def area(width, height)").replace(
        "return w * h", "return width * height")


def test_keys_renamed_together_are_left_to_their_own_objects():
    src = "const a = {x: 1, y: 2};\nconst b = {x: 3, y: 4};\nuse(a.x, b.y);\n"
    assert _multi("javascript", src, "{x: 1, y: 2}", "{left: 1, top: 2}") is None


def test_names_swapped_with_each_other_are_not_renames():
    src = "def f(a, b):\n    return g(a, b) + a\n"
    assert _multi("python", src, "g(a, b)", "g(b, a)") is None
