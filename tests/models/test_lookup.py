"""Prompt-lookup decoding (models/lookup.py): the draft finder on its own, then with the real
default model: the same answers as plain greedy decoding, stop strings inside an accepted run
of drafts, token healing, and a cache the next request can reuse.

llama.cpp's logits depend slightly on how tokens were batched (a token evaluated alone or with
others differs by up to ~0.5 in a logit here), so a near-tie can go either way: plain decoding
differs between a cold and a warm prompt for the same reason. The prompts below have none."""

import logging.handlers
from pathlib import Path

import numpy as np
import pytest

from atelier.models.backend import CompletionRequest
from atelier.models.lookup import find_draft


def seq(*tokens: int) -> np.ndarray:
    return np.array(tokens, dtype=np.intc)


def test_the_draft_is_what_followed_the_earlier_occurrence_of_the_end():
    s = seq(1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5)
    assert find_draft(s, 4, slack=0) == [6, 7, 8, 9]
    assert find_draft(s, 2, slack=0) == [6, 7]  # at most k


def test_a_short_match_guesses_fewer_tokens():
    s = seq(1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5)  # a 5-token match
    assert find_draft(s, 8, slack=3) == [6, 7]
    assert find_draft(seq(7, 2, 3, 4, 5, 6, 9, 2, 3, 4), 8, slack=3) == []  # 3 tokens: no guess


def test_the_longest_match_wins_over_a_more_recent_shorter_one():
    s = seq(8, 1, 2, 3, 10, 11, 0, 1, 2, 3, 20, 21, 8, 1, 2, 3)
    assert find_draft(s, 2, slack=0) == [10, 11]
    s = seq(1, 2, 3, 10, 11, 0, 1, 2, 3, 20, 21, 0, 1, 2, 3)  # equal matches: the most recent
    assert find_draft(s, 2, slack=0) == [20, 21]


def test_no_draft_when_the_end_never_occurred_before():
    assert find_draft(seq(1, 2, 3, 4, 5, 6), 4, slack=0) == []
    assert find_draft(seq(1, 2, 3), 4, slack=0) == []
    assert find_draft(seq(1, 2, 3, 1, 2, 3), 0, slack=0) == []


def test_the_draft_stops_at_the_end_of_the_sequence():
    assert find_draft(seq(5, 5, 5, 5, 5), 8, slack=0) == [5]  # the match ends just before the tail


# -- with the real default model ----------------------------------------------------------------

SOURCE = Path(logging.handlers.__file__).read_text()
CODE = [SOURCE[6000:7500], SOURCE[12000:13500]]
REPEATED = "values = [" + ", ".join(["10, 20, 30, 40"] * 8)


@pytest.fixture(scope="module")
def backend():
    from atelier.models.llama import LlamaBackend
    from atelier.models.locate import bundled_model

    b = LlamaBackend(bundled_model(), n_ctx=2048)
    yield b
    b.close()


def both(backend, request: CompletionRequest, draft: int = 6):
    """The plain answer and the prompt-lookup one, each from a cold cache."""
    backend.llama.reset()
    backend.prompt_lookup = 0
    plain = backend.complete(request)
    backend.llama.reset()
    backend.prompt_lookup = draft
    before = backend.lookup_stats.accepted
    lookup = backend.complete(request)
    backend.prompt_lookup = 0
    return plain, lookup, backend.lookup_stats.accepted - before


@pytest.mark.slow
@pytest.mark.parametrize("prompt", [REPEATED, *CODE], ids=["repeated", "code-1", "code-2"])
def test_lookup_answers_as_plain_greedy_decoding(backend, prompt):
    plain, lookup, accepted = both(backend, CompletionRequest(prompt, max_tokens=40))
    assert lookup.text == plain.text
    assert lookup.finish_reason == "length" and lookup.completion_tokens == 40
    assert accepted > 0  # drafts were taken, not just plain steps


@pytest.mark.slow
def test_a_stop_string_inside_an_accepted_run_cuts_there(backend):
    request = CompletionRequest(REPEATED, stop=("40, 10, 20",), max_tokens=40)
    plain, lookup, accepted = both(backend, request)
    assert accepted > 0
    assert lookup.text == plain.text == ", 10, 20, 30, "
    assert lookup.finish_reason == "stop"


@pytest.mark.slow
def test_token_healing_constrains_each_checked_position(backend):
    prompt = SOURCE[:1500].rstrip()
    cut = prompt.rfind(" ") + 1  # ends mid-name ("…LOGG"): the model must re-type it
    request = CompletionRequest(prompt[:cut], max_tokens=30, heal=prompt[cut:])
    plain, lookup, accepted = both(backend, request)
    assert lookup.text == plain.text
    assert lookup.text.startswith(prompt[cut:])


@pytest.mark.slow
def test_the_next_request_reuses_the_prompt_after_lookup(backend):
    backend.llama.reset()
    backend.prompt_lookup = 6
    try:
        first = backend.complete(CompletionRequest(CODE[0], max_tokens=30))
        again = backend.complete(CompletionRequest(CODE[0], max_tokens=30))
        typed = backend.complete(CompletionRequest(CODE[0] + first.text[:12], max_tokens=30))
    finally:
        backend.prompt_lookup = 0
    assert first.reevaluated_tokens > 300
    assert again.reevaluated_tokens == 1 and again.text == first.text
    assert typed.reevaluated_tokens <= 4, typed  # the answer's own tokens were cached with it
    llm = backend.llama
    assert llm.n_tokens <= len(llm.tokenize((CODE[0] + first.text[:12]).encode())) + 30


@pytest.mark.slow
def test_until_and_cancellation_stop_lookup_as_they_stop_plain_decoding(backend):
    from atelier.models.backend import CancelToken

    request = CompletionRequest(CODE[1], max_tokens=40)
    results = {}
    for draft in (0, 6):
        backend.llama.reset()
        backend.prompt_lookup = draft
        cancel = CancelToken()
        cancel.cancel()
        try:
            results[draft] = (
                backend.complete(request, until=lambda text: text.count("\n") >= 2),
                backend.complete(request, cancel),
            )
        finally:
            backend.prompt_lookup = 0
    (plain, plain_cancelled), (lookup, lookup_cancelled) = results[0], results[6]
    assert lookup.text == plain.text and lookup.text.count("\n") == 2 and lookup.finish_reason == "stop"
    assert lookup_cancelled.finish_reason == plain_cancelled.finish_reason == "cancelled"
    assert lookup_cancelled.text == plain_cancelled.text == ""
