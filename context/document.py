"""An open document: its text and a tree-sitter tree kept current by incremental edits.

Positions are (line, character) with `character` counted in the client's position encoding
(UTF-16 code units unless the client negotiated otherwise).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import logging
import re
from typing import Literal

from tree_sitter import Tree

from atelier.context.languages import language_for, make_parser

log = logging.getLogger(__name__)

Encoding = Literal["utf-8", "utf-16", "utf-32"]

# Larger documents (generated code, data, logs) are kept as text but not parsed: a parse per
# keystroke would stall the server, and such files gain nothing from syntax-aware context.
MAX_PARSED_CHARS = 2_000_000
# Larger ones are not kept at all (memory): the server ignores them until they are reopened.
MAX_DOCUMENT_CHARS = 32_000_000

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PositionError(ValueError):
    """A position or range that does not exist in the document."""


class DocumentTooLarge(PositionError):
    """The text would exceed MAX_DOCUMENT_CHARS."""


def clean_text(text: str) -> str:
    """`text` with lone UTF-16 surrogates (JSON allows "\\ud800") replaced by U+FFFD: they
    cannot be encoded to UTF-8, which tree-sitter needs, and U+FFFD is as wide in UTF-16 and
    UTF-32 positions, so the client's positions still hold."""
    if text.isascii():
        return text
    try:
        text.encode()
        return text
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)


def _units(ch: str, encoding: Encoding) -> int:
    if encoding == "utf-32":
        return 1
    if encoding == "utf-16":
        return 2 if ord(ch) > 0xFFFF else 1
    return len(ch.encode())


class Document:
    def __init__(
        self,
        uri: str,
        text: str,
        language_id: str | None = None,
        version: int = 0,
        encoding: Encoding = "utf-16",
    ) -> None:
        self.uri = uri
        self.version = version
        self.encoding = encoding
        self.language = language_for(uri, language_id)
        text = clean_text(text)
        if len(text) > MAX_DOCUMENT_CHARS:
            raise DocumentTooLarge(f"{len(text)} characters, over the limit of {MAX_DOCUMENT_CHARS}")
        self._parser = make_parser(self.language) if len(text) <= MAX_PARSED_CHARS else None
        self._set_text(text)
        self.tree: Tree | None = self._parser.parse(self.text.encode()) if self._parser else None

    # -- text and positions -------------------------------------------------------------

    def _set_text(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self._line_starts = [0, *itertools.accumulate(len(line) + 1 for line in self.lines)]
        if text.isascii():
            self._byte_starts = self._line_starts
        else:
            self._byte_starts = [0, *itertools.accumulate(len(line.encode()) + 1 for line in self.lines)]

    def _column_index(self, line: int, character: int, strict: bool) -> int:
        """Python index within line `line` of the given column."""
        s = self.lines[line]
        if character < 0:
            raise PositionError(f"negative character {character}")
        if self.encoding == "utf-32" or s.isascii():
            if character > len(s):
                if strict:
                    raise PositionError(f"character {character} is past the end of line {line} ({len(s)})")
                return len(s)
            return character
        units = 0
        for i, ch in enumerate(s):
            if units >= character:
                return i
            units += _units(ch, self.encoding)
        if units < character and strict:
            raise PositionError(f"character {character} is past the end of line {line}")
        return len(s)

    def index_at(self, line: int, character: int, strict: bool = True) -> int:
        """Offset into `text` of a position. Strict: a column past the line's end is an error;
        otherwise it means the end of the line, as the LSP specification says."""
        if not 0 <= line < len(self.lines):
            raise PositionError(f"line {line} does not exist (the document has {len(self.lines)} lines)")
        return self._line_starts[line] + self._column_index(line, character, strict)

    def point_at(self, index: int) -> tuple[int, int, int]:
        """(byte offset, row, byte column) of a text offset, as tree-sitter counts them."""
        row = max(0, bisect.bisect_right(self._line_starts, index) - 1)
        col_bytes = len(self.text[self._line_starts[row]:index].encode())
        return self._byte_starts[row] + col_bytes, row, col_bytes

    # -- edits ----------------------------------------------------------------------------

    def apply_changes(self, changes: list[tuple[tuple[int, int, int, int] | None, str]], version: int | None = None) -> None:
        """Apply content changes in order: (start line, start char, end line, end char) or None
        for the whole text. All or nothing: a change that cannot apply leaves the document
        as it was and raises PositionError (DocumentTooLarge past MAX_DOCUMENT_CHARS)."""
        saved_text, saved_tree = self.text, self.tree
        try:
            for rng, new_text in changes:
                self._apply_one(rng, clean_text(new_text))
            if len(self.text) > MAX_DOCUMENT_CHARS:
                raise DocumentTooLarge(f"{len(self.text)} characters, over the limit of {MAX_DOCUMENT_CHARS}")
        except PositionError:
            self._set_text(saved_text)
            # tree.edit mutated the saved tree in place: parse afresh rather than trust it.
            self.tree = self._parser.parse(saved_text.encode()) if self._parser and saved_tree else None
            raise
        if version is not None:
            self.version = version
        if self._parser is not None and len(self.text) > MAX_PARSED_CHARS:
            self._parser, self.tree = None, None

    def state(self) -> dict[str, object]:
        """Version, size and digest of the text: what a client compares with its own copy."""
        return {"version": self.version, "chars": len(self.text), "lines": len(self.lines),
                "sha256": hashlib.sha256(self.text.encode()).hexdigest()}

    def _apply_one(self, rng: tuple[int, int, int, int] | None, new_text: str) -> None:
        if rng is None:
            self._set_text(new_text)
            self.tree = self._parser.parse(self.text.encode()) if self._parser else None
            return
        start = self.index_at(rng[0], rng[1], strict=False)
        end = self.index_at(rng[2], rng[3], strict=False)
        if end < start:
            raise PositionError(f"range end {rng[2]}:{rng[3]} is before its start {rng[0]}:{rng[1]}")
        start_byte, start_row, start_col = self.point_at(start)
        old_end_byte, old_end_row, old_end_col = self.point_at(end)
        self._set_text(self.text[:start] + new_text + self.text[end:])
        if self.tree is None or self._parser is None:
            return
        new_lines = new_text.split("\n")
        last = new_lines[-1].encode()
        new_end_row = start_row + len(new_lines) - 1
        new_end_col = (start_col + len(last)) if len(new_lines) == 1 else len(last)
        self.tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=start_byte + len(new_text.encode()),
            start_point=(start_row, start_col),
            old_end_point=(old_end_row, old_end_col),
            new_end_point=(new_end_row, new_end_col),
        )
        self.tree = self._parser.parse(self.text.encode(), self.tree)

