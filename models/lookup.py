"""Prompt-lookup decoding: greedy generation that guesses the next tokens by finding the last
few tokens earlier in the prompt or the answer (code repeats its own names and lines), and
checks the guess in one llama.cpp batch. The answer is the plain greedy one, token for token.

llama-cpp-python's own `LlamaPromptLookupDecoding` needs `logits_all` (the logits of every
prompt token: 805 MB at n_ctx 4,096 for a 49k vocabulary); here logits are asked for only at
the positions being checked.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

import numpy as np

from atelier.models.backend import CancelToken, CompletionResult

# A guess needs the last MIN_MATCH tokens (at least) to have occurred before; of the earlier
# occurrences, the one matching the most tokens back (up to MAX_MATCH) is followed, and the
# guess is as long as the match minus SLACK: short matches guess wrong more often, and on a CPU
# each guessed token costs a third to half of a token's decoding whether it is right or not
# (measured on the default model: docs/benchmarks.md, "Faster decoding").
MIN_MATCH = 3
MAX_MATCH = 16
SLACK = 3


def find_draft(seq: np.ndarray, k: int, min_match: int = MIN_MATCH, max_match: int = MAX_MATCH,
               slack: int = SLACK) -> list[int]:
    """Up to `k` tokens that followed the earlier occurrence of the end of `seq` that matches
    it longest (at least `min_match` tokens; the most recent of equals), at most the match's
    length minus `slack`; [] when there is none."""
    n = len(seq)
    if k <= 0 or n <= min_match:
        return []
    tail = seq[n - min_match:]
    # Starts p before the tail's own, so that seq[p + min_match] (a following token) exists.
    hits = np.flatnonzero(seq[: n - min_match] == tail[0])
    for j in range(1, min_match):
        if not hits.size:
            return []
        hits = hits[seq[hits + j] == tail[j]]
    if not hits.size:
        return []
    length = np.full(hits.size, min_match)
    alive = np.ones(hits.size, dtype=bool)
    for j in range(1, min(max_match - min_match, n - min_match) + 1):
        before = hits - j
        alive &= before >= 0
        alive[alive] = seq[before[alive]] == seq[n - min_match - j]
        if not alive.any():
            break
        length[alive] += 1
    best = int(np.flatnonzero(length == length.max())[-1])
    count = min(k, int(length[best]) - slack)
    start = int(hits[best]) + min_match
    return seq[start: start + count].tolist() if count > 0 else []


class LookupStats:
    """What the drafts did, summed over calls: decode batches, tokens proposed, accepted."""

    def __init__(self) -> None:
        self.batches = 0
        self.drafted = 0
        self.accepted = 0

    @property
    def acceptance(self) -> float:
        return self.accepted / self.drafted if self.drafted else 0.0


def greedy_steps(llm, tokens: list[int], reused: int, draft: int, processor=None,
                 limit: Callable[[], int] | None = None, stats: LookupStats | None = None) -> Iterator[list[int]]:
    """Greedy tokens after the prompt `tokens`, of which llama.cpp's cache holds the first
    `reused`: one list per llama.cpp batch (the accepted drafts and the model's next token).
    `processor(input_ids, scores)` changes the scores before each choice (token healing);
    `limit()`: at most how many drafts the caller can still use. The cache and
    `llm.input_ids`/`llm.n_tokens` stay in step (generated tokens included, as llama-cpp-python
    leaves them), so the next prompt reuses what they share."""
    import llama_cpp

    draft = min(draft, llm.n_batch - 1)  # the drafts and the token before them make one batch
    ctx = llm._ctx
    n_vocab = llm.n_vocab()
    n_ctx = llm.n_ctx()
    seq = np.empty(n_ctx + draft + 1, dtype=np.intc)
    seq[: len(tokens)] = tokens
    size = len(tokens)
    llm.n_tokens = reused
    llm.eval(tokens[reused:-1])  # drops the cells past `reused` first; the last token goes with the drafts
    cur = tokens[-1]
    while True:
        n_past = llm.n_tokens
        room = min(draft, n_ctx - n_past - 1, limit() if limit is not None else draft)
        drafts = find_draft(seq[:size], room) if room > 0 else []
        batch = [cur, *drafts]
        llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
        ctx.decode(llm._batch)
        llm.input_ids[n_past: n_past + len(batch)] = batch
        llm.n_tokens = n_past + len(batch)
        llm._requires_eval = False
        new: list[int] = []
        for i in range(len(batch)):
            scores = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx.ctx, i), shape=(n_vocab,))
            if processor is not None:  # it sees the tokens up to the one whose successor is chosen
                scores = processor(llm.input_ids[: n_past + i + 1], scores.copy())
            token = int(np.argmax(scores))
            new.append(token)
            if i >= len(drafts) or token != drafts[i]:
                break
        keep = n_past + len(new)  # cur and the accepted drafts; the rejected ones leave the cache
        if keep < llm.n_tokens:
            ctx.kv_cache_seq_rm(-1, keep, -1)
            llm.n_tokens = keep
        if stats is not None:
            stats.batches += 1
            stats.drafted += len(drafts)
            stats.accepted += len(new) - 1
        seq[size: size + len(new)] = new
        size += len(new)
        cur = new[-1]
        yield new


def complete_greedy(
    llm,
    tokens: list[int],
    reused: int,
    draft: int,
    *,
    max_tokens: int,
    stop: tuple[str, ...] = (),
    processor=None,
    cancel: CancelToken | None = None,
    until: Callable[[str], bool] | None = None,
    timeout_s: float = 0.0,
    decode_timeout_s: float = 0.0,
    stats: LookupStats | None = None,
) -> CompletionResult:
    """What `Llama.create_completion` (temperature 0, no repeat penalty) answers for `tokens`,
    decoded with prompt-lookup drafts of up to `draft` tokens: the same stop strings (the text
    cut before the first one found), end-of-generation tokens and max_tokens; and what
    `models.llama._drain` adds: cancellation between batches, the time caps, `until`."""
    import llama_cpp

    if max_tokens <= 0 or max_tokens + len(tokens) >= llm.n_ctx():
        max_tokens = llm.n_ctx() - len(tokens)
    stops = [s.encode() for s in stop]
    vocab = llm._model.vocab
    out: list[int] = []
    raw = bytearray()
    text: bytes | None = None  # set when a stop string cut it
    finish = "length"
    deadline = time.monotonic() + timeout_s if timeout_s else None
    steps = greedy_steps(llm, tokens, reused, draft, processor, lambda: max_tokens - len(out) - 1, stats)
    try:
        for new in steps:
            if cancel is not None and cancel.cancelled:
                finish = "cancelled"
                break
            if not out and decode_timeout_s:
                first = time.monotonic() + decode_timeout_s
                deadline = min(deadline, first) if deadline is not None else first
            done = False
            for token in new:
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    finish, done = "stop", True
                    break
                out.append(token)
                piece = llm.detokenize([token])
                raw += piece
                found = [s for s in stops if s in raw]
                if found:
                    text = bytes(raw[: raw.index(found[0])])
                    finish, done = "stop", True
                    break
                if len(out) >= max_tokens:
                    finish, done = "length", True
                    break
                if until is not None and b"\n" in piece and until(raw.decode("utf-8", errors="ignore")):
                    finish, done = "stop", True
                    break
            if done:
                break
            if deadline is not None and time.monotonic() > deadline:
                finish = "time"
                break
    finally:
        steps.close()
    answer = (bytes(raw) if text is None else text).decode("utf-8", errors="ignore")
    return CompletionResult(answer, prompt_tokens=len(tokens), completion_tokens=len(out), finish_reason=finish)
