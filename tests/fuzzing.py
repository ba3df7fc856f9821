"""Hypothesis settings shared by the fuzz tests.

CI runs a bounded number of examples (the whole fuzz run stays well under 2 minutes); set
ATELIER_FUZZ_SCALE to multiply them for a longer run, e.g. ATELIER_FUZZ_SCALE=50.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("ATELIER_FUZZ_SCALE", "1")))


def fuzz_settings(examples: int) -> settings:
    """`examples` (times the scale), no per-example deadline (the server runs in another
    process, and a 2-core machine shared with other work is slow at times)."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=SCALE == 1,  # CI: the same inputs at every run; longer runs explore
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
        print_blob=True,
    )
