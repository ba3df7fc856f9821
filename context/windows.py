"""Prefix and suffix windows around the cursor, cut at line boundaries under a token budget."""

from __future__ import annotations

from typing import Callable

CountTokens = Callable[[str], int]

# A token is rarely shorter than this many characters: a bound that keeps a huge single
# line (minified code, data) from being tokenized whole on every keystroke.
_MAX_CHARS_PER_TOKEN = 8


def prefix_window(prefix: str, budget: int, count_tokens: CountTokens, anchor: int = 1) -> str:
    """The longest tail of `prefix` made of whole lines (plus the cursor's partial line,
    always kept) whose token count fits `budget` and that starts on a line number that is a
    multiple of `anchor`.

    The anchor keeps the window's first line fixed while the cursor moves: the model's cache
    holds the evaluated prompt, and any change to its start means evaluating all of it again.
    With anchor=32 the start moves in jumps of 32 lines instead of at every new line."""
    head, sep, current = prefix.rpartition("\n")
    current = _clip(current, budget, count_tokens, keep_end=True)
    if not sep:
        return current
    used = count_tokens(current)
    lines = head.split("\n")
    keep = 0
    for line in reversed(lines):
        cost = count_tokens(line + "\n")
        if used + cost > budget:
            break
        used += cost
        keep += 1
    start = len(lines) - keep
    # Round the start up to the anchor, but never give up more than half of the lines that
    # fit: with a small budget, a finer anchor.
    while start > 0 and anchor > 1:
        rounded = -(-start // anchor) * anchor
        if rounded - start <= keep // 2:
            start = rounded
            break
        anchor //= 2
    return "".join(line + "\n" for line in lines[start:]) + current


def suffix_window(suffix: str, budget: int, count_tokens: CountTokens) -> str:
    """The longest head of `suffix` made of the cursor line's rest plus whole lines that fits
    `budget`."""
    current, sep, tail = suffix.partition("\n")
    current = _clip(current, budget, count_tokens, keep_end=False)
    if not sep:
        return current
    used = count_tokens(current)
    kept: list[str] = []
    for line in tail.split("\n"):
        cost = count_tokens("\n" + line)
        if used + cost > budget:
            break
        used += cost
        kept.append(line)
    return current + "".join("\n" + line for line in kept)


def _clip(line: str, budget: int, count_tokens: CountTokens, keep_end: bool) -> str:
    """Shorten one line to the budget, keeping the end nearest the cursor."""
    limit = max(budget, 0) * _MAX_CHARS_PER_TOKEN
    if len(line) > limit:
        line = line[-limit:] if keep_end else line[:limit]
    while line and count_tokens(line) > budget:
        cut = max(1, len(line) // 4)
        line = line[cut:] if keep_end else line[:-cut]
    return line
