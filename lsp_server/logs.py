"""Logging to stderr (which LSP clients show as the server's log) and to a file in the data folder."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from atelier.context.secrets import redact

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
    if path.stat().st_mode & 0o077:  # made by hand, or by an older version: private again
        os.chmod(path, 0o700)
    return path


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files readable by their owner only, from the first byte and after each rotation
    (the standard handler creates every new file with the umask's permissions)."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)  # an existing file keeps its mode through O_CREAT
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


class RedactingFormatter(logging.Formatter):
    """Log lines with credential-looking strings redacted: at debug level the log holds every
    LSP message (document text included) and the model's output."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "info", to_file: bool = True) -> Path | None:
    numeric = getattr(logging, level.upper(), logging.INFO)
    fmt = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(numeric)
    stderr = logging.StreamHandler()
    stderr.setFormatter(fmt)
    root.addHandler(stderr)
    log_file = None
    if to_file:
        try:
            log_file = data_dir() / "atelier.log"
            handler = PrivateRotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=2, encoding="utf-8")
        except OSError as exc:  # a read-only or full disk: the server still serves, logging to stderr
            logging.getLogger(__name__).warning("cannot write the log file in the data folder (%s): logging to stderr only; "
                                                "set %s to a writable folder", exc, ENV_DATA_DIR)
            log_file = None
        else:
            handler.setFormatter(fmt)
            root.addHandler(handler)
    # pygls logs every message body at INFO, document text included: only in debug mode.
    logging.getLogger("pygls").setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)
    # An editor that exits without waiting for the answer to `shutdown` (Neovim does) is not
    # an error worth a traceback.
    logging.getLogger("pygls.protocol.json_rpc").addFilter(lambda r: "BrokenPipeError" not in r.getMessage())
    return log_file
