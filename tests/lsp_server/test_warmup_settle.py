"""Which position a warm-up evaluates (engine.warmup): editors send a cursor signal (a code-action
request) right after didOpen when the file opens somewhere else than its first line; the
warm-up at the opening position must then not start, since the cursor's waits for it to finish
a batch. The model calls are a recording stand-in: what is checked is the scheduling."""

import asyncio
import threading

import pytest

from atelier.lsp_server.engine.model_calls import ModelCalls
from atelier.lsp_server.engine.warmup import SETTLE_S, Warmup
from atelier.lsp_server.settings import CompletionSettings
from atelier.models.host import ModelHost

pytestmark = pytest.mark.asyncio


class RecordingCalls(ModelCalls):
    """ModelCalls on a model thread without a model, whose warm-ups are recorded, not run."""

    def __init__(self) -> None:
        super().__init__(ModelHost())
        self.warmed: list[str] = []

    async def backend(self):
        return self  # has `prefill`: a backend that can warm

    def prefill(self) -> None:
        pass

    def warm(self, work) -> None:
        self.warmed.append(work.args[0])  # warm(snap, backend, settings, uri): the snapshot


async def test_a_cursor_signal_right_after_opening_replaces_the_warm_up_at_the_opening_position():
    calls = RecordingCalls()
    warmup = Warmup(calls)
    settings = CompletionSettings()
    warmup.schedule("file:///a.py", lambda: "line 0", settings, "open")
    await asyncio.sleep(0.02)  # the editor's next message, a code action at the cursor
    warmup.schedule("file:///a.py", lambda: "line 847", settings, "cursor")
    await asyncio.sleep(0.5)
    assert calls.warmed == ["line 847"]


async def test_a_file_opened_with_no_cursor_signal_is_warmed_where_it_opened():
    calls = RecordingCalls()
    warmup = Warmup(calls)
    warmup.schedule("file:///a.py", lambda: "line 0", CompletionSettings(), "open")
    await asyncio.sleep(0.5)
    assert calls.warmed == ["line 0"]


async def test_the_cursor_where_a_file_opened_is_warmed_at_once_and_a_later_move_settles_first(monkeypatch):
    # Settles long enough that only an immediate start is seen within the waits below.
    monkeypatch.setitem(SETTLE_S, "open", 5.0)
    monkeypatch.setitem(SETTLE_S, "cursor", 5.0)
    calls = RecordingCalls()
    warmup = Warmup(calls)
    settings = CompletionSettings()
    warmup.schedule("file:///a.py", lambda: "line 0", settings, "open")
    warmup.schedule("file:///a.py", lambda: "line 847", settings, "cursor")
    await asyncio.sleep(0.3)
    assert calls.warmed == ["line 847"]
    warmup.schedule("file:///a.py", lambda: "line 900", settings, "cursor")  # the user moves on
    warmup.schedule("file:///b.py", lambda: "line 3", settings, "cursor")  # another file, not just opened
    await asyncio.sleep(0.3)
    assert calls.warmed == ["line 847"]


async def test_a_warm_up_starts_once_the_model_has_been_free_of_real_calls_for_the_settle(monkeypatch):
    # A chat answer runs as the cursor settles: the warm-up neither queues behind it (it would
    # start as the answer ends, when the user types again) nor starts at once after it.
    monkeypatch.setitem(SETTLE_S, "cursor", 1.0)
    calls = RecordingCalls()
    warmup = Warmup(calls)
    release = threading.Event()
    chat = asyncio.ensure_future(calls.run(lambda cancel: release.wait(10)))
    warmup.schedule("file:///a.py", lambda: "line 5", CompletionSettings(), "cursor")
    await asyncio.sleep(1.5)
    assert calls.warmed == []
    release.set()
    await chat
    await asyncio.sleep(0.3)
    assert calls.warmed == []
    await asyncio.sleep(1.5)
    assert calls.warmed == ["line 5"]
