"""A byte-level LSP client for `atelier serve`, over stdio or over TCP (`--tcp`, the token
sent in initialize): it can send anything, well-formed or not, and reads what comes back frame
by frame. For fuzz and soak tests, where pytest-lsp's client would refuse to send malformed
input."""

from __future__ import annotations

import itertools
import json
import os
import queue
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TRANSPORTS = ("stdio", "tcp")


class RawServer:
    def __init__(self, options: dict | None = None, root_uri: str | None = None, env: dict | None = None,
                 log_level: str = "warning", transport: str = "stdio") -> None:
        env = {**os.environ, "ATELIER_DATA_DIR": tempfile.mkdtemp(prefix="atelier-raw-"), **(env or {})}
        env.pop("ATELIER_MODEL", None)
        command = [sys.executable, "-I", "-m", "atelier.lsp_server", "serve", "--log-level", log_level]
        self.transport, self.sock = transport, None
        if transport == "stdio":
            self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
            self._in, self._out = self.proc.stdin, self.proc.stdout
        else:
            self.proc = subprocess.Popen([*command, "--tcp", "--port", "0"], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)
            for line in self.proc.stderr:
                found = re.search(rb"listening on 127\.0\.0\.1:(\d+); clients send the token in (\S+) ", line)
                if found:
                    break
            else:
                raise RuntimeError("the TCP server never said where it listens")
            threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
            options = {**(options or {}), "token": Path(found.group(2).decode()).read_text().strip()}
            self.sock = socket.create_connection(("127.0.0.1", int(found.group(1))), timeout=30)
            self.sock.settimeout(None)
            self._out = self.sock.makefile("rb")
        self.responses: dict[Any, dict] = {}
        self.orphans: "queue.Queue[dict]" = queue.Queue()  # responses with id null
        self.notifications: list[dict] = []
        self._cond = threading.Condition()
        # Held while sending: a frame sent in pieces (hold it around them) is never cut by the
        # reader thread's answers to the server's own requests.
        self.sending = threading.RLock()
        self._ids = itertools.count(1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.initialize_result = self.request("initialize", {
            "processId": None, "rootUri": root_uri, "initializationOptions": options or {},
            "capabilities": {"window": {"workDoneProgress": True},
                             "textDocument": {"inlineCompletion": {}, "codeAction": {
                                 "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor"]}},
                                 "resolveSupport": {"properties": ["edit"]}}}},
        })
        self.notify("initialized", {})

    # -- sending ------------------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        with self.sending:
            if self.sock is not None:
                self.sock.sendall(data)
            else:
                self._in.write(data)
                self._in.flush()

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.send_bytes(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 30.0) -> dict:
        """The whole response message ({"result": …} or {"error": …})."""
        msg_id = next(self._ids)
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.wait(msg_id, timeout)

    def wait(self, msg_id: Any, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise TimeoutError(f"no answer to request {msg_id!r} (server {'exited' if self.proc.poll() is not None else 'alive'})")
                self._cond.wait(min(left, 0.2))
            return self.responses.pop(msg_id)

    def alive(self) -> bool:
        """The process runs and answers a request."""
        return self.proc.poll() is None and "result" in self.request("atelier/stats", {}, timeout=20)

    def messages(self) -> list[str]:
        with self._cond:
            return [n["params"]["message"] for n in self.notifications if n.get("method") == "window/showMessage"]

    def rss_kib(self, field: str = "VmRSS") -> int:
        """The server process's resident memory (VmRSS), or its peak so far (VmHWM), in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.M).group(1))

    def hang_up(self, reset: bool = False) -> None:
        """End the connection as an editor that goes away does: stdin closed, or the socket
        closed (`reset`: with a TCP reset, as a crashed peer's kernel sends)."""
        if self.sock is None:
            self._in.close()
            return
        if reset:
            # The reset goes out when the socket is closed for good: once the reading thread
            # (woken by SHUT_RD, which sends nothing) has let go of it.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.shutdown(socket.SHUT_RD)
            self._reader.join(10)
            self._out.close()
        else:
            self.sock.shutdown(socket.SHUT_WR)
        self.sock.close()

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout=10)
                self.notify("exit", None)
                self.proc.wait(10)
        except (OSError, TimeoutError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self.sock is not None:
                self.sock.close()

    # -- receiving ------------------------------------------------------------------------------

    @staticmethod
    def _drain(stream) -> None:
        for _ in stream:  # the server's log: read, so that it never blocks on a full pipe
            pass

    def _read(self) -> None:
        try:
            self._read_messages(self._out)
        except (OSError, ValueError, TypeError):  # the connection reset or closed, a frame cut short
            pass

    def _read_messages(self, out) -> None:
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if not line.strip():
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(out.read(length))
            if "method" in message and "id" in message:  # the server asks (progress, applyEdit)
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            with self._cond:
                if "method" in message:
                    self.notifications.append(message)
                elif not isinstance(message.get("id"), (int, str)):  # null, or an odd id echoed
                    self.orphans.put(message)
                else:
                    self.responses[message["id"]] = message
                self._cond.notify_all()
