"""Which completion requests reach the model, and when.

One worker thread runs the model (models.host). In front of it: a newer request for a
document cancels the older one (between two tokens if it is already generating); a short
debounce while the user types fast lets a request be superseded before it costs anything;
and while the user types exactly what the last completion predicted, its remainder is
answered from memory.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time

import msgspec

from atelier.context.assembly import Snapshot
from atelier.lsp_server.engine.completion import Completion, generate
from atelier.lsp_server.settings import CompletionSettings
from atelier.lsp_server.engine.model_calls import ModelCalls
from atelier.models.backend import Backend, CancelToken
from atelier.models.host import ModelBusy

log = logging.getLogger(__name__)

# Requests closer together than this count as fast typing, which turns the debounce on.
FAST_TYPING_GAP_S = 0.25


class _Last(msgspec.Struct):
    before: str
    after: str
    text: str
    mode: str


class CompletionScheduler:
    def __init__(self, calls: ModelCalls) -> None:
        self.calls = calls
        self.stats = calls.stats
        self._inflight: dict[str, CancelToken] = {}
        self._last: dict[str, _Last] = {}
        self._last_request_at: dict[str, float] = {}
        self._tickets = 0
        self._newest: dict[str, int] = {}

    def forget(self, uri: str) -> None:
        self._last.pop(uri, None)
        self._newest.pop(uri, None)
        self._last_request_at.pop(uri, None)
        token = self._inflight.pop(uri, None)
        if token is not None:
            token.cancel()

    def cancel_all(self) -> None:
        for token in self._inflight.values():
            token.cancel()

    def _typed_through(self, uri: str, snap: Snapshot) -> Completion | None:
        last = self._last.get(uri)
        if last is None:
            return None
        before, after = snap.text[: snap.index], snap.text[snap.index:]
        if after != last.after or not before.startswith(last.before):
            return None
        typed = before[len(last.before):]
        if not typed or len(typed) >= len(last.text) or not last.text.startswith(typed):
            return None
        return Completion(last.text[len(typed):], last.mode, finish_reason="typed-through")

    def _debounce(self, uri: str, settings: CompletionSettings) -> float:
        now = time.monotonic()
        gap = now - self._last_request_at.get(uri, 0.0)
        self._last_request_at[uri] = now
        return settings.debounce_ms / 1000 if gap < FAST_TYPING_GAP_S else 0.0

    def ticket(self, uri: str) -> int:
        """Number a request as it arrives, before anything awaits: requests may reach
        `complete` out of order, and the newest must win even then."""
        self._tickets += 1
        self._newest[uri] = self._tickets
        return self._tickets

    async def complete(self, uri: str, snap: Snapshot, backend: Backend, settings: CompletionSettings,
                       ticket: int | None = None) -> Completion | None:
        """The completion for `snap` (its text may be empty), or None when a newer request won
        or the model refused it (busy)."""
        self.stats.requests += 1
        if ticket is not None and ticket < self._newest.get(uri, 0):
            self.stats.superseded += 1  # a newer request for this document already arrived
            return None
        cached = self._typed_through(uri, snap)
        if cached is not None:
            self.stats.typed_through += 1
            self.stats.answered += 1
            return cached
        previous = self._inflight.pop(uri, None)
        if previous is not None:
            previous.cancel()
        token = CancelToken()
        self._inflight[uri] = token
        try:
            delay = self._debounce(uri, settings)
            if delay:
                await asyncio.sleep(delay)
            if token.cancelled or (ticket is not None and ticket < self._newest.get(uri, 0)):
                self.stats.superseded += 1
                return None
            try:
                cold_ms = settings.cold_prompt_ms if settings.warmup else 0  # warm-ups bring the full prompt
                result = await self.calls.run(functools.partial(generate, snap, backend, settings, slot=uri,
                                                                cold_ms=cold_ms), token)
            except ModelBusy as exc:  # a completion is worth nothing once late: no message
                log.warning("completion refused: %s", exc)
                return None
        except asyncio.CancelledError:  # $/cancelRequest: calls.run stopped the model
            self.stats.cancelled += 1
            raise
        finally:
            if self._inflight.get(uri) is token:
                del self._inflight[uri]
        log.debug("generated %r (%s, %d tokens)", result.text, result.finish_reason, result.completion_tokens)
        if token.cancelled:
            self.stats.superseded += 1
            return None
        if not result.text:
            return result  # nothing to answer; a cold one still has its full prompt warmed
        self._last[uri] = _Last(snap.text[: snap.index], snap.text[snap.index:], result.text, result.mode)
        self.stats.answered += 1
        return result
