"""Generate to pass the tests: a candidate sampled from a backend that does not heal tokens (a
remote one) keeps all its lines. Without healing the prompt ends with the body's indentation,
so the model's first line comes without it, and only the later lines repeat it."""

from __future__ import annotations

from atelier.context.stubs import find_stub
from atelier.lsp_server.engine.generate_to_pass import PassRequest, sample
from atelier.models.backend import CompletionResult

CALC = 'def add(a, b):\n    """The sum."""\n    ...\n\n\ndef sub(a, b):\n    return a - b\n'
# As a remote model answers after a prompt ending in "    ": line 1 unindented, then the body.
ANSWER = "total = a\n    total += b\n    return total\n\n\ndef other():\n    pass\n"


class FakeNonHealingBackend:
    """Streams ANSWER character by character, as a backend calls `until` on the text so far."""

    name = "fake-remote"
    fim = None
    n_ctx = 4096
    heals = False

    def __init__(self):
        self.prompts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text)

    def complete(self, request, cancel=None, until=None) -> CompletionResult:
        self.prompts.append(request.prompt)
        assert not request.heal
        for end in range(1, len(ANSWER) + 1):
            if until is not None and until(ANSWER[:end]):
                return CompletionResult(ANSWER[:end])
        return CompletionResult(ANSWER)


def test_a_non_healing_backend_keeps_every_line_of_a_multi_line_body():
    stub = find_stub(CALC, 4, 4)
    req = PassRequest(CALC, stub, "calc.py", "/nowhere", "test_calc.py", "", 1)
    backend = FakeNonHealingBackend()
    body = sample(backend, req)
    assert backend.prompts[0].endswith('"""The sum."""\n    ')  # the prompt holds the indentation
    assert body == "    total = a\n    total += b\n    return total"
