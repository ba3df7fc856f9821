"""Fuzzing Document.apply_changes against a reference model: whatever the changes, the text
is the reference's (all of them applied, or none), and the incrementally edited syntax tree
is the one a fresh parse gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from atelier.context.document import Document, PositionError
from atelier.context.languages import make_parser
from tests.context.document_reference import Refused, apply, clean
from tests.fuzzing import fuzz_settings

# Code-like pieces plus the characters that break position arithmetic: astral (two UTF-16
# units, four UTF-8 bytes), accented, NUL, CR, a lone surrogate (JSON can carry one).
PIECES = ["def f(a):\n", "    return a\n", "x = 1\n", "(", ")", ":", "\n", " ", "\t", "a", "é", "😀", "\0", "\r\n",
          "\ud800", "class C:\n    pass\n", '"""doc"""', "#"]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
coords = st.integers(min_value=-2, max_value=14)
ranges = st.one_of(st.none(), st.tuples(coords, coords, coords, coords))
changes = st.lists(st.tuples(ranges, texts), min_size=1, max_size=4)


@fuzz_settings(300)
@given(text=texts, batches=st.lists(changes, min_size=1, max_size=5), encoding=st.sampled_from(["utf-16", "utf-8", "utf-32"]))
def test_changes_apply_whole_or_not_at_all(text, batches, encoding):
    doc = Document("file:///fuzz.py", text, "python", 1, encoding)
    expected = clean(text)
    for version, batch in enumerate(batches, start=2):
        try:
            expected_after = apply(expected, batch, encoding)
        except Refused:
            expected_after = None
        try:
            doc.apply_changes(batch, version)
            applied = True
        except PositionError:
            applied = False
        assert applied == (expected_after is not None), (expected, batch)
        if applied:
            expected = expected_after
        assert doc.text == expected
        assert doc.lines == expected.split("\n")
        assert doc.version == (version if applied else doc.version)
    fresh = make_parser("python").parse(doc.text.encode())
    if not fresh.root_node.has_error:  # error recovery may differ between incremental and fresh
        assert str(doc.tree.root_node) == str(fresh.root_node)
