"""A test-only entry point: the real Atelier server with a scripted backend in place of the
model, for tests that need candidates a model would not write on cue (generate to pass the
tests: a failing candidate, then a passing one). The product accepts no code from a client;
this file, under tests/, is the only way such code reaches the sandbox.

Usage: python tests/lsp_server/scripted_server.py SCRIPT.json [PROMPTS.jsonl]
SCRIPT.json: {"text in the prompt": [answers]}: a call whose prompt holds the text gets that
list's answers in turn (the last one repeats), so that tests sharing a server stay independent
of each other's order. PROMPTS.jsonl, when given, receives every prompt the backend was sent
(one JSON string per line): what reached "the model", for tests of what may not."""

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

    def __init__(self, script: dict[str, list[str]], prompts: str | None = None) -> None:
        self.script = script
        self.prompts = prompts
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def _answer(self, prompt: str) -> CompletionResult:
        if self.prompts:
            with self._lock, open(self.prompts, "a", encoding="utf-8") as f:
                f.write(json.dumps(prompt) + "\n")
        key = next((k for k in self.script if k in prompt), None)
        answer = ""
        if key is not None:
            with self._lock:
                n = self.calls[key] = self.calls.get(key, -1) + 1
                answer = self.script[key][min(n, len(self.script[key]) - 1)]
        tokens = self.count_tokens(prompt)
        return CompletionResult(answer, tokens, self.count_tokens(answer) if answer else 0, "stop", tokens)

    def complete(self, request, cancel=None, until=None) -> CompletionResult:
        # A backend without healing: the prompt ends with the body's indentation, the answer goes on after it.
        return self._answer(request.prompt)

    def chat(self, messages, max_tokens=512, cancel=None, on_text=None) -> CompletionResult:
        result = self._answer("\n".join(m.content for m in messages))
        if on_text is not None and result.text:
            on_text(result.text)
        return result

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
    prompts = sys.argv[2] if len(sys.argv) > 2 else None
    server = create_server(host=ScriptedHost(ScriptedBackend(script, prompts)))
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    server.start_io(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
