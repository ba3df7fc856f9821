"""A completion on the model's worker thread: snapshot → prompt → backend → post-processing.

The CLI, the server and the benchmarks all go through `context.assembly.prepare` (on the event
loop) and `generate` (on the model's thread).
"""

from __future__ import annotations

import math
import time

import msgspec

from atelier.context.assembly import Snapshot
from atelier.context.members import member_starts
from atelier.context.postprocess import block_finished, cut_partial, postprocess
from atelier.context.prompt import Prompt, build_prompt
from atelier.context.retrieval import fit
from atelier.context.syntax import keep_parseable
from atelier.lsp_server.settings import CompletionSettings
from atelier.models.backend import Backend, CancelToken, CompletionRequest, CompletionResult, Speed

# A rest-of-line completion rarely needs more; a smaller cap answers sooner.
LINE_MAX_TOKENS = 48
# Defaults that follow the model (completion_limits), when max_tokens, timeout_ms and
# max_decode_ms are null: a block is what the model decodes in about DECODE_TARGET_S, between
# these bounds; the time caps leave MARGIN for what the measurement missed (sampling, a busy
# machine), so that they cut a runaway, never an ordinary answer.
BLOCK_TOKENS = (16, 96)
DECODE_TARGET_S = 2.5
MARGIN = 2.0
# Without a measured speed (a remote or scripted backend): the fixed values of old.
FIXED = (96, 15000, 0)


class Limits(msgspec.Struct, frozen=True):
    max_tokens: int  # a block's; a line's is at most LINE_MAX_TOKENS
    timeout_ms: int  # the whole request (0: none)
    max_decode_ms: int  # after the first token (0: none)
    derived: bool  # from the model's measured speed


def completion_limits(settings: CompletionSettings, speed: Speed | None) -> Limits:
    """The token limit and time caps a completion runs under: the settings where they are
    set, else derived from the speed measured when the model loaded (Backend.speed)."""
    if speed is None or speed.decode_tps <= 0 or speed.prompt_tps <= 0:
        tokens = settings.max_tokens or FIXED[0]
        timeout = FIXED[1] if settings.timeout_ms is None else settings.timeout_ms
        decode = FIXED[2] if settings.max_decode_ms is None else settings.max_decode_ms
        return Limits(tokens, timeout, decode, False)
    tokens = settings.max_tokens or max(BLOCK_TOKENS[0], min(BLOCK_TOKENS[1], int(speed.decode_tps * DECODE_TARGET_S)))
    decode_ms = math.ceil(tokens / speed.decode_tps * 1000 * MARGIN) + 250
    prompt_ms = math.ceil((settings.context_tokens + 64) / speed.prompt_tps * 1000 * MARGIN)
    decode = decode_ms if settings.max_decode_ms is None else settings.max_decode_ms
    timeout = min(600_000, prompt_ms + decode_ms + 1000) if settings.timeout_ms is None else settings.timeout_ms
    return Limits(tokens, timeout, decode, True)
# Share of the context budget for code from elsewhere (definitions, similar chunks).
CONTEXT_SHARE = 0.5
# A cold answer's prompt holds at least this many tokens (what the model needs to see of the
# code to say anything useful), and is used only when it spares at least half of the full
# prompt's missing evaluation: small files are simply evaluated whole.
COLD_MIN_TOKENS = 256
# The slot of a document's shorter prompt, beside its own (whose warm-up goes on meanwhile).
COLD_SLOT = "\x00cold:"
# A cold answer decodes what the model writes in the time cold_ms leaves once its prompt is
# evaluated (its first lines: the whole block comes once the full prompt is warm), and at
# least about a line of code.
COLD_MIN_ANSWER_TOKENS = 16


class Completion(msgspec.Struct):
    text: str
    mode: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"
    seconds: float = 0.0
    reevaluated_tokens: int = 0
    # Answered from a shorter prompt, the full one not yet evaluated (cold_prompt): the caller
    # warms the full prompt in idle time for the next request.
    cold: bool = False


def describe_limits(settings: CompletionSettings, speed: Speed) -> str:
    """One line for the user: the measured speed and what the completion limits became."""
    limits = completion_limits(settings, speed)
    cap = lambda ms: "none" if ms == 0 else f"{ms / 1000:.1f} s"  # noqa: E731
    return (f"{speed.prompt_tps:.0f} prompt tokens/s, {speed.decode_tps:.1f} decode tokens/s; "
            f"completions up to {limits.max_tokens} tokens, decoding capped at {cap(limits.max_decode_ms)}, "
            f"requests at {cap(limits.timeout_ms)}")


def make_prompt(snap: Snapshot, backend: Backend, settings: CompletionSettings, budget: int | None = None) -> Prompt:
    """The completion prompt for `snap`, within `settings.context_tokens` (or `budget`)."""
    limit = completion_limits(settings, getattr(backend, "speed", None)).max_tokens
    max_tokens = limit if snap.cursor.mode == "block" else min(limit, LINE_MAX_TOKENS)
    # Leave room in the context window for the answer and the FIM markers.
    context_tokens = max(32, min(budget or settings.context_tokens, backend.n_ctx - max_tokens - 16))
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
    generating (backends that cannot: nothing); for a cold cache, the shorter prompt first."""
    prefill = getattr(backend, "prefill", None)
    if prefill is None or cancel.cancelled:
        return CompletionResult("", finish_reason="cancelled" if cancel.cancelled else "stop")
    prompt = make_prompt(snap, backend, settings)
    # While the full prompt is far from evaluated, the next request is answered from the
    # shorter one (generate): that one first, so that even a short pause makes it fast.
    short = cold_prompt(snap, backend, settings, prompt, slot, settings.cold_prompt_ms)
    done = 0
    if short is not None:
        first = prefill(short.text, COLD_SLOT + slot, cancel)
        if cancel.cancelled:
            first.finish_reason = "cancelled"
            return first
        done = first.reevaluated_tokens
    result = prefill(prompt.text, slot, cancel)
    result.reevaluated_tokens += done
    return result


def cold_prompt(snap: Snapshot, backend: Backend, settings: CompletionSettings, prompt: Prompt, slot: str,
                cold_ms: int) -> Prompt | None:
    """A shorter prompt for `snap` when the backend would spend more than `cold_ms` evaluating
    what it lacks of `prompt` (the first request in a file on a CPU: seconds), holding what it
    evaluates in about `cold_ms`; None when the full prompt is near enough."""
    held_tokens = getattr(backend, "held_tokens", None)
    speed: Speed | None = getattr(backend, "speed", None)
    if not cold_ms or held_tokens is None or speed is None or speed.prompt_tps <= 0:
        return None
    held, total = held_tokens(prompt.text, slot)
    missing = total - held
    if missing / speed.prompt_tps * 1000 <= cold_ms:
        return None
    budget = max(COLD_MIN_TOKENS, int(speed.prompt_tps * cold_ms / 1000))
    if budget * 2 > missing:
        return None
    return make_prompt(snap, backend, settings, budget)


def cold_answer_tokens(speed: Speed, missing: int, max_tokens: int, cold_ms: int) -> int:
    """The tokens a cold answer decodes: what the model writes in the time `cold_ms` leaves
    after evaluating the `missing` tokens of its prompt, so that the whole answer takes about
    `cold_ms`; at least COLD_MIN_ANSWER_TOKENS."""
    if speed.decode_tps <= 0 or speed.prompt_tps <= 0:
        return max_tokens
    left_ms = cold_ms - missing / speed.prompt_tps * 1000
    return min(max_tokens, max(COLD_MIN_ANSWER_TOKENS, int(speed.decode_tps * left_ms / 1000)))


def generate(
    snap: Snapshot,
    backend: Backend,
    settings: CompletionSettings,
    cancel: CancelToken | None = None,
    slot: str = "",
    cold_ms: int = 0,
) -> Completion:
    """The completion for `snap`. With `cold_ms` (a server that warms prompts in idle time),
    a prompt the backend mostly lacks is answered from a shorter one (cold_prompt), in a slot
    of its own so that the document's warm-up keeps what it evaluated."""
    start = time.perf_counter()
    if cancel is not None and cancel.cancelled:  # superseded while queued
        return Completion("", snap.cursor.mode, finish_reason="cancelled")
    prompt = make_prompt(snap, backend, settings)
    short = cold_prompt(snap, backend, settings, prompt, slot, cold_ms)
    max_tokens = prompt.max_tokens
    if short is not None:
        prompt, slot = short, COLD_SLOT + slot
        held, total = backend.held_tokens(prompt.text, slot)  # cold_prompt: it has both
        max_tokens = cold_answer_tokens(backend.speed, total - held, prompt.max_tokens, cold_ms)
    limits = completion_limits(settings, getattr(backend, "speed", None))
    request = CompletionRequest(
        prompt.text,
        prompt.stop,
        max_tokens,
        heal=prompt.heal,
        timeout_s=limits.timeout_ms / 1000,
        decode_timeout_s=limits.max_decode_ms / 1000,
        slot=slot,
    )
    until = None
    if snap.cursor.mode == "block":
        suffix = snap.text[snap.index:]

        def until(raw: str) -> bool:  # stop decoding once the block has visibly ended
            return block_finished(prompt.strip_heal(raw), snap.cursor, suffix, settings.max_lines)

    result = backend.complete(request, cancel, until)
    capped = max_tokens < prompt.max_tokens  # a cold answer's "length" is its time running out
    text = _finish(result, prompt, snap, settings, capped)
    # After `receiver.`, a name the receiver does not hold is an invented one: the model
    # chooses again among those it holds (its prompt is cached: only the answer is new),
    # unless it was cut short by the user or the time limit.
    starts = member_starts(snap.cursor.line_prefix, text, snap.names, snap.text) if backend.heals else ()
    if starts and result.finish_reason in ("stop", "length"):
        result = backend.complete(msgspec.structs.replace(request, names=starts), cancel, until)
        text = _finish(result, prompt, snap, settings, capped)
    return Completion(
        text,
        snap.cursor.mode,
        result.prompt_tokens,
        result.completion_tokens,
        result.finish_reason,
        time.perf_counter() - start,
        result.reevaluated_tokens,
        short is not None,
    )


def _finish(result: CompletionResult, prompt: Prompt, snap: Snapshot, settings: CompletionSettings,
            capped: bool = False) -> str:
    """The model's answer cut to what the cursor wants and the code around it can take;
    `capped`: its token limit was a time limit (a cold answer's)."""
    if result.finish_reason == "cancelled":
        return ""
    raw = prompt.strip_heal(result.text)
    if result.finish_reason == "time" or (capped and result.finish_reason == "length"):  # the finished part only
        raw = cut_partial(raw)
    text = postprocess(raw, snap.cursor, snap.text[snap.index:], settings.max_lines)
    return keep_parseable(snap.language, snap.text, snap.index, text)

