"""Kept prompt states (models.states): their memory stays within the budget whatever is put."""

import random

import numpy as np

from atelier.models.states import KeptState, StateCache


def state(n_tokens: int, bytes_per_token: int = 100) -> KeptState:
    return KeptState(np.arange(n_tokens, dtype=np.intc), bytes(n_tokens * bytes_per_token))


def test_memory_of_kept_states_stays_within_the_budget():
    rng = random.Random(7)
    cache = StateCache(budget=50_000)
    for i in range(500):
        kept = cache.put(f"doc{rng.randrange(12)}", state(rng.randrange(1, 200)))
        assert kept
        assert cache.nbytes == sum(cache.get(s).nbytes for s in list(cache._states)) <= 50_000
    assert cache.evicted > 0


def test_least_recently_used_goes_first_and_too_large_is_not_kept():
    cache = StateCache(budget=3 * state(10).nbytes)
    for slot in "abc":
        cache.put(slot, state(10))
    cache.get("a")  # used: b is now the oldest
    cache.put("d", state(10))
    assert "b" not in cache and {"a", "c", "d"} <= set(cache._states)
    assert not cache.put("huge", state(1000))
    assert "huge" not in cache and cache.nbytes <= cache.budget


def test_a_slot_holds_one_state_and_a_zero_budget_keeps_none():
    cache = StateCache(budget=10 * state(10).nbytes)
    cache.put("a", state(10))
    cache.put("a", state(5))
    assert len(cache) == 1 and cache.nbytes == state(5).nbytes
    off = StateCache(budget=0)
    assert not off.put("a", state(1)) and len(off) == 0


def test_common_prefix():
    assert state(10).common_prefix([0, 1, 2, 9]) == 3
    assert state(3).common_prefix([0, 1, 2, 3, 4]) == 3
    assert state(0).common_prefix([1]) == 0
