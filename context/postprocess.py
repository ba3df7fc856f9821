"""Turn raw model output into the text to insert at the cursor."""

from __future__ import annotations

import re

from atelier.context.cursor import Cursor

_OPEN, _CLOSE = "([{", ")]}"


def _indent_width(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _bracket_balance(text: str) -> int:
    """Openers minus closers: negative when `text` closes brackets opened before it."""
    return sum(text.count(c) for c in _OPEN) - sum(text.count(c) for c in _CLOSE)


# A line that starts a new definition: at a dedent, the model has left the code it was
# writing for the next function, method or class.
_DEFINITION = re.compile(
    r"(?:@|(?:(?:export|default|pub|public|private|protected|internal|static|async|abstract|final|override)\s+)*"
    r"(?:def|class|function|fn|func|interface|struct|enum|impl|trait|type|module|namespace)\b)"
)


def _following(suffix: str) -> str:
    """The first non-empty line after the cursor's line: the model often re-emits it."""
    start = suffix.find("\n") + 1 if "\n" in suffix else len(suffix)
    while start < len(suffix):
        end = suffix.find("\n", start)
        line = suffix[start:] if end == -1 else suffix[start:end]
        if line.strip():
            return line
        start = len(suffix) if end == -1 else end + 1
    return ""


def _cut_block(text: str, cursor: Cursor, suffix: str, max_lines: int) -> str:
    """Keep the lines of one block: stop where the model leaves the definition it was
    writing, at the line that already follows the cursor, or after `max_lines`.

    A dedent back to column 0, or to a line that starts a new definition, leaves it. A
    smaller dedent closes an inner block and goes on in an enclosing one (an `else:`, the
    statements after a loop): cutting there lost a third of the correct multi-line
    completions of HumanEval infilling (canonical solutions fed as the model's output, see
    tests/lsp_server/test_bench_humaneval.py). A brace that closes too much, or code that
    no longer fits, is for the syntax guard (context/syntax.py) to refuse."""
    lines = text.split("\n")
    kept = [lines[0]]
    next_line = _following(suffix)
    # The block's indentation: the first non-empty generated line's own, or the cursor's.
    base = None
    if lines[0].strip():
        base = _indent_width(cursor.line_prefix + lines[0])
    for line in lines[1:]:
        if line.strip():
            width = _indent_width(line)
            if base is None:
                base = width
            elif width < base and (width == 0 or _DEFINITION.match(line.lstrip())):
                break
            # The following line at its own indentation: the same statement at another
            # depth (the `return x` of an inner block) is still part of the block.
            if next_line and line.strip() == next_line.strip() and width == _indent_width(next_line):
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
        text = _cut_block(text, cursor, suffix, max_lines)
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


_WORD_TAIL = re.compile(r"[\w.]*\w$")


def cut_partial(raw: str) -> str:
    """The useful head of an answer whose time ran out mid-stream: its finished lines when it
    has any, else its one line without the word it was spelling (`return to` of `return
    total` is a wrong name, `return` a start the user can type on from)."""
    text = raw.replace("\r\n", "\n")
    if "\n" in text.lstrip("\n"):
        head = text[: text.rfind("\n")]
        if head.strip():
            return head
    return _WORD_TAIL.sub("", text)


def block_finished(text: str, cursor: Cursor, suffix: str, max_lines: int = 16) -> bool:
    """While a block streams in: whether its finished lines already contain its end (a dedent,
    the line that follows the cursor, or `max_lines`), so generation can stop early."""
    finished = text[: text.rfind("\n")] if "\n" in text else ""
    if not finished.strip():
        return False
    return len(_cut_block(finished, cursor, suffix, max_lines)) < len(finished)
