"""A test-only entry point: the real Atelier server with a scripted backend in place of the
model, for tests that need candidates a model would not write on cue (generate to pass the
tests: a failing candidate, then a passing one). The product accepts no code from a client;
this file, under tests/, is the only way such code reaches the sandbox.

Usage: python tests/lsp_server/scripted_server.py SCRIPT.json
SCRIPT.json: {"text in the prompt": [answers]}: a call whose prompt holds the text gets that
list's answers in turn (the last one repeats), so that tests sharing a server stay independent
of each other's order."""

from __future__ import annotations

import json
import os
import sys
import threading
from concurrent.futures import Future

from atelier.lsp_server.server import create_server
from atelier.models.backend import CompletionResult
from atelier.models.host import ModelHost


class ScriptedBackend:
    name = "scripted"
    fim = None
    n_ctx = 4096
    heals = False

    def __init__(self, script: dict[str, list[str]]) -> None:
        self.script = script
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def complete(self, request, cancel=None, until=None) -> CompletionResult:
        key = next((k for k in self.script if k in request.prompt), None)
        if key is None:
            return CompletionResult("", finish_reason="stop")
        with self._lock:
            n = self.calls[key] = self.calls.get(key, -1) + 1
            answer = self.script[key][min(n, len(self.script[key]) - 1)]
        # The sampler's indentation is in the prompt (heals is False): answer without it.
        return CompletionResult(answer, self.count_tokens(request.prompt), self.count_tokens(answer), "stop",
                                self.count_tokens(request.prompt))

    def chat(self, messages, max_tokens=512, cancel=None, on_text=None) -> CompletionResult:
        return self.complete(type("R", (), {"prompt": messages[-1].content})())

    def close(self) -> None:
        pass


class ScriptedHost(ModelHost):
    def __init__(self, backend: ScriptedBackend) -> None:
        super().__init__()
        self._scripted = backend

    def load(self, config) -> Future:
        self.config = config
        self.loading = self._executor.submit(lambda: self._scripted)
        self.backend = self._scripted
        return self.loading


def main() -> None:
    with open(sys.argv[1]) as f:
        script = json.load(f)
    server = create_server(host=ScriptedHost(ScriptedBackend(script)))
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    server.start_io(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
