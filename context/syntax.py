"""A syntax guard: a completion may not make the code around the cursor parse worse.

Small models sometimes answer with prose or Markdown fences, or are cut off mid-construct.
Comparing tree-sitter error counts with and without the completion catches both, whatever the
language, and keeps the longest run of whole lines that does no harm.
"""

from __future__ import annotations

import re

from tree_sitter import Tree

from atelier.context.languages import make_parser

# Errors are local in tree-sitter, so a window around the cursor judges as well as the file.
_WINDOW_CHARS = 8000


def error_count(tree: Tree) -> int:
    count = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        if node.has_error:
            stack.extend(node.children)
    return count


def keep_parseable(language: str | None, text: str, index: int, completion: str) -> str:
    """`completion`, or its longest head of whole lines, that adds no syntax error at
    `text[index]`; "" if even its first line does. Unchanged for languages without a grammar."""
    parser = make_parser(language)
    if parser is None or not completion:
        return completion
    start = text.rfind("\n", 0, max(0, index - _WINDOW_CHARS)) + 1
    end = text.find("\n", index + _WINDOW_CHARS)
    before, after = text[start:index], text[index:] if end == -1 else text[index:end]
    baseline = error_count(parser.parse((before + after).encode()))
    lines = completion.split("\n")
    for keep in range(len(lines), 0, -1):
        candidate = "\n".join(lines[:keep]).rstrip()
        if not candidate.strip():
            continue
        # A one-line answer that opens a call or a literal and leaves it open is code still
        # being written (the next lines close it): judge it as if closed. A block left open
        # is a cut one: not.
        closed = candidate if "\n" in candidate else candidate + _closers(candidate)
        if error_count(parser.parse((before + closed + after).encode())) <= baseline:
            return candidate
    return ""


_PAIRS = {"(": ")", "[": "]", "{": "}"}
_STRING = re.compile(r"""("|')(?:\\.|(?!\1)[^\\\n])*\1""")


def _closers(code: str) -> str:
    """The brackets that close what `code` leaves open, innermost first ("" when it is
    balanced, or closes more than it opens)."""
    stack: list[str] = []
    for ch in _STRING.sub("", code):
        if ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                return ""
    return "".join(reversed(stack))
