"""Logging to stderr (which LSP clients show as the server's log) and to a file in the data folder."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

ENV_DATA_DIR = "ATELIER_DATA_DIR"


def data_dir() -> Path:
    """Atelier's private folder: $ATELIER_DATA_DIR, else $XDG_DATA_HOME/atelier, else
    ~/.local/share/atelier. Created with user-only permissions."""
    if os.environ.get(ENV_DATA_DIR):
        path = Path(os.environ[ENV_DATA_DIR])
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "atelier"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def setup_logging(level: str = "info", to_file: bool = True) -> Path | None:
    numeric = getattr(logging, level.upper(), logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(numeric)
    stderr = logging.StreamHandler()
    stderr.setFormatter(fmt)
    root.addHandler(stderr)
    log_file = None
    if to_file:
        log_file = data_dir() / "atelier.log"
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=2, encoding="utf-8")
        handler.setFormatter(fmt)
        root.addHandler(handler)
        os.chmod(log_file, 0o600)
    # pygls logs every message body at INFO, document text included: only in debug mode.
    logging.getLogger("pygls").setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)
    # An editor that exits without waiting for the answer to `shutdown` (Neovim does) is not
    # an error worth a traceback.
    logging.getLogger("pygls.protocol.json_rpc").addFilter(lambda r: "BrokenPipeError" not in r.getMessage())
    return log_file
