"""The completion pipeline without LSP: document → cursor → prompt → backend → post-processing.

`prepare` runs where the document lives (the event loop) and snapshots what generation
needs; `generate` runs on the model's worker thread. The CLI, the server and the benchmark
all go through these two functions.
"""

from __future__ import annotations

import time

import msgspec

from context.cursor import Cursor, analyse
from context.document import Document
from context.postprocess import block_finished, postprocess
from context.prompt import Prompt, build_prompt
from context.syntax import keep_parseable
from lsp_server.settings import CompletionSettings
from models.backend import Backend, CancelToken, CompletionRequest

# A rest-of-line completion rarely needs more; a smaller cap answers sooner.
LINE_MAX_TOKENS = 48


class Snapshot(msgspec.Struct, frozen=True):
    text: str
    index: int
    cursor: Cursor
    path: str
    language: str | None


class Completion(msgspec.Struct):
    text: str
    mode: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"
    seconds: float = 0.0
    reevaluated_tokens: int = 0


def prepare(doc: Document, line: int, character: int, path: str = "") -> Snapshot:
    """Raises context.document.PositionError for a position outside the document."""
    index = doc.index_at(line, character, strict=True)
    byte = doc.point_at(index)[0]
    cursor = analyse(doc.text, index, doc.tree, byte)
    return Snapshot(doc.text, index, cursor, path, doc.language)


def make_prompt(snap: Snapshot, backend: Backend, settings: CompletionSettings) -> Prompt:
    max_tokens = settings.max_tokens if snap.cursor.mode == "block" else min(settings.max_tokens, LINE_MAX_TOKENS)
    # Leave room in the context window for the answer and the FIM markers.
    context_tokens = max(32, min(settings.context_tokens, backend.n_ctx - max_tokens - 16))
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
    )


def generate(
    snap: Snapshot,
    backend: Backend,
    settings: CompletionSettings,
    cancel: CancelToken | None = None,
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
    )
    until = None
    if snap.cursor.mode == "block":
        suffix = snap.text[snap.index:]

        def until(raw: str) -> bool:  # stop decoding once the block has visibly ended
            return block_finished(prompt.strip_heal(raw), snap.cursor, suffix, settings.max_lines)

    result = backend.complete(request, cancel, until)
    text = ""
    if result.finish_reason != "cancelled":
        text = postprocess(prompt.strip_heal(result.text), snap.cursor, snap.text[snap.index:], settings.max_lines)
        text = keep_parseable(snap.language, snap.text, snap.index, text)
    return Completion(
        text,
        snap.cursor.mode,
        result.prompt_tokens,
        result.completion_tokens,
        result.finish_reason,
        time.perf_counter() - start,
        result.reevaluated_tokens,
    )
