"""A test-only entry point: the real Atelier server with an artificially slowed backend, a
scripted one (tests/lsp_server/scripted_server.py) that sleeps for every prompt token and
every generated token, and keeps the time caps as the embedded backend does (whole request,
decoding after the first token). At load it is calibrated like the real model, by timing its
own sleeps: the server's defaults then follow its speed.

Usage: python tests/lsp_server/slowed_server.py SCRIPT.json PROMPT_MS DECODE_MS"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import Future
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from scripted_server import ScriptedBackend, ScriptedHost  # noqa: E402

from atelier.lsp_server.server import create_server  # noqa: E402
from atelier.models.backend import CompletionResult, Speed  # noqa: E402

CHARS_PER_TOKEN = 4


class SlowedBackend(ScriptedBackend):
    name = "slowed (a test backend that sleeps per token)"

    def __init__(self, script: dict[str, list[str]], prompt_s: float, decode_s: float) -> None:
        super().__init__(script)
        self.prompt_s, self.decode_s = prompt_s, decode_s
        self.speed: Speed | None = None

    def calibrate(self) -> Speed:
        began = time.perf_counter()
        time.sleep(self.prompt_s * 48)
        evaluated = time.perf_counter()
        for _ in range(6):
            time.sleep(self.decode_s)
        decoded = time.perf_counter()
        self.speed = Speed(48 / (evaluated - began), 6 / (decoded - evaluated), decoded - began)
        return self.speed

    def complete(self, request, cancel=None, until=None) -> CompletionResult:
        started = time.monotonic()
        deadline = started + request.timeout_s if request.timeout_s else None
        answer = self._answer(request.prompt)
        time.sleep(self.prompt_s * self.count_tokens(request.prompt))
        pieces = [answer.text[i:i + CHARS_PER_TOKEN] for i in range(0, len(answer.text), CHARS_PER_TOKEN)]
        parts: list[str] = []
        finish = "stop"
        for piece in pieces[: request.max_tokens]:
            if cancel is not None and cancel.cancelled:
                finish = "cancelled"
                break
            if not parts and request.decode_timeout_s:
                first = time.monotonic() + request.decode_timeout_s
                deadline = min(deadline, first) if deadline is not None else first
            time.sleep(self.decode_s)
            parts.append(piece)
            if until is not None and "\n" in piece and until("".join(parts)):
                break
            if deadline is not None and time.monotonic() > deadline:
                finish = "time"
                break
        else:
            finish = "length" if len(pieces) > request.max_tokens else "stop"
        text = "".join(parts)
        return CompletionResult(text, answer.prompt_tokens, len(parts), finish, answer.prompt_tokens)


class SlowedHost(ScriptedHost):
    def load(self, config) -> Future:
        self.config = config
        self.loading = self._executor.submit(lambda: (self._scripted.calibrate(), self._scripted)[1])
        self.backend = self._scripted
        return self.loading


def main() -> None:
    with open(sys.argv[1]) as f:
        script = json.load(f)
    backend = SlowedBackend(script, float(sys.argv[2]) / 1000, float(sys.argv[3]) / 1000)
    server = create_server(host=SlowedHost(backend))
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    server.start_io(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
