"""What the next-edit tests share: the suggestion the engine would show after one edit."""

from __future__ import annotations

from atelier.context.next_edit import LastEdit, acceptable, apply_edits, parse, propagate, rank


def first_edit(language: str, before: str, old: str, new: str, nth: int = 0, every: bool = False) -> str | None:
    """The text after the first suggested edit (`every`: all of them), once `old` (its nth
    occurrence) became `new`."""
    start = -1
    for _ in range(nth + 1):
        start = before.index(old, start + 1)
    text = before[:start] + new + before[start + len(old):]
    last = LastEdit(start, old, new)
    tree = parse(language, text)
    proposal = propagate(text, language, tree, last)
    if proposal is None:
        return None
    edits = acceptable(text, language, rank(text, proposal.edits, last.end), last, tree)
    return apply_edits(text, edits if every else edits[:1]) if edits else None
