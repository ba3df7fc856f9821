import random

import pytest

from atelier.context.document import MAX_PARSED_CHARS, Document, PositionError

SOURCE = '''def greet(name):
    """Say hello."""
    return f"hello {name}"


class Greeter:
    def __init__(self, prefix):
        self.prefix = prefix
'''


def sexp(doc: Document) -> str:
    return str(doc.tree.root_node)


def fresh(text: str, uri="file:///x.py") -> Document:
    return Document(uri, text)


def test_incremental_edit_matches_full_reparse():
    doc = fresh(SOURCE)
    doc.apply_changes([((2, 11, 2, 26), "name.upper()")], version=2)
    assert doc.text.splitlines()[2] == "    return name.upper()"
    assert doc.version == 2
    assert sexp(doc) == sexp(fresh(doc.text))


def test_random_edit_sequence_keeps_text_and_tree_consistent():
    rng = random.Random(7)
    doc = fresh(SOURCE)
    text = SOURCE
    for step in range(200):
        lines = text.split("\n")
        l1 = rng.randrange(len(lines))
        c1 = rng.randrange(len(lines[l1]) + 1)
        l2 = rng.randrange(l1, min(len(lines), l1 + 2))
        c2 = rng.randrange(len(lines[l2]) + 1) if l2 > l1 else rng.randrange(c1, len(lines[l2]) + 1)
        new = rng.choice(["", "x", "(", "\n    ", "é", "😀", "return 1\n", ":"])
        doc.apply_changes([((l1, c1, l2, c2), new)])
        # the same edit on a plain string, in UTF-16 columns
        def idx(line, col):
            off = sum(len(x) + 1 for x in lines[:line])
            units = 0
            for i, ch in enumerate(lines[line]):
                if units >= col:
                    return off + i
                units += 2 if ord(ch) > 0xFFFF else 1
            return off + len(lines[line])
        text = text[: idx(l1, c1)] + new + text[idx(l2, c2):]
        assert doc.text == text, step
    assert sexp(doc) == sexp(fresh(text))


def test_utf16_columns_count_astral_characters_twice():
    doc = fresh('s = "😀x"\n')
    # "😀" is 2 UTF-16 units: column 7 is after it, before "x"
    assert doc.text[doc.index_at(0, 7)] == "x"
    utf8 = Document("file:///x.py", 's = "😀x"\n', encoding="utf-8")
    assert utf8.text[utf8.index_at(0, 9)] == "x"


def test_bad_change_leaves_document_unchanged():
    doc = fresh(SOURCE)
    before_tree = sexp(doc)
    with pytest.raises(PositionError):
        doc.apply_changes([((0, 0, 0, 3), "async def"), ((99, 0, 99, 1), "boom")], version=5)
    assert doc.text == SOURCE
    assert doc.version == 0
    assert sexp(doc) == before_tree


def test_reversed_range_is_rejected():
    doc = fresh(SOURCE)
    with pytest.raises(PositionError):
        doc.apply_changes([((2, 5, 1, 0), "")])
    assert doc.text == SOURCE


def test_strict_positions_reject_columns_past_line_end():
    doc = fresh("ab\ncd")
    assert doc.index_at(1, 2) == 5
    with pytest.raises(PositionError):
        doc.index_at(1, 3)
    with pytest.raises(PositionError):
        doc.index_at(2, 0)
    assert doc.index_at(0, 99, strict=False) == 2


def test_full_text_change_and_unknown_language():
    doc = Document("file:///notes.txt", "hello")
    assert doc.tree is None and doc.language is None
    doc.apply_changes([(None, "bye")])
    assert doc.text == "bye"


def test_incremental_edits_on_a_5000_line_file_stay_correct():
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(1700))  # ~5,100 lines
    doc = fresh(body)
    for _ in range(20):
        doc.apply_changes([((3001, 4, 3001, 4), "y = 1; ")])
    assert doc.lines[3001].startswith("    " + "y = 1; " * 20)
    assert sexp(doc) == sexp(fresh(doc.text))


def test_huge_documents_are_kept_as_text_without_a_tree():
    big = "x = 1\n" * (MAX_PARSED_CHARS // 6 + 1)
    doc = fresh(big)
    assert doc.tree is None
    doc.apply_changes([((0, 0, 0, 0), "y")])
    assert doc.text.startswith("yx = 1")
    grown = fresh("x = 1\n")
    grown.apply_changes([((1, 0, 1, 0), big)])
    assert grown.tree is None and grown.text.endswith(big)
