"""`atelier model list|add|remove|use`, run as a user runs it, against a local HTTPS mirror on
127.0.0.1 (a self-signed certificate made with openssl, trusted through --ca-file or
$ATELIER_CA_FILE): a download is verified, resumes after an interrupted transfer (HTTP
Range), a wrong hash is refused and leaves no file, and a redirect is never followed."""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ATELIER = [sys.executable, "-I", "-m", "atelier.lsp_server"]
MODEL = b"GGUF" + bytes(range(256)) * 12_000  # ~3 MB that starts like a GGUF file
SHA = hashlib.sha256(MODEL).hexdigest()
CUT_AT = 1_500_000

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")


class Mirror(http.server.ThreadingHTTPServer):
    def __init__(self, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.requests: list[tuple[str, str | None]] = []  # (path, Range)
        self.cut_once = True

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Mirror

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Range")))
        if self.path == "/elsewhere.gguf":
            self.send_response(302)
            self.send_header("Location", "https://example.invalid/m.gguf")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path not in ("/m.gguf", "/cut.gguf", "/bad.gguf"):
            self.send_error(404)
            return
        start = 0
        if rng := self.headers.get("Range"):
            start = int(rng.removeprefix("bytes=").split("-")[0])
        body = MODEL[start:]
        if start:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(MODEL) - 1}/{len(MODEL)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/cut.gguf" and self.server.cut_once:  # the connection drops mid-transfer
            self.server.cut_once = False
            self.wfile.write(body[:CUT_AT])
            self.wfile.flush()
            self.close_connection = True
            self.connection.close()
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30)
    return cert, key


@pytest.fixture
def mirror(certificate):
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(*certificate)
    server = Mirror(tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def data(tmp_path) -> Path:
    return tmp_path / "data"


def atelier(data: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, "ATELIER_DATA_DIR": str(data), **(env or {})}
    environ.pop("ATELIER_MODEL", None)
    return subprocess.run([*ATELIER, "model", *args], capture_output=True, text=True, timeout=120, env=environ)


def files(data: Path) -> list[str]:
    folder = data / "models"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_add_from_the_mirror_verifies_then_list_use_remove(mirror, certificate, data):
    done = atelier(data, "add", f"{mirror.url}/m.gguf", "--sha256", SHA, "--ca-file", str(certificate[0]))
    assert done.returncode == 0, done.stderr
    assert (data / "models" / "m.gguf").read_bytes() == MODEL
    assert "100%" in done.stderr and "MB" in done.stderr  # the progress bar
    assert files(data) == ["m.gguf"]
    listed = atelier(data, "list")
    assert "m.gguf" in listed.stdout and "SmolLM2-135M-Instruct.Q4_1.gguf" in listed.stdout
    assert atelier(data, "use", "m.gguf").returncode == 0
    chosen = subprocess.run([sys.executable, "-I", "-c", "from atelier.models.locate import resolve_model_path; "
                             "print(resolve_model_path(None)[0])"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "ATELIER_DATA_DIR": str(data)})
    assert chosen.stdout.strip() == str(data / "models" / "m.gguf")
    assert "* m.gguf" in atelier(data, "list").stdout
    assert atelier(data, "remove", "m.gguf").returncode == 0
    assert files(data) == []
    assert [p for p, _ in mirror.requests] == ["/m.gguf"]  # one request, to the mirror only


def test_an_interrupted_download_resumes_where_it_stopped(mirror, certificate, data):
    url = f"{mirror.url}/cut.gguf"
    first = atelier(data, "add", url, "--sha256", SHA, "--quiet", env={"ATELIER_CA_FILE": str(certificate[0])})
    assert first.returncode == 2 and "again to resume" in first.stderr, first.stderr
    (part,) = [p for p in (data / "models").iterdir() if p.name.endswith(".part")]
    assert 0 < part.stat().st_size <= CUT_AT
    kept = part.stat().st_size
    second = atelier(data, "add", url, "--sha256", SHA, "--quiet", env={"ATELIER_CA_FILE": str(certificate[0])})
    assert second.returncode == 0, second.stderr
    assert mirror.requests[-1] == ("/cut.gguf", f"bytes={kept}-")  # only the rest was asked for
    assert (data / "models" / "cut.gguf").read_bytes() == MODEL
    assert files(data) == ["cut.gguf"]


def test_a_wrong_hash_is_refused_and_leaves_no_file(mirror, certificate, data):
    wrong = "0" * 64
    done = atelier(data, "add", f"{mirror.url}/bad.gguf", "--sha256", wrong, "--ca-file", str(certificate[0]), "--quiet")
    assert done.returncode == 2 and "does not have SHA-256" in done.stderr, done.stderr
    assert files(data) == []


def test_a_redirect_is_not_followed_and_an_untrusted_certificate_or_plain_http_is_refused(mirror, certificate, data):
    done = atelier(data, "add", f"{mirror.url}/elsewhere.gguf", "--sha256", SHA, "--ca-file", str(certificate[0]))
    assert done.returncode == 2 and "redirects are not followed" in done.stderr, done.stderr
    untrusted = atelier(data, "add", f"{mirror.url}/m.gguf", "--sha256", SHA)
    assert untrusted.returncode == 2 and "--ca-file" in untrusted.stderr, untrusted.stderr
    plain = atelier(data, "add", f"http://127.0.0.1:{mirror.server_address[1]}/m.gguf", "--sha256", SHA)
    assert plain.returncode == 2 and "only https://" in plain.stderr
    no_hash = atelier(data, "add", f"{mirror.url}/m.gguf")
    assert no_hash.returncode == 2 and "--sha256" in no_hash.stderr
    assert files(data) == [] and [p for p, _ in mirror.requests] == ["/elsewhere.gguf"]  # TLS refused before any request


def test_add_a_local_file_checks_that_it_is_gguf(tmp_path, data):
    good, bad = tmp_path / "coder.gguf", tmp_path / "notes.gguf"
    good.write_bytes(MODEL)
    bad.write_bytes(b"PK\x03\x04 not a model")
    assert atelier(data, "add", str(bad)).returncode == 2
    done = atelier(data, "add", str(good), "--sha256", SHA, "--use")
    assert done.returncode == 0, done.stderr
    assert "* coder.gguf" in atelier(data, "list").stdout
    assert atelier(data, "use", "default").returncode == 0
    assert "* coder.gguf" not in atelier(data, "list").stdout
