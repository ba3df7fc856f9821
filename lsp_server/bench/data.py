"""The data folder a bench's servers use: a fresh one of its own (unless ATELIER_DATA_DIR
names one), so that no workspace index or log of an earlier run answers for this one, and
the user's own folder is left as it was."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from atelier.lsp_server.logs import ENV_DATA_DIR


@contextlib.contextmanager
def fresh_data_dir() -> Iterator[str]:
    if os.environ.get(ENV_DATA_DIR):
        yield os.environ[ENV_DATA_DIR]
        return
    with tempfile.TemporaryDirectory(prefix="atelier-bench-data-") as data:
        os.environ[ENV_DATA_DIR] = data
        try:
            yield data
        finally:
            del os.environ[ENV_DATA_DIR]
