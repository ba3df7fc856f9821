"""A reference model of LSP text synchronisation, written independently of
context.document: what the text must be after a didChange, for the fuzz tests."""

from __future__ import annotations

import re


class Refused(Exception):
    pass


def _width(ch: str, encoding: str) -> int:
    if encoding == "utf-32":
        return 1
    if encoding == "utf-16":
        return 2 if ord(ch) > 0xFFFF else 1
    return len(ch.encode())


def clean(text: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


def offset(text: str, line: int, character: int, encoding: str) -> int:
    """A position's offset; a column past the line's end means its end (LSP), a column inside
    a character means the end of that character; a line that does not exist is refused."""
    lines = text.split("\n")
    if line < 0 or line >= len(lines) or character < 0:
        raise Refused
    start = sum(len(s) + 1 for s in lines[:line])
    units = 0
    for i, ch in enumerate(lines[line]):
        if units >= character:
            return start + i
        units += _width(ch, encoding)
    return start + len(lines[line])


def apply(text: str, changes: list, encoding: str = "utf-16") -> str:
    """All changes in order, or Refused (and the caller keeps `text`)."""
    for rng, new in changes:
        new = clean(new)
        if rng is None:
            text = new
            continue
        start, end = offset(text, rng[0], rng[1], encoding), offset(text, rng[2], rng[3], encoding)
        if end < start:
            raise Refused
        text = text[:start] + new + text[end:]
    return text
