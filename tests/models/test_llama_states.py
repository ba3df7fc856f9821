"""Per-document states and warm-ups in the embedded backend, with the real default model:
switching back to a document or leaving chat re-evaluates only what changed, warm-ups give way
to a real request within one batch, and the kept states' memory is bounded."""

import logging.handlers
import time
from pathlib import Path

import pytest

from atelier.lsp_server.engine.model_calls import ModelCalls
from atelier.models.backend import CancelToken, ChatMessage, CompletionRequest
from atelier.models.config import ModelConfig
from atelier.models.host import ModelHost
from atelier.models.llama import WARM_BATCH, LlamaBackend
from atelier.models.locate import bundled_model
from atelier.models.states import CHAT_SLOT

pytestmark = pytest.mark.slow  # the default model, in this process

SOURCE = Path(logging.handlers.__file__).read_text()
A = SOURCE[:1500]  # ~400 tokens each
B = SOURCE[6000:7500]


def ask(backend, prompt: str, slot: str):
    return backend.complete(CompletionRequest(prompt, ("\n",), 6, slot=slot))


@pytest.fixture(scope="module")
def backend():
    b = LlamaBackend(bundled_model(), n_ctx=2048)
    yield b
    b.close()


def test_switching_back_re_evaluates_only_what_changed(backend):
    first = ask(backend, A, "a")
    ask(backend, B, "b")
    again = ask(backend, A, "a")
    assert first.reevaluated_tokens > 300
    assert again.reevaluated_tokens <= 2, again
    assert again.text == first.text  # the restored state is the same state
    typed = ask(backend, B + " x", "b")
    assert typed.reevaluated_tokens <= 4, typed


def test_chat_does_not_evict_the_document(backend):
    ask(backend, A, "a")
    backend.chat([ChatMessage("user", "What is a rotating file handler? " + B[:600])], max_tokens=8)
    after = ask(backend, A + " y", "a")
    assert after.reevaluated_tokens <= 4, after


def test_a_chat_answer_is_kept_as_it_ends_not_copied_by_the_next_keystroke(backend):
    ask(backend, A, "a")
    backend.chat([ChatMessage("user", "What does a socket handler do? " + B[:400])], max_tokens=8)
    assert CHAT_SLOT in backend.states
    saved = backend.states.saved
    after = ask(backend, A + " z", "a")
    assert backend.states.saved == saved  # the switch back to the document copied nothing out
    assert after.reevaluated_tokens <= 4, after


def test_without_kept_states_a_switch_re_evaluates_everything():
    off = LlamaBackend(bundled_model(), n_ctx=2048, kept_states_mb=0)
    try:
        ask(off, A, "a")
        ask(off, B, "b")
        assert ask(off, A, "a").reevaluated_tokens > 300
        assert len(off.states) == 0
    finally:
        off.close()


def test_kept_states_stay_within_their_memory():
    assert 0 < (b := LlamaBackend(bundled_model(), n_ctx=1024)).kv_bytes_per_token
    try:
        # The default budget: as much as the context's own KV cache.
        assert b.states.budget == 1024 * b.kv_bytes_per_token
        ask(b, A, "a")
        ask(b, B, "b")
        kept = b.states.get("a")
        assert kept is not None
        per_token = len(kept.data) / len(kept.tokens)
        assert 0.9 < per_token / b.kv_bytes_per_token < 1.2
        b.states.budget = int(2.5 * kept.nbytes)  # room for two such states
        for i in range(6):
            ask(b, f"# file {i}\n" + A, f"doc{i}")
            assert b.states.nbytes <= b.states.budget
        assert len(b.states) <= 2
    finally:
        b.close()


def test_prefill_warms_the_cache():
    b = LlamaBackend(bundled_model(), n_ctx=2048)
    try:
        warmed = b.prefill(A, "a", CancelToken())
        assert warmed.finish_reason == "stop" and warmed.reevaluated_tokens == warmed.prompt_tokens - 1
        assert len(b.prefill_batches) == -(-warmed.reevaluated_tokens // WARM_BATCH)
        assert ask(b, A, "a").reevaluated_tokens <= 1
    finally:
        b.close()


class LoadThatEnds:
    """FairThreads' choice while another process is busy for the first `busy` choices, then
    idle (the editor busy opening a file as the warm-up starts): scripted, since the test
    needs the load to end at a known batch."""

    def __init__(self, busy: int) -> None:
        self.busy, self.calls = busy, 0

    def choose(self) -> int:
        self.calls += 1
        return 1 if self.calls <= self.busy else 2


def test_a_warm_up_gets_its_threads_back_once_the_other_process_is_idle():
    b = LlamaBackend(bundled_model(), n_ctx=2048, n_threads=2)
    try:
        b.threads = LoadThatEnds(busy=1)
        warmed = b.prefill(A, "a", CancelToken())
        assert len(b.prefill_batches) >= 3
        assert b.threads.calls == len(b.prefill_batches)  # chosen again at each batch
        assert b._threads_set == 2 and warmed.finish_reason == "stop"
    finally:
        b.close()


def test_a_completion_asked_during_a_warm_up_waits_one_batch_at_most():
    host = ModelHost()
    backend = host.load(ModelConfig(n_ctx=4096)).result()
    calls = ModelCalls(host)
    try:
        long = SOURCE[:9000]  # ~2,400 tokens: many batches
        warm = calls.warm(lambda cancel: backend.prefill(long, "a", cancel))
        deadline = time.monotonic() + 120
        while len(backend.prefill_batches) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        asked = time.monotonic()
        began = []

        def real(cancel):
            began.append(time.monotonic())
            return backend.complete(CompletionRequest(long[:4000], ("\n",), 4, slot="a"), cancel)

        answer = calls.run_blocking(real, CancelToken())
        assert warm.result().finish_reason == "cancelled"
        batches = backend.prefill_batches
        assert len(batches) * WARM_BATCH < 2400  # it was stopped, not finished
        # The real request waited for the batch under way, and no other began after it asked.
        assert sum(end > asked for _, end in batches) <= 1
        assert all(end <= began[0] for _, end in batches)
        # What the warm-up evaluated was kept: the request evaluated only the rest.
        assert answer.reevaluated_tokens <= answer.prompt_tokens - (len(batches) - 1) * WARM_BATCH
    finally:
        host.close()
