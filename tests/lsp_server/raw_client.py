"""A byte-level LSP client for `atelier serve` over stdio: it can send anything, well-formed
or not, and reads what comes back frame by frame. For fuzz and soak tests, where pytest-lsp's
client would refuse to send malformed input."""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class RawServer:
    def __init__(self, options: dict | None = None, root_uri: str | None = None, env: dict | None = None,
                 log_level: str = "warning") -> None:
        env = {**os.environ, "ATELIER_DATA_DIR": tempfile.mkdtemp(prefix="atelier-raw-"), **(env or {})}
        env.pop("ATELIER_MODEL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "atelier.lsp_server", "serve", "--log-level", log_level],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT, env=env,
        )
        self.responses: dict[Any, dict] = {}
        self.orphans: "queue.Queue[dict]" = queue.Queue()  # responses with id null
        self.notifications: list[dict] = []
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        threading.Thread(target=self._read, daemon=True).start()
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
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

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

    # -- receiving ------------------------------------------------------------------------------

    def _read(self) -> None:
        out = self.proc.stdout
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
