"""LSP base-protocol framing that survives a misbehaving client, over stdio and TCP alike.

pygls' loop reads headers with `readline()` and a body with `read(n)`. It trusts what it
reads: a header line without "\\r\\n" makes it lose every later message, a huge
Content-Length makes it allocate that much memory at once (MemoryError ends the server),
and a line without a newline is read into memory whole. `FramedReader` sits between the
input (stdin, or the TCP connection's socket as a buffered file: transport.tcp) and that
loop: it parses frames itself, within limits, skips what is not a frame (logged), and hands
pygls only well-formed "Content-Length: N\\r\\n\\r\\n" frames.
"""

from __future__ import annotations

import logging
import re
from typing import BinaryIO

log = logging.getLogger(__name__)

# A whole document travels in one didOpen/didChange: the limit sits above
# context.document.MAX_DOCUMENT_CHARS (4 bytes per character at worst, plus JSON).
MAX_MESSAGE_BYTES = 160 * 1024 * 1024
# Real header lines are a few dozen bytes; a longer "line" is garbage, read in pieces.
MAX_HEADER_BYTES = 4096
_DISCARD_CHUNK = 1 << 20

_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d{1,20})", re.IGNORECASE)


class FramedReader:
    """Presents `raw` to pygls' loop as a stream of well-formed frames."""

    def __init__(self, raw: BinaryIO, max_message_bytes: int = MAX_MESSAGE_BYTES, skip_oversized: bool = True) -> None:
        """`raw`: anything with `readline(limit)` and `read(n)` that block until they have
        their bytes or the input ends. A message over `max_message_bytes` is read past and
        skipped, or, without `skip_oversized`, ends the input."""
        self._raw = raw
        self._max = max_message_bytes
        self._skip_oversized = skip_oversized
        self._pending: list[bytes] = []  # canonical header lines of the frame being handed over
        self._body = b""
        self.skipped = 0  # frames and garbage lines dropped (for tests and the log)

    # -- what pygls calls -----------------------------------------------------------------

    def readline(self) -> bytes:
        if not self._pending:
            if not self._next_frame():
                return b""  # end of input: pygls stops
        return self._pending.pop(0)

    def read(self, n: int) -> bytes:
        body, self._body = self._body, b""
        return body[:n]

    # -- for callers that read bodies themselves (the TCP token check) ------------------------

    def next_body(self) -> bytes | None:
        """The next acceptable frame's body; None at end of input."""
        if not self._pending and not self._next_frame():
            return None
        body, self._pending, self._body = self._body, [], b""
        return body

    def push(self, body: bytes) -> None:
        """Hand `body` to pygls as the next frame, before what the input holds."""
        self._pending = [f"Content-Length: {len(body)}\r\n".encode(), b"\r\n"]
        self._body = body

    # -- parsing ----------------------------------------------------------------------------

    def _line(self) -> bytes | None:
        """The next header line without its line break; None at end of input. A line over
        MAX_HEADER_BYTES is cut there, the rest of it skipped."""
        line = self._raw.readline(MAX_HEADER_BYTES)
        if not line:
            return None
        if not line.endswith(b"\n") and len(line) >= MAX_HEADER_BYTES:
            log.error("LSP input: header line over %d bytes: skipped", MAX_HEADER_BYTES)
            self.skipped += 1
            # Only its end is kept: a real header may follow garbage that had no line break.
            while not line.endswith(b"\n"):
                more = self._raw.readline(MAX_HEADER_BYTES)
                if not more:
                    return None
                line = line[-64:] + more
        return line.rstrip(b"\r\n")

    def _next_frame(self) -> bool:
        """Read the next acceptable frame into `_pending`/`_body`; False at end of input."""
        while True:
            outcome = self._frame()
            if outcome != "skipped":
                return outcome == "ok"

    def _frame(self) -> str:
        """One frame: "ok", "skipped" (too large or empty) or "end"."""
        length: int | None = None
        while True:
            line = self._line()
            if line is None:
                return "end"
            if not line.strip():
                if length is None:
                    continue  # a stray blank line between frames
                break
            # The last Content-Length on a line wins: garbage without a newline before a
            # real header ends up on the header's line, and must not hide it.
            found = _LENGTH.findall(line)
            if found:
                length = int(found[-1])
            elif not line.lower().startswith(b"content-type"):
                log.error("LSP input: not a header, skipped: %r", line[:80])
                self.skipped += 1
        self.skipped += length == 0 or length > self._max
        if length > self._max:
            if not self._skip_oversized:
                log.error("LSP input: message of %d bytes is over the limit of %d: input ended", length, self._max)
                return "end"
            log.error("LSP input: message of %d bytes is over the limit of %d: skipped", length, self._max)
            return "skipped" if self._discard(length) else "end"
        if length == 0:
            log.error("LSP input: empty message (Content-Length: 0): skipped")
            return "skipped"
        body = self._raw.read(length)
        if len(body) < length:
            return "end"  # input ended inside the body
        self._pending = [f"Content-Length: {length}\r\n".encode(), b"\r\n"]
        self._body = body
        return "ok"

    def _discard(self, n: int) -> bool:
        while n > 0:
            chunk = self._raw.read(min(n, _DISCARD_CHUNK))
            if not chunk:
                return False
            n -= len(chunk)
        return True
