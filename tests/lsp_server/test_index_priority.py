"""The workspace index is built at the lowest CPU priority, on a thread of its own: the model's
threads (completions, warm-ups) come first, and the server's own thread keeps its priority."""

import asyncio
import os
import sys
import threading

import pytest

from atelier.lsp_server.features.lifecycle import INDEX_NICE, build_in_background

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="per-thread priorities are Linux's")


def test_the_build_runs_niced_on_another_thread_and_leaves_the_callers_priority():
    seen = {}

    def build(report):  # records where and how it ran
        seen["thread"] = threading.get_native_id()
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, 0)  # 0: the calling thread, on Linux
        report()

    before = os.getpriority(os.PRIO_PROCESS, 0)
    reported = []
    asyncio.run(build_in_background(build, lambda: reported.append(True)))
    assert reported == [True]
    assert seen["thread"] != threading.get_native_id()
    assert seen["nice"] == max(before, INDEX_NICE)
    assert os.getpriority(os.PRIO_PROCESS, 0) == before
