"""Warm-up in idle time: when a document is opened, the cursor settles somewhere (the
code-action requests editors send as it moves) or typing pauses, the prompt the next
completion there would use is evaluated into the model's cache, prompt only, at low priority
(ModelCalls.warm): any real request cancels it between two batches and keeps what it did."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Callable

from atelier.context.assembly import Snapshot
from atelier.context.document import PositionError
from atelier.lsp_server.engine.completion import warm
from atelier.lsp_server.engine.model_calls import ModelCalls
from atelier.lsp_server.settings import CompletionSettings

log = logging.getLogger(__name__)

# How long the cursor or the text must stay put before a warm-up starts, by what moved it.
# "open": editors send the cursor's position (a code-action request) right after didOpen when
# a file opens elsewhere than its first line; a warm-up already started at the opening
# position would hold the cursor's back for a batch. "cold": a completion was answered from a
# shorter prompt and the full one is wanted next, once typing pauses (while it goes on, the
# shorter prompt's answers are the fast ones).
SETTLE_S = {"open": 0.15, "cursor": 0.15, "change": 0.3, "cold": 0.3}
# The cursor's position while a file's opening warm-up still waits is where the editor opened
# it, not a cursor passing by: nothing to settle, and the pause before typing is short.
OPENED_AT_S = 0.0


class Warmup:
    """At most one warm-up pending or running: a newer position replaces the older one."""

    def __init__(self, calls: ModelCalls) -> None:
        self.calls = calls
        self._pending: asyncio.Task | None = None
        self._opening: str | None = None  # the document whose pending warm-up is its opening one
        self.scheduled = 0

    def cancel_pending(self) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()
        self._pending = None

    def schedule(self, uri: str, snapshot: Callable[[], Snapshot | None], settings: CompletionSettings,
                 why: str) -> None:
        """Warm `uri` at the snapshot `snapshot()` makes (None: nothing to warm) once things
        have settled for SETTLE_S[why]."""
        if not settings.enabled or not settings.warmup:
            return
        opened = why == "cursor" and self._opening == uri and self._pending is not None and not self._pending.done()
        self.cancel_pending()
        self._opening = uri if why == "open" else None
        self.scheduled += 1
        delay = OPENED_AT_S if opened else SETTLE_S[why]
        self._pending = asyncio.ensure_future(self._run(uri, snapshot, settings, delay))

    async def _run(self, uri: str, snapshot: Callable[[], Snapshot | None], settings: CompletionSettings,
                   delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        # Settled once no real call (a completion, chat, a code action) has run for as long
        # either: the user acts right after those, and a warm-up queued behind one would
        # start as it ends and hold up that next request for a batch.
        while (left := self.calls.quiet_left(delay)) > 0:
            await asyncio.sleep(left)
        backend = await self.calls.backend()
        if backend is None or not hasattr(backend, "prefill"):
            return
        try:
            snap = snapshot()
        except PositionError:
            return
        if snap is not None:
            self.calls.warm(functools.partial(warm, snap, backend, settings, uri))
