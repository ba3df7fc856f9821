"""Which position a warm-up evaluates (engine.warmup): editors send a cursor signal (a code-action
request) right after didOpen when the file opens somewhere else than its first line; the
warm-up at the opening position must then not start, since the cursor's waits for it to finish
a batch. The model calls are a recording stand-in: what is checked is the scheduling."""

import asyncio

import pytest

from atelier.lsp_server.engine.warmup import Warmup
from atelier.lsp_server.settings import CompletionSettings

pytestmark = pytest.mark.asyncio


class RecordingCalls:
    """ModelCalls' two methods Warmup uses; records each warm-up it is handed."""

    def __init__(self) -> None:
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
