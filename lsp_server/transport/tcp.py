"""`atelier serve --tcp`: one editor per server process, admitted by its token.

pygls' own start_tcp hands every connection to the one protocol, so a second connection
would take over the first one's answers, and any connection that ends stops the server.
Here a connection first shows the token (transport.security.admit), each on a thread of its
own, bounded in size and time; the first one admitted is then served exactly as stdio is:
its socket, as a buffered file, goes through transport.framing's FramedReader into pygls'
stdio loop (`start_io`). Malformed frames get the same treatment as over stdio, and when
that connection ends, for whatever reason, the loop ends and the process exits.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
from typing import Any, Callable

from pygls.lsp.server import LanguageServer

from atelier.lsp_server.transport.framing import FramedReader
from atelier.lsp_server.transport.security import BUSY, REQUEST_FAILED, admit, error_response

log = logging.getLogger(__name__)

# Before the token: what an unknown peer may make the server read and wait for.
MAX_AUTH_BODY = 1_000_000  # an initialize with every capability is ~20 kB
MAX_AUTH_MESSAGES = 16
AUTH_TIMEOUT_S = 30.0
MAX_PENDING = 32  # connections showing their token at one time; more are closed at once


class SocketInput(io.RawIOBase):
    """A socket's incoming bytes as a raw file: a reset or a timeout reads as the end of the
    input, and so does `deadline` (time.monotonic()) once passed."""

    def __init__(self, sock: socket.socket, deadline: float | None = None) -> None:
        self._sock, self.deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            if self.deadline is not None:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    return 0
                self._sock.settimeout(left)
            return self._sock.recv_into(buffer)
        except OSError as exc:  # reset, timed out, shut down here
            log.info("TCP connection: %s", exc or type(exc).__name__)
            return 0


class SocketOutput:
    """What pygls writes to (stdout's shape): all of each message, one message at a time.
    `close` (pygls calls it on `exit`) ends the connection both ways, which ends the reading
    loop too."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock, self._lock = sock, threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            self._sock.sendall(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def write_message(out: SocketOutput, message: dict) -> None:
    body = json.dumps(message).encode()
    out.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


def authenticate(frames: FramedReader, out: SocketOutput, token: str) -> dict | None:
    """The connection's initialize message (token removed) once it shows the token; None
    when it closes, sends the wrong one, or too much else first."""
    for _ in range(MAX_AUTH_MESSAGES):
        body = frames.next_body()
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
            write_message(out, payload)
        if verdict == "refuse":
            return None
    return None


def _listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets on every address `host` names, as asyncio.start_server binds them."""
    listeners = []
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    for family, kind, proto, _, address in dict.fromkeys(found):  # once each, in order
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(16)
        except OSError:
            sock.close()
            for other in listeners:
                other.close()
            raise
        listeners.append(sock)
    return listeners


class _Door:
    """Accepts connections and checks their tokens; hands over the first one admitted."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._pending = threading.BoundedSemaphore(MAX_PENDING)
        self._lock = threading.Lock()
        self._taken = False
        self._admitted: tuple | None = None
        self.admitted = threading.Event()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, peer = listener.accept()
            except OSError:  # the listener closed: the session is over
                return
            if not self._pending.acquire(blocking=False):
                log.warning("TCP connection from %s refused: %d others are showing their token", peer, MAX_PENDING)
                conn.close()
                continue
            threading.Thread(target=self._check, args=(conn, peer), name="atelier-tcp-token", daemon=True).start()

    def _check(self, conn: socket.socket, peer: Any) -> None:
        admitted = False
        try:
            raw = SocketInput(conn, deadline=time.monotonic() + AUTH_TIMEOUT_S)
            stream = io.BufferedReader(raw, 1 << 16)
            out = SocketOutput(conn)
            first = authenticate(FramedReader(stream, MAX_AUTH_BODY, skip_oversized=False), out, self.token)
            with self._lock:
                if first is not None and self._taken:
                    write_message(out, error_response(first.get("id"), REQUEST_FAILED, BUSY))
                    first = None
                admitted = first is not None
                self._taken = self._taken or admitted
            if admitted:
                raw.deadline = None
                conn.settimeout(None)
                self._admitted = (conn, peer, stream, out, first)
                self.admitted.set()
        except OSError as exc:  # the peer went away while being answered
            log.warning("TCP connection from %s: %s", peer, exc)
        finally:
            self._pending.release()
            if not admitted:
                log.warning("TCP connection from %s refused", peer)
                conn.close()

    def wait(self) -> tuple:
        while not self.admitted.wait(1.0):  # in steps: Ctrl-C still ends the wait
            pass
        return self._admitted


def serve_tcp(server: LanguageServer, host: str, port: int, token: str,
              announce: Callable[[list[tuple[str, int]]], None]) -> None:
    """Listen on host:port until the admitted editor disconnects or exits. `announce` gets
    the bound addresses (port 0 picks a free one)."""
    listeners = _listen(host, port)
    door = _Door(token)
    try:
        for listener in listeners:
            threading.Thread(target=door.accept, args=(listener,), name="atelier-tcp-accept", daemon=True).start()
        announce([sock.getsockname()[:2] for sock in listeners])
        try:
            conn, peer, stream, out, first = door.wait()
        except KeyboardInterrupt:
            return
        log.info("editor connected from %s", peer)
        frames = FramedReader(stream)
        frames.push(json.dumps(first).encode())  # the initialize message, token removed
        try:
            # stdio's loop, on the socket: it returns when the connection ends.
            server.start_io(frames, out)
        except OSError as exc:
            log.warning("TCP connection from %s: %s", peer, exc)
        finally:
            conn.close()
        log.info("editor at %s disconnected: exiting", peer)
    finally:
        for listener in listeners:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            except OSError:
                pass
            listener.close()
