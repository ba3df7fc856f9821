"""FairThreads: llama.cpp gets the cores other processes leave idle, at least one."""

import os

from atelier.models import llama
from atelier.models.llama import FairThreads


def test_threads_follow_the_cores_other_processes_leave(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    samples = iter([
        (0.0, 0.0, 0.0),
        (1.0, 1.0, 0.0),  # another process kept one core busy for the whole second
        (2.0, 2.8, 0.9),  # busy 1.8 core-s, 0.9 of it ours: still one other core busy
        (3.0, 3.0, 1.0),  # nothing else ran
        (3.1, 3.1, 1.1),  # too soon: the last decision stands
        (5.0, 7.0, 1.1),  # both cores busy with others: one thread all the same
    ])
    monkeypatch.setattr(FairThreads, "_sample", staticmethod(lambda: next(samples)))
    threads = FairThreads(2)
    assert [threads.choose() for _ in range(5)] == [1, 1, 2, 2, 1]


def test_passive_openmp_wait_is_set_before_llama_cpp_loads():
    assert os.environ.get("OMP_WAIT_POLICY") == "passive"
    assert llama.__name__  # set on import of atelier.models.llama
