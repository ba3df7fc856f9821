"""Warm-ups are low priority (engine.model_calls): any real call cancels them between two batches
of prompt evaluation, so it waits for one batch at most. A fake backend counts batches."""

import threading
import time

from atelier.lsp_server.engine.model_calls import ModelCalls
from atelier.models.backend import CancelToken, CompletionResult
from atelier.models.host import ModelHost


class Batches:
    """A prefill of `n` batches that records each batch (start, end), checking `cancel` between."""

    def __init__(self) -> None:
        self.batches: list[tuple[float, float]] = []
        self.started = threading.Event()

    def prefill(self, cancel: CancelToken, n: int = 200, seconds: float = 0.01) -> CompletionResult:
        for _ in range(n):
            if cancel.cancelled:
                return CompletionResult("", reevaluated_tokens=len(self.batches), finish_reason="cancelled")
            began = time.monotonic()
            time.sleep(seconds)
            self.batches.append((began, time.monotonic()))
            self.started.set()
        return CompletionResult("", reevaluated_tokens=len(self.batches))


def test_a_real_call_stops_a_running_warm_up_within_one_batch():
    calls = ModelCalls(ModelHost())
    fake = Batches()
    warm = calls.warm(fake.prefill)
    assert fake.started.wait(5)
    asked = time.monotonic()
    began = calls.run_blocking(lambda cancel: time.monotonic(), CancelToken())
    result = warm.result()
    assert result.finish_reason == "cancelled"
    # Batches that were still running (or started) after the real call was asked: one at most.
    assert sum(end > asked for _, end in fake.batches) <= 1
    assert all(end <= began for _, end in fake.batches)
    assert calls.stats.warmups == 1 and calls.stats.warmups_cancelled == 1
    calls.host.close()


def test_a_newer_warm_up_replaces_the_older():
    calls = ModelCalls(ModelHost())
    first, second = Batches(), Batches()
    a = calls.warm(first.prefill)
    assert first.started.wait(5)
    b = calls.warm(lambda c: second.prefill(c, n=3))
    assert a.result().finish_reason == "cancelled"
    assert b.result().finish_reason == "stop" and len(second.batches) == 3
    calls.host.close()
