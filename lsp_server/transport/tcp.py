"""`atelier serve --tcp`: one editor per server process, admitted by its token.

pygls' own start_tcp hands every connection to the one protocol, so a second connection
would take over the first one's answers, and any connection that ends stops the server.
Here a connection first shows the token (lsp_server.security.admit) on a reader of its own,
bounded in size and time; only then does it reach the protocol, and only one at a time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any, Callable

from pygls.io_ import run_async
from pygls.lsp.server import LanguageServer

from atelier.lsp_server.transport.security import BUSY, REQUEST_FAILED, admit, error_response

log = logging.getLogger(__name__)

# Before the token: what an unknown peer may make the server read and wait for.
MAX_AUTH_BODY = 1_000_000  # an initialize with every capability is ~20 kB
MAX_AUTH_MESSAGES = 16
MAX_HEADER_LINES = 8
AUTH_TIMEOUT_S = 30.0


class FramingError(ValueError):
    pass


async def read_message(reader: asyncio.StreamReader, max_body: int = MAX_AUTH_BODY) -> bytes | None:
    """One LSP frame's body; None at the end of the stream."""
    length = None
    for _ in range(MAX_HEADER_LINES + 1):
        line = await reader.readline()  # bounded by the reader's limit (64 KiB)
        if not line:
            return None
        if not line.strip():
            break
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip()) if value.strip().isdigit() else -1
    else:
        raise FramingError("too many header lines")
    if length is None or not 0 <= length <= max_body:
        raise FramingError(f"bad Content-Length before initialize: {length}")
    return await reader.readexactly(length)


def write_message(writer: asyncio.StreamWriter, message: dict) -> None:
    body = json.dumps(message).encode()
    writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


async def authenticate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, token: str) -> dict | None:
    """The connection's initialize message (token removed) once it shows the token; None
    when it closes, sends the wrong one, or too much else first."""
    for _ in range(MAX_AUTH_MESSAGES):
        body = await read_message(reader)
        if body is None:
            return None
        try:
            message: Any = json.loads(body)
        except ValueError:
            message = None
        verdict, payload = admit(message, token)
        if verdict == "open":
            return payload
        if payload is not None:
            write_message(writer, payload)
            await writer.drain()
        if verdict == "refuse":
            return None
    return None


def serve_tcp(server: LanguageServer, host: str, port: int, token: str,
              announce: Callable[[list[tuple[str, int]]], None]) -> None:
    """Listen on host:port until the admitted editor disconnects or exits. `announce` gets
    the bound addresses (port 0 picks a free one)."""
    server._stop_event = stop = threading.Event()
    connected = False

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connected
        peer = writer.get_extra_info("peername")
        try:
            first = await asyncio.wait_for(authenticate(reader, writer, token), AUTH_TIMEOUT_S)
        except (asyncio.TimeoutError, ValueError, EOFError, ConnectionError) as exc:  # ValueError: framing
            log.warning("TCP connection from %s: %s", peer, exc or type(exc).__name__)
            first = None
        if first is not None and connected:
            write_message(writer, error_response(first.get("id"), REQUEST_FAILED, BUSY))
            first = None
        if first is None:
            log.warning("TCP connection from %s refused", peer)
            writer.close()
            return
        connected = True
        log.info("editor connected from %s", peer)
        protocol = server.protocol
        protocol.set_writer(writer)
        protocol.handle_message(json.loads(json.dumps(first), object_hook=protocol.structure_message))
        await run_async(stop_event=stop, reader=reader, protocol=protocol, logger=log,
                        error_handler=server.report_server_error)
        server.shutdown()

    async def main() -> None:
        listener = await asyncio.start_server(connection, host, port)
        server._server = listener
        announce([sock.getsockname()[:2] for sock in listener.sockets])
        async with listener:
            await listener.serve_forever()

    try:
        asyncio.run(main())
    except (asyncio.CancelledError, KeyboardInterrupt):
        pass
