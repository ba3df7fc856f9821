"""Spelling: a misspelt word corrected in a comment, docstring or string → the next misspelt word
after it in the file's comments and strings, corrected.

Whoever fixes a typo in a file's prose is proofreading it: the next typo after it is fixed next,
and it is another word. A word is taken for a typo only when the English word list of
pyspellchecker (MIT; word counts from subtitles) does not know it, nor two common words run
together; one edit (a letter added, dropped or replaced, two neighbours swapped) inside it,
first and last letters kept, makes one word that is common in the list and written elsewhere
in the file (or, where no word of the list is one edit away, two edits inside a long word make
one common word of the file); and the word itself stands nowhere else in the file, in a name or
in prose (jargon recurs, typos do not).
"""

from __future__ import annotations

import functools
import logging
import re
import threading

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import LastEdit, Proposal, _line_span
from atelier.context.next_edit_tree import _bytes

log = logging.getLogger(__name__)


# Words shorter than this are abbreviations more often than typos (`args`, `init`, `bool`).
MIN_LETTERS = 5
# Two edits make a typo of a long word only (a short one is as likely another word: `tuples`).
FAR_LETTERS = 8
# How common (its count in the list) a correction must be: rarer words are as likely names.
MIN_COUNT = 200
# Another candidate more common than this share of the best one's count: ambiguous.
RIVAL_SHARE = 1 / 20
# Two words at least this common run together are a missing space (`backend`, `notme`), not a typo.
GLUED_COUNT = 10_000
# How far after the user's edit the next typo is looked for (characters): bounds the work.
MAX_SCAN = 40_000

# A plain word, lower case or capitalised; not a piece of a name (`foo_bar`, `$el`, `x1`,
# `a.b`), of a path or of a contraction (`doesn't`).
_WORD = re.compile(r"(?<![\w$.\-/\\])(?<!\w')([A-Z]?[a-z]+)(?![\w$\-/\\]|[.']\w)")
# Runs of letters long enough to be checked, in the lower-cased text.
_LOWER_RUN = re.compile(rf"[a-z]{{{MIN_LETTERS},}}")
# The leaves that hold a comment's or a string's text (not a name interpolated into a string).
_TEXT_NODES = frozenset({"comment", "string_content", "string_fragment", "string", "template_string"})
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# British and American spellings of one word (`behaviour`, `initialise`): neither is a typo.
_VARIANTS = (("our", "or"), ("is", "iz"), ("ys", "yz"), ("tre", "ter"), ("ogue", "og"), ("ence", "ense"))


_ready = threading.Event()
_starting = threading.Lock()
_loaded: list[dict[str, int]] = []  # the word list's counts, once read
_STARTED: list[threading.Thread] = []  # the thread that reads it, once started


def _load() -> None:
    try:
        from spellchecker import SpellChecker
        _loaded.append(SpellChecker(language="en", distance=1).word_frequency.dictionary)
    except Exception:  # an extra: without its word list the rule stays silent
        log.exception("the English word list could not be read")
        _loaded.append({})
    _ready.set()


def word_counts(wait: bool = False) -> dict[str, int] | None:
    """The English word list's counts. Reading it takes half a second: the first call starts
    that on a thread of its own and, unless `wait`, answers None at once, for propagation runs
    on the server's event loop and no keystroke should wait for it."""
    if not _ready.is_set():
        with _starting:
            if not _STARTED:
                _STARTED.append(threading.Thread(target=_load, name="atelier-word-list", daemon=True))
                _STARTED[0].start()
        if not wait:
            return None
        _ready.wait()
    return _loaded[0]


def _counts() -> dict[str, int]:
    return word_counts(wait=True)


def _edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Letters added, dropped, replaced or swapped between `a` and `b`, at most `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if prev2 is not None and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], limit)


def _in_text(node: Node | None) -> bool:
    return node is not None and node.type in _TEXT_NODES


def _spelling_fix(text: str, last: LastEdit) -> tuple[str, str, int] | None:
    """(old word, new word, where it stands) when the user's hunk replaced one plain word of
    its lines by a word of the list at most two letters away, and changed nothing else."""
    old = last.old_text(text)
    ls, le = _line_span(text, last.start, last.end)
    before, after = old[ls:le - len(last.after) + len(last.before)], text[ls:le]
    if _WORD.sub("", before) != _WORD.sub("", after):
        return None
    a, b = list(_WORD.finditer(before)), list(_WORD.finditer(after))
    changed = [(x, y) for x, y in zip(a, b) if x.group() != y.group()]
    if len(a) != len(b) or len(changed) != 1:
        return None
    x, y = changed[0]
    w0, w1 = x.group().lower(), y.group().lower()
    if w0 == w1 or _edit_distance(w0, w1) > 2 or w1 not in _counts():
        return None
    return x.group(), y.group(), ls + y.start()


@functools.lru_cache(maxsize=4096)
def _known_edits(word: str) -> frozenset[str]:
    """The words of the list one edit makes of `word`."""
    return frozenset(_counts().keys() & _edits(word))


def _correction(word: str) -> str | None:
    """The one common word that a single edit inside `word` (lower case, unknown to the list)
    makes of it, else None."""
    counts = _counts()
    found = _known_edits(word)
    if not found or any(counts.get(word[:i], 0) >= GLUED_COUNT and counts.get(word[i:], 0) >= GLUED_COUNT
                        for i in range(1, len(word))):
        return None
    best = max(found, key=counts.__getitem__)
    # Typos garble a word's inside: another first or last letter makes another word (an
    # inflection, `attaches` for `attached`; a prefix, `rtype`; jargon, `falsy` for `false`),
    # but for two letters swapped (`lenght`).
    swapped = len(best) == len(word) and sorted(best) == sorted(word)
    if (best[0] != word[0] or best[-1] != word[-1]) and not swapped or _variant(word, best):
        return None
    if counts[best] < MIN_COUNT or any(counts[w] > counts[best] * RIVAL_SHARE for w in found if w != best):
        return None
    return best


def _far_correction(word: str, vocabulary: set[str]) -> str | None:
    """The one word of the file (common in the list) that two edits inside the long `word` make
    of it; not the word with a prefix or an ending dropped (`scaffolded`)."""
    counts = _counts()
    if len(word) < FAR_LETTERS or any(counts.get(word[:i], 0) >= GLUED_COUNT and counts.get(word[i:], 0) >= GLUED_COUNT
                                      for i in range(1, len(word))):
        return None
    near = [w for w in vocabulary if w[0] == word[0] and w[-1] == word[-1] and abs(len(w) - len(word)) <= 2
            and not word.startswith(w) and not word.endswith(w) and _edit_distance(w, word) == 2]
    return near[0] if len(near) == 1 else None


def _edits(word: str) -> set[str]:
    """The words one letter added, dropped or replaced, or two neighbours swapped, make of `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(word)
    return out


def _variant(word: str, fix: str) -> bool:
    return any(word.replace(a, b) == fix or word.replace(b, a) == fix for a, b in _VARIANTS)


def propose_typo(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """A word respelt in a comment, docstring or string: the next misspelt word after it."""
    if tree is None or word_counts() is None:  # the list is still being read: nothing yet
        return None
    fix = _spelling_fix(text, last)
    if fix is None:
        return None
    nb, root = _bytes(text), tree.root_node
    if not _in_text(root.descendant_for_byte_range(nb.byte(fix[2]), nb.byte(fix[2] + 1))):
        return None
    return next_typo(text, tree, last.end)


def _written(lower: str, word: str) -> bool:
    """Whether `word` stands in the lower-cased text as a word or a name's word (`safely`,
    `run_safely`), not inside another word."""
    at = lower.find(word)
    while at != -1:
        end = at + len(word)
        if (at == 0 or not lower[at - 1].isalpha()) and (end == len(lower) or not lower[end].isalpha()):
            return True
        at = lower.find(word, end)
    return False


def next_typo(text: str, tree: Tree, start: int) -> Proposal | None:
    """The first misspelt word of a comment or string after `start`, corrected."""
    nb, root, counts = _bytes(text), tree.root_node, _counts()
    lower = text.lower()
    if len(lower) != len(text):
        return None  # a letter whose lower case is longer (`İ`): the offsets would not match
    # The words the list does not know, in the order they first come (C-speed passes: most
    # words of a file are known or names, and only the rest are looked at one by one).
    unknown = [w for w in set(_LOWER_RUN.findall(lower, start, min(len(text), start + MAX_SCAN))) if w not in counts]
    vocabulary = None
    for at, lw in sorted((lower.find(w, start), w) for w in unknown):
        m = _WORD.match(text, at)
        if m is None or m.end() != at + len(lw):
            continue  # a piece of a name (`someObject`), not a word
        # Jargon, not a typo: the word stands elsewhere in the file, alone or in a name.
        if not _in_text(root.descendant_for_byte_range(nb.byte(at), nb.byte(m.end()))) or lower.count(lw) != 1:
            continue
        correct = _correction(lw)
        if correct is None and not _known_edits(lw):  # no word one edit away: one two edits away?
            if vocabulary is None:
                vocabulary = {w for w in set(_LOWER_RUN.findall(lower)) if counts.get(w, 0) >= MIN_COUNT}
            correct = _far_correction(lw, vocabulary)
        # The file's own words confirm the correction: its writer (or the user, just now) spelt it so.
        if correct is None or not _written(lower, correct):
            continue
        word = m.group()
        new = correct.capitalize() if word[0].isupper() else correct
        return Proposal("repeat", (Edit(at, m.end(), new),), f"fix `{word}` → `{new}`")
    return None
