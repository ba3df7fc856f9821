"""Turn raw model output into the text to insert at the cursor."""

from __future__ import annotations

from context.cursor import Cursor

_OPEN, _CLOSE = "([{", ")]}"


def _indent_width(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _bracket_balance(text: str) -> int:
    """Openers minus closers: negative when `text` closes brackets opened before it."""
    return sum(text.count(c) for c in _OPEN) - sum(text.count(c) for c in _CLOSE)


def _cut_block(text: str, cursor: Cursor, next_line: str, max_lines: int) -> str:
    """Keep the lines of one block: stop at a dedent below where the block started, at the
    line that already follows the cursor, or after `max_lines`."""
    lines = text.split("\n")
    kept = [lines[0]]
    # The block's indentation: the first non-empty generated line's own, or the cursor's.
    base = None
    if lines[0].strip():
        base = _indent_width(cursor.line_prefix + lines[0])
    for line in lines[1:]:
        if line.strip():
            width = _indent_width(line)
            if base is None:
                base = width
            elif width < base:
                break
            if next_line and line.strip() == next_line:
                break
        kept.append(line)
        if sum(1 for k in kept if k.strip()) >= max_lines:
            break
    return "\n".join(kept)


def postprocess(raw: str, cursor: Cursor, suffix: str, max_lines: int = 16) -> str:
    """Trim `raw` to what fits the cursor: one line in line mode, one block in block mode,
    without repeating text that already follows the cursor. Returns "" when nothing useful
    is left (never white space alone)."""
    text = raw.replace("\r\n", "\n")
    rest_of_line = cursor.line_suffix.strip()
    if cursor.mode == "line":
        text = text.split("\n", 1)[0]
    else:
        # The first non-empty line after the cursor's line: the model often re-emits it.
        following = [ln.strip() for ln in suffix.split("\n")[1:] if ln.strip()]
        text = _cut_block(text, cursor, following[0] if following else "", max_lines)
    text = text.rstrip()
    # Mid-line: drop a tail that repeats what stands after the cursor, when the completion
    # closes brackets opened before the cursor (so the suffix's closer is the same one).
    if rest_of_line and text.endswith(rest_of_line):
        trimmed = text[: -len(rest_of_line)]
        if _bracket_balance(text) < 0 or not trimmed.strip() or text == rest_of_line:
            text = trimmed.rstrip() if trimmed.strip() else ""
    if not text.strip():
        return ""
    return text


def block_finished(text: str, cursor: Cursor, suffix: str, max_lines: int = 16) -> bool:
    """While a block streams in: whether its finished lines already contain its end (a dedent,
    the line that follows the cursor, or `max_lines`), so generation can stop early."""
    finished = text[: text.rfind("\n")] if "\n" in text else ""
    if not finished.strip():
        return False
    following = [ln.strip() for ln in suffix.split("\n")[1:] if ln.strip()]
    return len(_cut_block(finished, cursor, following[0] if following else "", max_lines)) < len(finished)
