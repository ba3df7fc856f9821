"""Spelling (context.next_edit_typos): a typo fixed in a comment, docstring or string → the next
typo of the file's prose, another word, corrected; nothing where the word is jargon, the
correction ambiguous, or the user's edit not a spelling fix."""

from __future__ import annotations

import subprocess
import sys

import pytest

from atelier.context.next_edit_typos import _correction, _far_correction, word_counts
from tests.context.next_edit_helpers import first_edit


@pytest.fixture(autouse=True, scope="module")
def _word_list():
    word_counts(wait=True)  # read on its own thread at first use: these tests want it read


PY = '''"""Settings kept in one file, written separately from the cache."""


def load(path):
    # Read the configuraton file and return its text.
    with open(path) as handle:
        return handle.read()


def save(path, text):
    """Write the settings; the cache is written seperately."""
    with open(path, "w") as handle:
        handle.write(text)
'''


def test_the_next_typo_after_a_spelling_fix_is_corrected():
    after = first_edit("python", PY, "configuraton", "configuration")
    assert after == PY.replace("configuraton", "configuration").replace("written seperately", "written separately")


def test_a_typo_in_a_string_after_a_fix_in_a_comment_keeps_its_capital():
    src = ("// Retrun the value of the flag.\n"
           "function flag(name) {\n"
           "  return lookup(name) || fail('Unknown flag. Seperately defined flags are not read.');\n"
           "}\n"
           "// Flags are defined separately.\n")
    after = first_edit("javascript", src, "Retrun", "Return")
    assert after == src.replace("Retrun", "Return").replace("Seperately", "Separately")


def test_a_long_word_two_edits_from_a_word_of_the_file_is_corrected():
    src = ("def start(job):\n"
           "    # Run the job immediately unless it is pasued.\n"
           "    job.run()\n\n\n"
           "def stop(job):\n"
           "    # Stop the job: a paused job stops immedaitley too.\n"
           "    job.stop()\n")
    after = first_edit("python", src, "pasued", "paused")
    assert after == src.replace("pasued", "paused").replace("immedaitley", "immediately")


def test_a_typo_that_is_also_a_name_in_the_file_is_left_alone():
    src = PY + "\n\nseperately = True\n"
    assert first_edit("python", src, "configuraton", "configuration") is None


def test_a_correction_the_file_does_not_use_is_not_proposed():
    src = PY.replace("written separately from", "kept apart from")
    assert first_edit("python", src, "configuraton", "configuration") is None


def test_a_rename_in_code_is_not_a_spelling_fix():
    src = PY.replace("def load(path):", "def lood(path):")
    assert first_edit("python", src, "def lood(", "def load(") is None


def test_words_that_are_not_typos_get_no_correction():
    assert _correction("seperately") == "separately"
    assert _correction("lenght") == "length"  # the last two letters swapped
    assert _correction("attaches") is None  # `attached`, another last letter: an inflection
    assert _correction("rtype") is None  # a prefix letter: jargon
    assert _correction("backend") is None  # two words run together: not `backed`
    assert _correction("behaviour") is None  # a British spelling
    assert _correction("recieves") is None  # receives or relieves: ambiguous
    assert _far_correction("scaffolded", {"scaffold"}) is None  # an ending, not two typos
    assert _far_correction("tuples", {"types"}) is None  # a short word: another word


def test_the_first_spelling_fix_does_not_wait_for_the_word_list_and_a_later_one_gets_its_answer():
    # A process of its own: the word list is read once per process, at its first use.
    script = f"""
from atelier.context.next_edit import LastEdit, parse
from atelier.context.next_edit_typos import propose_typo, word_counts
src = {PY!r}
at = src.index("configuraton")
text = src[:at] + "configuration" + src[at + len("configuraton"):]
last = LastEdit(at + len("configurat"), "", "i")
tree = parse("python", text)
print(propose_typo(text, tree, last) is None)
word_counts(wait=True)
print(propose_typo(text, tree, last).edits[0].new_text)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "separately"]
