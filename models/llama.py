"""The embedded backend: llama.cpp in this process, through llama-cpp-python."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from atelier.models.backend import CancelToken, ChatMessage, CompletionRequest, CompletionResult, Speed
from atelier.models.errors import ModelError
from atelier.models.fim import FimFormat, detect_fim
from atelier.models.gguf_info import GGUFError, lora_mismatch
from atelier.models.locate import check_gguf
from atelier.models.lookup import LookupStats, complete_greedy
from atelier.models.states import CHAT_SLOT, KeptState, StateCache

log = logging.getLogger(__name__)

# llama.cpp's CPU backend runs its threads with OpenMP, whose threads spin between operations by
# default: on a machine where other processes want the cores they steal them, and a thread that
# loses its core stalls every barrier (10-50x slowdowns were seen on 2 cores). Passive waiting
# sleeps instead; OpenMP reads it once, when llama.cpp's library loads (after this module).
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

# Prompt tokens a warm-up (`prefill`) evaluates between two looks at its cancellation token: a
# real request waits for one such batch at most (~0.1-0.2 s on 2 CPU cores with the default model).
WARM_BATCH = 32


def gpu_offload_supported() -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


@functools.cache
def amx_kernels() -> bool:
    """Whether this llama.cpp build runs its AMX matrix kernels (built with -march=native on a
    CPU with AMX). They crash in decoding (SIGSEGV in ggml_backend_amx_mul_mat, llama.cpp issue
    20824, seen on these machines with llama-cpp-python 0.3.36)."""
    import llama_cpp

    return b"AMX_INT8 = 1" in llama_cpp.llama_print_system_info()


@contextlib.contextmanager
def without_amx_kernels():
    """Where the AMX kernels would run, models created inside skip llama.cpp's extra CPU buffer
    types (AMX, weight repacking), which llama-cpp-python does not expose as an argument: its
    own default parameters are wrapped for that time, under a lock."""
    import llama_cpp.llama as module

    if not amx_kernels():
        yield
        return
    original = module.llama_cpp.llama_model_default_params

    def params():
        value = original()
        value.use_extra_bufts = False
        return value

    with _LOAD_LOCK:
        module.llama_cpp.llama_model_default_params = params
        try:
            yield
        finally:
            module.llama_cpp.llama_model_default_params = original


_LOAD_LOCK = threading.Lock()


def new_llama(**params):
    """llama_cpp.Llama(**params), without the AMX kernels where they would run."""
    import llama_cpp

    with without_amx_kernels():
        return llama_cpp.Llama(**params)


class FairThreads:
    """The threads a call gets: as many cores as other processes leave idle (measured from
    /proc/stat since the last call, this process's own time taken out), at least one and at
    most `most`. A thread sharing its core with a busy process holds up all the others at each
    of llama.cpp's barriers: one thread fewer is faster then."""

    MIN_INTERVAL_S = 0.2  # shorter: keep the last decision

    def __init__(self, most: int) -> None:
        self.most = max(1, most)
        self.current = self.most
        self._last = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat", "rb") as f:
                fields = f.readline().split()[1:]
        except OSError:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        busy = (sum(map(int, fields[:8])) - int(fields[3]) - int(fields[4])) / ticks  # not idle, not iowait
        own = sum(os.times()[:2])
        return time.monotonic(), busy, own

    def choose(self) -> int:
        now = self._sample()
        if now is None or self._last is None or now[0] - self._last[0] < self.MIN_INTERVAL_S:
            return self.current
        wall = now[0] - self._last[0]
        others = max(0.0, (now[1] - self._last[1]) - (now[2] - self._last[2])) / wall  # cores in use
        self._last = now
        free = (os.cpu_count() or 1) - others
        self.current = max(1, min(self.most, int(free + 0.5)))
        return self.current


# The calibration at load (LlamaBackend.calibrate): a little ordinary code, repeated.
CALIBRATION_TEXT = (
    "def fibonacci(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n\n\n"
    "class Inventory:\n    def __init__(self):\n        self.items = {}\n\n    def add(self, name, count=1):\n"
    "        self.items[name] = self.items.get(name, 0) + count\n"
)
CALIBRATION_PROMPT_TOKENS = 48
CALIBRATION_DECODE_TOKENS = 6


def default_threads() -> int:
    # llama-cpp-python's own default is half the cores, which leaves a 2-core laptop idle.
    return max(1, min(os.cpu_count() or 1, 8))


class LlamaBackend:
    """One llama.cpp model and context. Calls block and are serialised by a lock: the
    server runs them on its single inference worker thread."""

    def __init__(
        self,
        path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_gpu_layers: int | None = None,
        main_gpu: int = 0,
        flash_attn: bool = False,
        n_batch: int = 512,
        source: str = "setting model.path",
        lora_path: Path | None = None,
        lora_scale: float = 1.0,
        kept_states_mb: int | None = None,
        prompt_lookup: int = 0,
    ) -> None:
        check_gguf(path, source)
        import llama_cpp  # noqa: F401  (fails here, with its own message, where it is not installed)

        self.path = path
        self.n_gpu_layers = n_gpu_layers if n_gpu_layers is not None else (-1 if gpu_offload_supported() else 0)
        threads = n_threads or default_threads()
        params = dict(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            n_gpu_layers=self.n_gpu_layers,
            main_gpu=main_gpu,
            flash_attn=flash_attn,
            n_batch=n_batch,
            n_ubatch=n_batch,
            verbose=False,
        )
        # A bad adapter must not cost the user the model: it is reported, and the base model serves.
        self.adapter: Path | None = None
        self.adapter_error: str | None = None
        self._llm = None
        if lora_path is not None:
            self.adapter_error = adapter_problem(lora_path, path)
            if self.adapter_error is None:
                try:
                    self._llm = new_llama(**params, lora_path=str(lora_path), lora_scale=lora_scale)
                    self.adapter = lora_path
                except Exception as exc:
                    self.adapter_error = (
                        f"llama.cpp could not apply LoRA adapter {lora_path} to {path.name} ({exc}): it was made for "
                        "another base model or is damaged; set model.lora_path to an adapter converted for this model "
                        "(convert_lora_to_gguf.py --base …), or unset it. Using the base model without it"
                    )
        if self._llm is None:
            try:
                self._llm = new_llama(**params)
            except Exception as exc:  # llama-cpp-python raises ValueError with a terse text
                if "context" in str(exc):  # the weights loaded: the KV cache or compute buffers did not fit
                    raise ModelError(
                        f"llama.cpp loaded {path.name} but could not create a context of model.n_ctx={n_ctx} "
                        f"tokens ({exc}), most likely for lack of memory: lower model.n_ctx"
                    ) from exc
                raise ModelError(
                    f"llama.cpp could not load model file {path} ({exc}); the file may be truncated or "
                    "corrupt: download it again, or set model.path to another .gguf file"
                ) from exc
        self._lock = threading.Lock()
        self._last_prompt: tuple[str, list[int]] = ("", [])
        # The slot (a document's uri, chat) whose prompt the context holds, and the evaluated
        # states of the others (models.states), bounded in bytes: by default as many as the
        # context's own KV cache holds (n_ctx tokens), ~4 documents of 1,000-token prompts.
        self._slot: str | None = None
        self.kv_bytes_per_token = kv_bytes_per_token(self._llm)
        budget = kept_states_mb * 2**20 if kept_states_mb is not None else n_ctx * self.kv_bytes_per_token
        self.states = StateCache(budget)
        self.prefill_batches: list[tuple[float, float]] = []  # the last warm-up's batches (start, end)
        self.threads = FairThreads(threads)
        self._threads_set = threads
        # Prompt windows are counted line by line and mostly hold the same lines from one
        # keystroke to the next: remembering counts makes assembly ~10x cheaper.
        self._count_cached = functools.lru_cache(maxsize=16384)(self._count)
        # Token healing needs every token's bytes; built here (~0.5 s for a 49k vocabulary)
        # so that the first completion does not pay for it.
        self._pieces = _pieces_by_first_byte(self._llm)
        self._fim = detect_fim(self._is_single_token)
        self.speed: Speed | None = None  # measured by calibrate()
        # Greedy completions guess up to this many tokens from the prompt (models.lookup); 0: off.
        self.prompt_lookup = prompt_lookup
        self.lookup_stats = LookupStats()
        log.info(
            "loaded %s (n_ctx=%d, threads=%d, n_gpu_layers=%d, fim=%s)",
            path, n_ctx, threads, self.n_gpu_layers, self._fim.name if self._fim else "none",
        )

    @property
    def name(self) -> str:
        return self.path.name if self.adapter is None else f"{self.path.name} + {self.adapter.name}"

    @property
    def heals(self) -> bool:
        """Whether `CompletionRequest.heal` is honoured (it needs the logits)."""
        return True

    @property
    def fim(self) -> FimFormat | None:
        return self._fim

    @property
    def n_ctx(self) -> int:
        return self._llm.n_ctx()

    @property
    def llama(self):
        """The underlying llama_cpp.Llama, for benchmarks that compare against it."""
        return self._llm

    def healing(self, heal: str, names: tuple[str, ...] = ()):
        """A logits processor list that makes the answer start with `heal`, then with one of
        the whole `names` if any are given; None when nothing is required."""
        if not heal and not names:
            return None
        import llama_cpp

        starts = [(heal + n).encode() for n in names] or [heal.encode()]
        return llama_cpp.LogitsProcessorList([_Healer(self._llm, starts, bool(names), self._pieces)])

    def _is_single_token(self, text: str) -> bool:
        return len(self._llm.tokenize(text.encode(), add_bos=False, special=True)) == 1

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return self._count_cached(text)

    def _count(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode(), add_bos=False, special=False))

    def _reused_prefix(self, tokens: list[int]) -> int:
        """How many of `tokens` llama.cpp's cache already holds (it reuses the longest common
        prefix with what it evaluated last, generated tokens included)."""
        cached = self._llm.input_ids[: self._llm.n_tokens]
        n = min(len(cached), len(tokens))
        if n == 0:
            return 0
        diff = np.flatnonzero(cached[:n] != np.asarray(tokens[:n]))
        return int(diff[0]) if diff.size else n

    def _prompt_tokens(self, prompt: str) -> list[int]:
        """`prompt` tokenized; the last one is remembered, since a completion's prompt is
        tokenized for `held_tokens` and again for `complete` (a warm-up's for both prefills)."""
        if self._last_prompt[0] != prompt:
            self._last_prompt = (prompt, self._llm.tokenize(prompt.encode(), special=True))
        return self._last_prompt[1]

    def held_tokens(self, prompt: str, slot: str = "") -> tuple[int, int]:
        """How many of `prompt`'s tokens are already evaluated for `slot` (in the context, or
        in its kept state), and how many it has: what a completion there would still pay for."""
        with self._lock:
            tokens = self._prompt_tokens(prompt)
            if slot == self._slot:
                return self._reused_prefix(tokens), len(tokens)
            kept = self.states.peek(slot)
            return (kept.common_prefix(tokens) if kept is not None else 0), len(tokens)

    def complete(
        self,
        request: CompletionRequest,
        cancel: CancelToken | None = None,
        until: Callable[[str], bool] | None = None,
    ) -> CompletionResult:
        with self._lock:
            tokens = self._prompt_tokens(request.prompt)
            self._switch(request.slot, tokens)
            self._fair_threads()
            reused = min(self._reused_prefix(tokens), len(tokens) - 1)  # the last is always re-run
            if self.prompt_lookup and request.temperature == 0 and len(tokens) < self.n_ctx:
                result = complete_greedy(
                    self._llm,
                    tokens,
                    reused,
                    self.prompt_lookup,
                    max_tokens=request.max_tokens,
                    stop=request.stop,
                    processor=self.healing(request.heal, request.names),
                    cancel=cancel,
                    until=until,
                    timeout_s=request.timeout_s,
                    decode_timeout_s=request.decode_timeout_s,
                    stats=self.lookup_stats,
                )
                result.reevaluated_tokens = len(tokens) - reused
                return result
            stream = self._llm.create_completion(
                request.prompt,
                max_tokens=request.max_tokens,
                temperature=request.temperature,

                stop=list(request.stop),
                repeat_penalty=1.0,  # code repeats itself legitimately
                logits_processor=self.healing(request.heal, request.names),
                stream=True,
            )
            result = _drain(
                stream,
                cancel,
                lambda c: c["choices"][0].get("text", ""),
                len(tokens),
                until,
                request.timeout_s,
                request.decode_timeout_s,
            )
            result.reevaluated_tokens = len(tokens) - reused
            return result

    def _fair_threads(self) -> None:
        """Fewer threads while other processes keep cores busy (FairThreads)."""
        n = self.threads.choose()
        if n != self._threads_set:
            import llama_cpp

            llama_cpp.llama_set_n_threads(self._llm._ctx.ctx, n, n)
            self._threads_set = n
            log.debug("llama.cpp threads: %d", n)

    def _switch(self, slot: str, tokens: list[int] | None) -> None:
        """Before evaluating `tokens` for `slot`: keep the state of the slot the context holds,
        and bring `slot`'s kept state back when it holds more of `tokens` than the context
        does (`tokens` None: whenever there is one)."""
        if slot == self._slot:
            return
        self._keep()
        self._slot = slot
        kept = self.states.get(slot)
        if kept is None:
            return
        if tokens is None or kept.common_prefix(tokens) > self._reused_prefix(tokens) + 1:
            self._restore(kept)

    def _keep(self) -> None:
        """Copy the context's state out for the slot it belongs to, unless kept as it is."""
        if self._slot is not None and self._llm.n_tokens > 0 and self.states.budget and not self._kept_as_is():
            self._save(self._slot)

    def _kept_as_is(self) -> bool:
        """Whether the state kept for the context's slot holds what the context holds (kept
        as a chat answer ended, or brought back and not evaluated further): no copy to make."""
        kept = self.states.peek(self._slot)
        n = self._llm.n_tokens
        return kept is not None and len(kept.tokens) == n and bool(np.array_equal(kept.tokens, self._llm.input_ids[:n]))

    def _save(self, slot: str) -> None:
        import llama_cpp

        llm = self._llm
        ctx = llm._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        if size + llm.n_tokens * 4 > self.states.budget:
            self.states.drop(slot)  # too large to keep: what was kept for the slot is stale
            return
        data = (ctypes.c_uint8 * size)()
        if llama_cpp.llama_state_seq_get_data(ctx, data, size, 0) != size:
            return
        self.states.put(slot, KeptState(llm.input_ids[: llm.n_tokens].copy(), data))

    def _restore(self, kept: KeptState) -> None:
        import llama_cpp

        llm = self._llm
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        if not llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, kept.data, len(kept.data), 0):
            llm.reset()
            return
        n = len(kept.tokens)
        llm.input_ids[:n] = kept.tokens
        llm.n_tokens = n
        llm._requires_eval = True  # the logits are not the restored prompt's: generate re-runs its last token
        self.states.restored += 1

    def prefill(self, prompt: str, slot: str = "", cancel: CancelToken | None = None,
                batch: int = WARM_BATCH) -> CompletionResult:
        """Evaluate `prompt` into the cache without generating (a warm-up in idle time), `batch`
        tokens at a time, stopping between two batches once `cancel` is set: a real request
        waits for one batch at most, and keeps what was evaluated. The last token is left
        for the completion, which always runs it."""
        with self._lock:
            llm = self._llm
            tokens = self._prompt_tokens(prompt)[: llm.n_ctx() - 1]
            self._switch(slot, tokens)
            reused = self._reused_prefix(tokens)
            end = len(tokens) - 1
            self.prefill_batches = []
            finish, done = "stop", 0
            if reused < end:
                llm.n_tokens = reused  # eval drops the cells past it
                llm._requires_eval = True
                for start in range(reused, end, batch):
                    if cancel is not None and cancel.cancelled:
                        finish = "cancelled"
                        break
                    # Chosen again at each batch: a warm-up starts as the editor opens a file
                    # (busy for a moment); one chosen then would run on one thread throughout.
                    self._fair_threads()
                    began = time.monotonic()
                    llm.eval(tokens[start: min(end, start + batch)])
                    self.prefill_batches.append((began, time.monotonic()))
                    done = llm.n_tokens - reused
            return CompletionResult("", prompt_tokens=len(tokens), finish_reason=finish, reevaluated_tokens=done)

    def calibrate(self, prompt_tokens: int = CALIBRATION_PROMPT_TOKENS, decode_tokens: int = CALIBRATION_DECODE_TOKENS) -> Speed:
        """Measure prompt evaluation (one batch of `prompt_tokens`) and decoding (one token at a
        time, `decode_tokens` steps) on this machine, after a one-token warm-up; the cache is
        left empty. About 0.1 s for the default model, a few seconds for a 7B on a laptop CPU."""
        with self._lock:
            llm = self._llm
            began = time.perf_counter()
            tokens = llm.tokenize(CALIBRATION_TEXT.encode(), add_bos=False, special=False)
            tokens = (tokens * (prompt_tokens // max(1, len(tokens)) + 1))[:prompt_tokens + decode_tokens]
            self._switch("", None)  # keep the state a document had
            llm.reset()
            llm.eval(tokens[:1])  # the first evaluation allocates buffers: not counted
            llm.reset()
            start = time.perf_counter()
            llm.eval(tokens[:prompt_tokens])
            evaluated = time.perf_counter()
            for token in tokens[prompt_tokens:]:
                llm.eval([token])
            decoded = time.perf_counter()
            llm.reset()
            self.speed = Speed(
                round(prompt_tokens / max(evaluated - start, 1e-6), 1),
                round(decode_tokens / max(decoded - evaluated, 1e-6), 1),
                round(decoded - began, 3),
            )
        log.info("calibrated %s: %.0f prompt tokens/s, %.1f decode tokens/s (%.2f s)",
                 self.path.name, self.speed.prompt_tps, self.speed.decode_tps, self.speed.seconds)
        return self.speed

    def chat(
        self,
        messages: list[ChatMessage],
        max_tokens: int = 512,
        cancel: CancelToken | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> CompletionResult:
        def text_of(chunk) -> str:
            text = chunk["choices"][0]["delta"].get("content") or ""
            if text and on_text is not None:
                on_text(text)
            return text

        with self._lock:
            self._switch(CHAT_SLOT, None)  # its own state: a document's stays kept
            self._fair_threads()
            stream = self._llm.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                max_tokens=max_tokens,
                temperature=0.0,
                stream=True,
            )
            result = _drain(stream, cancel, text_of, 0)
            self._keep()  # now, while the answer is read, rather than by the next keystroke's switch
            return result

    def close(self) -> None:
        with self._lock:
            close = getattr(self._llm, "close", None)
            if close is not None:
                close()


def kv_bytes_per_token(llm) -> int:
    """Bytes of KV cache one token takes in `llm`'s context (f16 keys and values per layer)."""
    import llama_cpp

    model = llm._model.model
    n_head = max(1, llama_cpp.llama_model_n_head(model))
    head_dim = llama_cpp.llama_model_n_embd(model) // n_head
    return 2 * 2 * llama_cpp.llama_model_n_layer(model) * llama_cpp.llama_model_n_head_kv(model) * head_dim


def adapter_problem(path: Path, model: Path) -> str | None:
    """What is wrong with a LoRA adapter file before llama.cpp sees it (it logs a mismatch
    and goes on without it), or None."""
    if not path.is_file():
        return f"LoRA adapter {path} does not exist: set model.lora_path to a .gguf adapter file, or unset it. " \
               "Using the base model without it"
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            return f"LoRA adapter {path} is not a GGUF file: convert it with llama.cpp's convert_lora_to_gguf.py " \
                   "and set model.lora_path to the .gguf. Using the base model without it"
    try:
        why = lora_mismatch(path, model)
    except (GGUFError, OSError) as exc:
        why = str(exc)
    if why:
        return f"LoRA adapter {path} does not fit model {model.name}: {why}. It was made for another base model " \
               "or is damaged: set model.lora_path to an adapter converted for this model " \
               "(convert_lora_to_gguf.py --base …), or unset it. Using the base model without it"
    return None


def _pieces_by_first_byte(llm) -> dict[int, list[tuple[int, bytes]]]:
    """Every token's bytes, grouped by first byte (built once per model, ~0.1 s)."""
    groups: dict[int, list[tuple[int, bytes]]] = {}
    for token in range(llm.n_vocab()):
        piece = llm.detokenize([token])
        if piece:
            groups.setdefault(piece[0], []).append((token, piece))
    return groups


def _is_name_byte(byte: int) -> bool:
    return chr(byte).isalnum() or byte in b"_$" or byte >= 0x80


class _Healer:
    """Masks every token that does not continue one of the required starts of the answer
    until the answer holds one; then lets the model choose freely. `whole`: each start ends
    with a name, which the answer may not lengthen into another."""

    def __init__(self, llm, starts: list[bytes], whole: bool, pieces: dict[int, list[tuple[int, bytes]]]) -> None:
        self._llm = llm
        self._starts = starts
        self._whole = whole
        self._pieces = pieces
        self._n_prompt: int | None = None

    def __call__(self, input_ids, scores):
        if self._n_prompt is None:  # the first call sees exactly the prompt's tokens
            self._n_prompt = len(input_ids)
        done = self._llm.detokenize(list(input_ids[self._n_prompt:]))
        if any(len(done) > len(s) and done.startswith(s) for s in self._starts):
            return scores  # one start is held (tokens past a name were checked when chosen)
        needs = {s[len(done):] for s in self._starts if s.startswith(done)}
        if not self._whole and b"" in needs:
            return scores
        # What tokens may be: the start of what is needed, or all of it and then more.
        heads = {n[:k] for n in needs for k in range(1, len(n) + 1)}
        allowed = [t for t, p in self._candidates(needs) if p in heads or self._finishes(p, needs)]
        if not allowed:  # no token can continue it: leave the model be rather than emit nothing
            return scores
        masked = np.full_like(scores, -np.inf)
        masked[allowed] = scores[allowed]
        return masked

    def _candidates(self, needs: set[bytes]):
        first = {n[0] for n in needs if n}
        if b"" in needs:  # a whole name is held: what ends it may follow
            first |= {b for b in self._pieces if not _is_name_byte(b)}
        return (tp for b in first for tp in self._pieces.get(b, ()))

    def _finishes(self, piece: bytes, needs: set[bytes]) -> bool:
        """`piece` holds all of a need and goes on past it (past a name, not with its letters)."""
        return any(piece[:k] in needs and not (self._whole and _is_name_byte(piece[k])) for k in range(len(piece)))


def _drain(
    stream,
    cancel: CancelToken | None,
    text_of,
    prompt_tokens: int,
    until: Callable[[str], bool] | None = None,
    timeout_s: float = 0.0,
    decode_timeout_s: float = 0.0,
) -> CompletionResult:
    """Consume a llama-cpp-python stream, stopping between tokens once cancelled, past a
    deadline, or when `until` says the answer is complete."""
    parts: list[str] = []
    finish = "stop"
    steps = 0
    deadline = time.monotonic() + timeout_s if timeout_s else None
    try:
        for chunk in stream:
            if cancel is not None and cancel.cancelled:
                finish = "cancelled"
                break
            if steps == 0 and decode_timeout_s:
                first = time.monotonic() + decode_timeout_s
                deadline = min(deadline, first) if deadline is not None else first
            steps += 1
            parts.append(text_of(chunk))
            finish = chunk["choices"][0].get("finish_reason") or finish
            if until is not None and "\n" in parts[-1] and until("".join(parts)):
                finish = "stop"
                break
            if deadline is not None and time.monotonic() > deadline:
                finish = "time"
                break
    finally:
        stream.close()
    return CompletionResult("".join(parts), prompt_tokens=prompt_tokens, completion_tokens=steps, finish_reason=finish)


def inspect_model(path: Path) -> dict[str, object]:
    """What `atelier doctor` reports about a model, from its vocabulary and metadata only
    (no weights are loaded)."""
    check_gguf(path)
    import llama_cpp

    try:
        llm = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    except Exception as exc:
        raise ModelError(f"llama.cpp could not read model file {path} ({exc}): it may be truncated or corrupt") from exc
    try:
        fim = detect_fim(lambda t: len(llm.tokenize(t.encode(), add_bos=False, special=True)) == 1)
        meta = dict(llm.metadata)
        arch = meta.get("general.architecture", "?")
        return {
            "path": str(path),
            "size_mb": round(path.stat().st_size / 1e6, 1),
            "architecture": arch,
            "name": meta.get("general.name", path.stem),
            "context_length": int(meta.get(f"{arch}.context_length", 0) or 0),
            "fim": fim.name if fim else None,
            "chat_template": "tokenizer.chat_template" in meta,
        }
    finally:
        close = getattr(llm, "close", None)
        if close is not None:
            close()
