"""A completion on the model's worker thread: snapshot → prompt → backend → post-processing.

The CLI, the server and the benchmarks all go through `context.assembly.prepare` (on the event
loop) and `generate` (on the model's thread).
"""

from __future__ import annotations

import time

import msgspec

from atelier.context.assembly import Snapshot
from atelier.context.members import member_starts
from atelier.context.postprocess import block_finished, postprocess
from atelier.context.prompt import Prompt, build_prompt
from atelier.context.retrieval import fit
from atelier.context.syntax import keep_parseable
from atelier.lsp_server.settings import CompletionSettings
from atelier.models.backend import Backend, CancelToken, CompletionRequest, CompletionResult

# A rest-of-line completion rarely needs more; a smaller cap answers sooner.
LINE_MAX_TOKENS = 48
# Share of the context budget for code from elsewhere (definitions, similar chunks).
CONTEXT_SHARE = 0.5


class Completion(msgspec.Struct):
    text: str
    mode: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"
    seconds: float = 0.0
    reevaluated_tokens: int = 0


def make_prompt(snap: Snapshot, backend: Backend, settings: CompletionSettings) -> Prompt:
    max_tokens = settings.max_tokens if snap.cursor.mode == "block" else min(settings.max_tokens, LINE_MAX_TOKENS)
    # Leave room in the context window for the answer and the FIM markers.
    context_tokens = max(32, min(settings.context_tokens, backend.n_ctx - max_tokens - 16))
    context = ""
    if snap.snippets:
        file_sep = backend.fim.file_sep if backend.fim is not None else None
        context = fit(list(snap.snippets), int(context_tokens * CONTEXT_SHARE), backend.count_tokens, snap.language, file_sep)
    return build_prompt(
        snap.text,
        snap.index,
        snap.cursor,
        count_tokens=backend.count_tokens,
        context_tokens=context_tokens,
        max_tokens=max_tokens,
        fim=backend.fim,
        path=snap.path,
        language=snap.language,
        suffix_share=settings.suffix_share,
        heal=backend.heals,
        context=context,
    )


def warm(snap: Snapshot, backend: Backend, settings: CompletionSettings, slot: str, cancel: CancelToken) -> CompletionResult:
    """Evaluate the prompt `generate` would send for `snap` into the backend's cache, without
    generating (backends that cannot: nothing)."""
    prefill = getattr(backend, "prefill", None)
    if prefill is None or cancel.cancelled:
        return CompletionResult("", finish_reason="cancelled" if cancel.cancelled else "stop")
    return prefill(make_prompt(snap, backend, settings).text, slot, cancel)


def generate(
    snap: Snapshot,
    backend: Backend,
    settings: CompletionSettings,
    cancel: CancelToken | None = None,
    slot: str = "",
) -> Completion:
    start = time.perf_counter()
    if cancel is not None and cancel.cancelled:  # superseded while queued
        return Completion("", snap.cursor.mode, finish_reason="cancelled")
    prompt = make_prompt(snap, backend, settings)
    request = CompletionRequest(
        prompt.text,
        prompt.stop,
        prompt.max_tokens,
        heal=prompt.heal,
        timeout_s=settings.timeout_ms / 1000,
        decode_timeout_s=settings.max_decode_ms / 1000,
        slot=slot,
    )
    until = None
    if snap.cursor.mode == "block":
        suffix = snap.text[snap.index:]

        def until(raw: str) -> bool:  # stop decoding once the block has visibly ended
            return block_finished(prompt.strip_heal(raw), snap.cursor, suffix, settings.max_lines)

    result = backend.complete(request, cancel, until)
    text = _finish(result, prompt, snap, settings)
    # After `receiver.`, a name the receiver does not hold is an invented one: the model
    # chooses again among those it holds (its prompt is cached: only the answer is new),
    # unless it was cut short by the user or the time limit.
    starts = member_starts(snap.cursor.line_prefix, text, snap.names, snap.text) if backend.heals else ()
    if starts and result.finish_reason in ("stop", "length"):
        result = backend.complete(msgspec.structs.replace(request, names=starts), cancel, until)
        text = _finish(result, prompt, snap, settings)
    return Completion(
        text,
        snap.cursor.mode,
        result.prompt_tokens,
        result.completion_tokens,
        result.finish_reason,
        time.perf_counter() - start,
        result.reevaluated_tokens,
    )


def _finish(result: CompletionResult, prompt: Prompt, snap: Snapshot, settings: CompletionSettings) -> str:
    """The model's answer cut to what the cursor wants and the code around it can take."""
    if result.finish_reason == "cancelled":
        return ""
    text = postprocess(prompt.strip_heal(result.text), snap.cursor, snap.text[snap.index:], settings.max_lines)
    return keep_parseable(snap.language, snap.text, snap.index, text)

