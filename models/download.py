"""`atelier model add https://…`: a model from the user's own mirror (an internal artifact
store, a Hugging Face-compatible mirror), and nothing else.

- https only, to the host and port the URL names: redirects are refused (never followed to
  another address), no proxy from the environment is used, nothing else is contacted;
- the SHA-256 is required and checked before the file joins the models folder; a file with
  another hash is deleted, partial download included;
- an interrupted download resumes where it stopped (HTTP Range) on the next `add`;
- a progress bar on stderr.

A mirror whose certificate a private CA signed: --ca-file, or $ATELIER_CA_FILE (a PEM file;
else the system's trust store, or $SSL_CERT_FILE)."""

from __future__ import annotations

import http.client
import os
import re
import ssl
import sys
import time
from pathlib import Path
from typing import Callable, TextIO
from urllib.parse import unquote, urlsplit

from atelier.models.errors import ModelError
from atelier.models.locate import check_gguf
from atelier.models.store import safe_name, models_dir, sha256_of

ENV_CA_FILE = "ATELIER_CA_FILE"
CHUNK = 1 << 20
TIMEOUT_S = 30.0


class DownloadError(ModelError):
    pass


def name_from_url(url: str) -> str:
    return unquote(Path(urlsplit(url).path).name)


def partial_path(name: str, sha256: str) -> Path:
    """Where an interrupted download of `name` with this hash waits for the next attempt."""
    return models_dir() / f".{name}.{sha256[:16]}.part"


class Progress:
    """A one-line progress bar: bytes, percent, speed."""

    def __init__(self, total: int | None, done: int = 0, out: TextIO | None = None) -> None:
        self.total, self.done, self.out = total, done, out or sys.stderr
        self.start, self.start_done, self.shown = time.monotonic(), done, 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.shown >= 0.2 or (self.total and self.done >= self.total):
            self.shown = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = (self.done - self.start_done) / max(now - self.start, 1e-3) / 1e6
        mb = f"{self.done / 1e6:.1f}"
        if self.total:
            share = min(1.0, self.done / self.total)
            bar = "#" * int(share * 30)
            line = f"\r[{bar:<30}] {share:4.0%} {mb}/{self.total / 1e6:.1f} MB {rate:.1f} MB/s"
        else:
            line = f"\r{mb} MB {rate:.1f} MB/s"
        self.out.write(line)
        self.out.flush()

    def close(self) -> None:
        self._draw(time.monotonic())
        self.out.write("\n")
        self.out.flush()


def _tls(ca_file: str | None) -> ssl.SSLContext:
    ca_file = ca_file or os.environ.get(ENV_CA_FILE) or None
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise DownloadError(f"cannot read the CA file {ca_file}: {exc}") from exc


def download(url: str, sha256: str, *, name: str | None = None, ca_file: str | None = None,
             progress: bool = True, out: TextIO | None = None,
             on_chunk: Callable[[int], None] | None = None) -> Path:
    """Fetch `url` into the models folder, resuming a partial download, and return the
    model's path once its SHA-256 is `sha256`. Raises DownloadError (nothing added, and no
    file left behind when the hash is wrong)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise DownloadError(f"{url}: only https:// URLs of your own mirror are fetched (or give a file path)")
    if not parts.hostname:
        raise DownloadError(f"{url}: no host")
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha256 or ""):
        raise DownloadError("--sha256 must be the model file's SHA-256, 64 hex digits (sha256sum FILE prints it)")
    sha256 = sha256.lower()
    name = safe_name(name or name_from_url(url))
    target = models_dir() / name
    if target.exists():
        raise DownloadError(f"{name} is already in {target.parent}: remove it first, or add under --name")
    part = partial_path(name, sha256)
    have = part.stat().st_size if part.exists() else 0
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=TIMEOUT_S, context=_tls(ca_file))
    headers = {"User-Agent": "atelier-model-add", "Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
        except ssl.SSLCertVerificationError as exc:
            raise DownloadError(f"{parts.hostname}: its TLS certificate is not trusted ({exc.verify_message}): "
                                f"give your CA's certificate with --ca-file (or ${ENV_CA_FILE})") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise DownloadError(f"cannot reach {parts.hostname}:{parts.port or 443} ({exc}); a partial download "
                                "is kept and resumed by the next `atelier model add`") from exc
        if 300 <= response.status < 400:
            raise DownloadError(f"{url} redirects to {response.getheader('Location')!r}: redirects are not followed "
                                "(Atelier reaches only the address you give); give the final URL of your mirror")
        if response.status == 416 and have:  # the partial file already holds everything
            total = have
        elif response.status == 206 and have:
            match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", response.getheader("Content-Range") or "")
            if not match or int(match.group(1)) != have:
                raise DownloadError(f"{url}: the server answered the resume with another range "
                                    f"({response.getheader('Content-Range')}); delete {part} and try again")
            total = int(match.group(2)) if match.group(2) != "*" else None
        elif response.status == 200:
            have = 0  # the server ignores Range: from the start
            length = response.getheader("Content-Length")
            total = int(length) if length and length.isdigit() else None
        else:
            raise DownloadError(f"{url}: the server answered {response.status} {response.reason}")
        if response.status != 416:
            bar = Progress(total, have, out) if progress else None
            mode = "ab" if have else "wb"
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if have else os.O_TRUNC), 0o600)
            try:
                with os.fdopen(fd, mode) as f:
                    while True:
                        try:
                            chunk = response.read(CHUNK)
                        except (OSError, http.client.HTTPException) as exc:
                            if isinstance(exc, http.client.IncompleteRead) and exc.partial:
                                f.write(exc.partial)  # kept: the next attempt resumes after it
                            raise DownloadError(f"the download from {parts.hostname} broke off ({exc}) after "
                                                f"{f.tell() / 1e6:.1f} MB: run the same `atelier model add` again "
                                                "to resume") from exc
                        if not chunk:
                            break
                        f.write(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
                        if on_chunk is not None:
                            on_chunk(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
            if total is not None and part.stat().st_size < total:
                raise DownloadError(f"the download from {parts.hostname} broke off after {part.stat().st_size / 1e6:.1f} "
                                    f"of {total / 1e6:.1f} MB: run the same `atelier model add` again to resume")
    finally:
        conn.close()
    got = sha256_of(part)
    if got != sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url} does not have SHA-256 {sha256} (it has {got}): the download was deleted, "
                            "nothing was added")
    try:
        check_gguf(part, url)
    except ModelError:
        part.unlink(missing_ok=True)
        raise
    part.replace(target)
    return target
