"""Import fallbacks (context.next_edit_fallback): a directive on one side, the other side too."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit

SRC = ("try:\n    import cryptography\n    from cryptography import x509\nexcept ImportError:\n"
       "    cryptography = None\n    x509 = None\n\n\ndef info():\n    return cryptography\n")


def test_a_directive_on_an_import_goes_to_the_assignment_that_stands_in_for_it():
    out = first_edit("python", SRC, "    import cryptography\n", "    import cryptography  # type: ignore\n")
    assert out == SRC.replace("    import cryptography\n", "    import cryptography  # type: ignore\n") \
        .replace("cryptography = None", "cryptography = None  # type: ignore")


def test_a_directive_on_the_try_goes_to_its_except_line_and_a_note_goes_nowhere():
    out = first_edit("python", SRC, "try:\n", "try:  # pragma: no cover\n")
    assert out == SRC.replace("try:\n", "try:  # pragma: no cover\n").replace("except ImportError:", "except ImportError:  # pragma: no cover")
    assert first_edit("python", SRC, "try:\n", "try:  # the optional extra\n") is None


def test_a_directive_on_an_import_goes_to_the_import_that_stands_in_for_it_in_the_except():
    src = ("try:\n    from importlib import metadata\nexcept ImportError:\n    try:\n"
           "        import importlib_metadata as metadata\n    except ImportError:\n        pass\n\n"
           "import os\n")
    out = first_edit("python", src, "from importlib import metadata\n", "from importlib import metadata  # type: ignore\n")
    assert out == src.replace("import metadata\n", "import metadata  # type: ignore\n") \
        .replace("as metadata\n", "as metadata  # type: ignore\n")
    other = src.replace("as metadata", "as meta")  # a module under another name stands in for nothing
    assert first_edit("python", other, "from importlib import metadata\n", "from importlib import metadata  # type: ignore\n") is None
