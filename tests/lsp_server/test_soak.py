"""A bounded soak: 1,000 requests of a replayed editing session through the real server with
the real model; its resident memory may not grow more than 10% after the warm-up.
(`atelier bench soak` runs 10,000.)"""

import asyncio

import pytest

from atelier.lsp_server.bench.replay import default_replay_file
from atelier.lsp_server.bench.soak import TARGET_GROWTH_PERCENT, _soak, rss_kib

pytestmark = pytest.mark.slow


def test_rss_is_read_from_proc():
    import os

    assert rss_kib(os.getpid()) > 1000


@pytest.mark.timeout(900)
def test_memory_stays_flat_over_1000_requests():
    result = asyncio.run(_soak(1000, default_replay_file()))
    assert result["requests"] >= 1000
    assert result["answered"] > result["requests"] // 2  # completions and code actions came back
    # ghost text with something in it, not empty answers
    assert result["inline_answered"] > result["inline_requests"] // 2, result
    assert result["error_answers"] <= result["requests"] // 10  # hover only: not offered
    assert result["rss_growth_percent"] <= TARGET_GROWTH_PERCENT, result
