"""What every `atelier bench` prints: a progress bar while it runs, then its report, as
JSON (`--json`) or one aligned line per figure."""

from __future__ import annotations

import json
import sys
import time


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal (logs and CI output
    stay clean)."""

    def __init__(self, total: int, label: str, width: int = 30) -> None:
        self.total, self.label, self.width = total, label, width
        self.count = 0
        self.start = time.monotonic()
        self.enabled = sys.stderr.isatty() and total > 0

    def step(self, note: str = "") -> None:
        self.count += 1
        if not self.enabled:
            return
        filled = self.width * self.count // self.total
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.count * (self.total - self.count)
        bar = "#" * filled + "-" * (self.width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {self.count}/{self.total} {elapsed:.0f}s eta {eta:.0f}s {note[:30]:30}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def print_report(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report))
        return
    width = max(map(len, report), default=0)
    for key, value in report.items():
        print(f"{key:>{width}}: {value}")
