"""Evaluated prompt states kept per slot (a document, chat), so that coming back to a document
re-evaluates only what changed there.

llama.cpp's context holds one evaluated prompt (its KV cache). Before another slot's prompt
replaces it, the backend copies the cells of that sequence out (`llama_state_seq_get_data`:
~23 KB per token for the default model, ~20 ms for a 1,000-token prompt) and copies a kept
state back in when its slot returns (~20 ms, against seconds of prompt processing on a CPU).
The kept states live here: least recently used first out, their bytes bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np

# Slots that are not documents: chat turns and code actions run in their own state, so that
# they do not evict a document's.
CHAT_SLOT = "\x00chat"
# At most this many states whatever their size (each is a few lookups per switch).
MAX_STATES = 16


class KeptState:
    __slots__ = ("tokens", "data")

    def __init__(self, tokens: np.ndarray, data: bytes) -> None:
        self.tokens = tokens  # what the cells hold, token by token
        self.data = data  # llama_state_seq_get_data's bytes

    @property
    def nbytes(self) -> int:
        return len(self.data) + self.tokens.nbytes

    def common_prefix(self, tokens: Sequence[int]) -> int:
        return common_prefix(self.tokens, tokens)


def common_prefix(held: np.ndarray, tokens: Sequence[int]) -> int:
    n = min(len(held), len(tokens))
    if n == 0:
        return 0
    diff = np.flatnonzero(held[:n] != np.asarray(tokens[:n]))
    return int(diff[0]) if diff.size else n


class StateCache:
    """Kept states by slot, least recently used evicted first; `nbytes` never exceeds
    `budget` (a state larger than the whole budget is not kept)."""

    def __init__(self, budget: int, max_states: int = MAX_STATES) -> None:
        self.budget = max(0, budget)
        self.max_states = max_states
        self._states: OrderedDict[str, KeptState] = OrderedDict()
        self.nbytes = 0
        self.saved = 0  # states stored
        self.restored = 0  # states copied back into the context
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, slot: str) -> bool:
        return slot in self._states

    def put(self, slot: str, state: KeptState) -> bool:
        self.drop(slot)
        if state.nbytes > self.budget or self.max_states < 1:
            return False
        while self._states and (self.nbytes + state.nbytes > self.budget or len(self._states) >= self.max_states):
            _, old = self._states.popitem(last=False)
            self.nbytes -= old.nbytes
            self.evicted += 1
        self._states[slot] = state
        self.nbytes += state.nbytes
        self.saved += 1
        return True

    def get(self, slot: str) -> KeptState | None:
        state = self._states.get(slot)
        if state is not None:
            self._states.move_to_end(slot)
        return state

    def peek(self, slot: str) -> KeptState | None:
        """The slot's state, without making it the most recently used."""
        return self._states.get(slot)

    def drop(self, slot: str) -> None:
        old = self._states.pop(slot, None)
        if old is not None:
            self.nbytes -= old.nbytes

    def clear(self) -> None:
        self._states.clear()
        self.nbytes = 0
