"""A warm-up in a file the model has not evaluated yet evaluates the shorter prompt of a cold
cache first (engine.completion.warm): a pause too short for the full prompt still makes the
next request fast. With the real default model; `prefill` is watched, not replaced."""

import pytest

from atelier.context.assembly import prepare
from atelier.context.document import Document
from atelier.lsp_server.engine.completion import COLD_SLOT, generate, warm
from atelier.lsp_server.settings import CompletionSettings
from atelier.models.backend import CancelToken
from atelier.models.llama import LlamaBackend
from atelier.models.locate import bundled_model
from tests.lsp_server.test_cold_prompt import big_module, end_of

pytestmark = pytest.mark.slow  # the default model, in this process


def test_the_shorter_prompt_is_warmed_first_and_answers_the_next_request():
    backend = LlamaBackend(bundled_model())
    try:
        backend.calibrate()
        settings = CompletionSettings(cold_prompt_ms=1)  # cold whatever this machine's speed
        text = big_module()
        snap = prepare(Document("file:///tmp/conversions.py", text), *end_of(text), "conversions.py")
        slots: list[str] = []
        cancel = CancelToken()
        prefill = backend.prefill

        def watched(prompt, slot="", cancel=None, **kw):
            slots.append(slot)
            result = prefill(prompt, slot, cancel, **kw)
            cancel.cancel()  # a request arrives right after the first prompt: the warm-up stops
            return result

        backend.prefill = watched
        warmed = warm(snap, backend, settings, "doc", cancel)
        assert slots == [COLD_SLOT + "doc"], slots
        assert warmed.reevaluated_tokens == warmed.prompt_tokens - 1 > 64  # all of it but the last token

        answer = generate(snap, backend, settings, slot="doc", cold_ms=settings.cold_prompt_ms)
        assert answer.cold and answer.text.strip()
        assert answer.reevaluated_tokens <= 2  # the warm-up's tokens, the last one re-run
    finally:
        backend.close()
