"""The interface every inference backend implements.

A backend turns a finished prompt into text. It knows nothing of documents, cursors or LSP:
the caller builds the prompt (context/) and post-processes the answer.
"""

from __future__ import annotations

import threading
from typing import Callable, Protocol

import msgspec

from atelier.models.fim import FimFormat


class CompletionRequest(msgspec.Struct, frozen=True):
    prompt: str
    stop: tuple[str, ...] = ()
    max_tokens: int = 64
    temperature: float = 0.0
    # Seed of the sampler when temperature > 0 (None: the backend's own random one), so that
    # sampled answers can be reproduced.
    seed: int | None = None
    # Text the answer must begin with: the end of the prompt that was cut off so that the
    # model can choose its own tokens for it (token healing). Backends that cannot constrain
    # generation ignore it.
    heal: str = ""
    # After `heal`, the answer must go on with one of these whole names (what the receiver
    # before a dot holds, when the model's own choice was none of them). Ignored like `heal`.
    names: tuple[str, ...] = ()
    # Stop generating after this many seconds and return what is there (0: no limit).
    timeout_s: float = 0.0
    # Stop decoding this long after the first token (0: no limit): the prompt may take long
    # the first time, but once the answer flows its length is what the user waits for.
    decode_timeout_s: float = 0.0
    # Whose prompt this is (a document's uri): backends that keep evaluated states per slot
    # (the embedded one) bring that slot's back before evaluating, and keep the one replaced.
    slot: str = ""


class CompletionResult(msgspec.Struct):
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # "stop" (stop sequence or end of text), "length" (max_tokens), "cancelled"
    finish_reason: str = "stop"
    # Prompt tokens the backend had to evaluate (the rest came from its cache); equal to
    # prompt_tokens for backends that cannot tell.
    reevaluated_tokens: int = 0


class Speed(msgspec.Struct, frozen=True):
    """What a short calibration at load measured: prompt evaluation and decoding, tokens/s.
    The server derives its time caps and token limits from it (engine.completion.limits)."""

    prompt_tps: float
    decode_tps: float
    seconds: float = 0.0  # what measuring cost


class ChatMessage(msgspec.Struct, frozen=True):
    role: str  # "system" | "user" | "assistant"
    content: str


class CancelToken:
    """Set from any thread; the generating thread checks it between tokens."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class Backend(Protocol):
    """What the server needs from a model. Calls block: run them off the event loop."""

    @property
    def name(self) -> str: ...

    @property
    def fim(self) -> FimFormat | None:
        """The model's fill-in-the-middle format, or None for prefix-only prompting."""

    @property
    def n_ctx(self) -> int: ...

    @property
    def heals(self) -> bool:
        """Whether the backend can make an answer start with `CompletionRequest.heal`."""

    def count_tokens(self, text: str) -> int: ...

    def complete(
        self,
        request: CompletionRequest,
        cancel: CancelToken | None = None,
        until: Callable[[str], bool] | None = None,
    ) -> CompletionResult:
        """Generate, stopping at a stop sequence, `max_tokens`, the timeout, cancellation
        (finish_reason "cancelled") or once `until(text so far)` is true."""

    def chat(
        self,
        messages: list[ChatMessage],
        max_tokens: int = 512,
        cancel: CancelToken | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> CompletionResult:
        """Answer with the model's chat template; `on_text` receives each piece of the
        answer as it is generated (on the calling thread)."""

    def close(self) -> None: ...
