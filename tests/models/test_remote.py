"""The remote backend against a real `python -m llama_cpp.server` serving the default model,
and against a tiny scripted HTTP server on 127.0.0.1 for failures a real server will not
produce on demand (503 once, a stream cut off half-way).

Everything binds and connects to 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path
import threading
import time
import urllib.request

import pytest

import llama_cpp.server.app  # noqa: E402,F401  (the test extra: missing, it is an error, not a skip)

from atelier.models.backend import CancelToken, ChatMessage, CompletionRequest  # noqa: E402
from atelier.models.errors import ModelError  # noqa: E402
from atelier.models.locate import bundled_model  # noqa: E402
from atelier.models.remote import RemoteBackend  # noqa: E402

API_KEY = "test-key"
COUNTING = "1, 2, 3, 4, 5, 6, 7, 8,"  # the model keeps counting: a long, steady stream


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A llama_cpp.server child process on 127.0.0.1."""

    def __init__(self, log_path, api_key: str | None = API_KEY) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, str(Path(__file__).with_name("llama_server.py")), "--model", str(bundled_model()), "--model_alias",
                "smollm2", "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "1024", "--n_threads", "2"]
        if api_key:
            args += ["--api_key", api_key]
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready(api_key, 60.0)

    def _wait_ready(self, api_key: str | None, limit: float) -> None:
        deadline = time.monotonic() + limit
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                request = urllib.request.Request(self.url + "/v1/models", headers=headers)
                with urllib.request.urlopen(request, timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-2000:]
        pytest.fail(f"llama_cpp.server did not start within {limit:g} s:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("llama-server") / "server.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def backend(server):
    b = RemoteBackend(server.url, api_key=API_KEY, n_ctx=1024, read_timeout=60)
    yield b
    b.close()


# -- against the real server ----------------------------------------------------------------


@pytest.mark.slow
def test_name_comes_from_the_server_and_tokens_are_counted_by_it(backend):
    from atelier.models.llama import LlamaBackend

    assert backend.name == "smollm2"
    assert backend.fim is None and backend.n_ctx == 1024
    local = LlamaBackend(bundled_model(), n_ctx=256)
    try:
        for text in ("def add(a, b):\n    return a + b\n", "x = 1\n", "    "):
            assert backend.count_tokens(text) == local.count_tokens(text), text
    finally:
        local.close()
    assert backend.count_tokens("") == 0


@pytest.mark.slow
def test_completion_is_not_empty_and_honours_stop(backend):
    result = backend.complete(CompletionRequest("def add(a, b):\n    return", ("\n",), 16))
    assert result.text.strip()
    assert "\n" not in result.text
    assert 0 < result.completion_tokens <= 16
    assert result.finish_reason == "stop"


@pytest.mark.slow
def test_completion_stops_at_max_tokens(backend):
    result = backend.complete(CompletionRequest(COUNTING, (), 8))
    assert result.finish_reason == "length"
    assert 0 < result.completion_tokens <= 8


@pytest.mark.slow
def test_cancel_stops_the_stream_early_and_the_server_keeps_serving(backend):
    cancel = CancelToken()
    # Early, while the model is still counting: a later cancel races its end of text.
    timer = threading.Timer(0.2, cancel.cancel)
    start = time.monotonic()
    timer.start()
    try:
        result = backend.complete(CompletionRequest(COUNTING, (), 600), cancel)
    finally:
        timer.cancel()
    assert result.finish_reason == "cancelled"
    assert time.monotonic() - start < 5
    assert result.completion_tokens < 600
    assert backend.complete(CompletionRequest("def add(a, b):\n    return", ("\n",), 8)).text.strip()


@pytest.mark.slow
def test_timeout_returns_what_is_there(backend):
    start = time.monotonic()
    result = backend.complete(CompletionRequest(COUNTING, (), 600, timeout_s=0.2))
    assert result.finish_reason == "time"
    assert time.monotonic() - start < 5
    assert result.completion_tokens < 600


@pytest.mark.slow
def test_until_ends_the_answer_once_it_is_complete(backend):
    seen: list[str] = []

    def until(text: str) -> bool:
        seen.append(text)
        return text.count("\n") >= 2

    result = backend.complete(CompletionRequest("1,\n2,\n3,\n4,\n", (), 200), until=until)
    assert result.finish_reason == "stop"
    assert result.text.count("\n") == 2 and result.text == seen[-1]
    assert result.completion_tokens < 200


@pytest.mark.slow
def test_cancelled_before_start_sends_nothing(backend):
    cancel = CancelToken()
    cancel.cancel()
    assert backend.complete(CompletionRequest(COUNTING, (), 50), cancel).finish_reason == "cancelled"


@pytest.mark.slow
def test_chat_answers(backend):
    result = backend.chat([ChatMessage("user", "What is the capital of France?")], max_tokens=24)
    assert result.text.strip()
    assert result.completion_tokens > 0


@pytest.mark.slow
def test_wrong_api_key_is_a_clear_error(server):
    b = RemoteBackend(server.url, api_key="wrong", retries=3, backoff=0.05)
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"HTTP 401.*model\.api_key"):
        b.complete(CompletionRequest("x =", ("\n",), 4))
    assert time.monotonic() - start < 5  # 4xx is not retried
    assert b.name == server.url  # /v1/models refused the key too


class _CountingToken(CancelToken):
    """Never cancels; counts how often the generating thread checks it (once per chunk)."""

    def __init__(self) -> None:
        super().__init__()
        self.thread: threading.Thread | None = None
        self.checks = 0

    @property
    def cancelled(self) -> bool:
        if threading.current_thread() is self.thread:
            self.checks += 1
        return super().cancelled


@pytest.mark.slow
def test_server_killed_mid_stream_is_a_clear_error_not_a_hang(tmp_path):
    server = Server(tmp_path / "server.log", api_key=None)
    try:
        b = RemoteBackend(server.url, retries=1, backoff=0.05, read_timeout=30)
        token = _CountingToken()
        outcome: list[object] = []

        def run() -> None:
            try:
                outcome.append(b.complete(CompletionRequest(COUNTING, (), 900), token))
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                outcome.append(exc)

        token.thread = threading.Thread(target=run, daemon=True)
        token.thread.start()
        deadline = time.monotonic() + 60
        while token.checks < 4 and time.monotonic() < deadline and token.thread.is_alive():
            time.sleep(0.02)
        assert token.checks >= 4, "the stream never started"
        server.proc.kill()
        token.thread.join(30)
        assert not token.thread.is_alive(), "complete() hung after the server died"
        assert isinstance(outcome[0], ModelError), outcome
        assert "broke off the answer" in str(outcome[0]) and server.url in str(outcome[0])
        # Later requests fail fast with the unreachable message (the LSP server keeps serving).
        with pytest.raises(ModelError, match="connection refused"):
            b.complete(CompletionRequest("x =", ("\n",), 4))
    finally:
        server.stop()


# -- failures on demand, from a scripted server ---------------------------------------------


class Scripted(http.server.ThreadingHTTPServer):
    """Answers each /v1/ request with the next step of `script`: "503", "ok" (a two-chunk
    stream), "cut" (one chunk, then the connection drops), "stall" (one chunk, then 3 s of
    silence) or "hold" (3 s of silence before answering). Other paths get 404."""

    daemon_threads = True

    def __init__(self, script: list[str], port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.script = list(script)
        self.requests: list[tuple[str, dict]] = []
        super().__init__(("127.0.0.1", port), _ScriptedHandler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _ScriptedHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.requests.append((self.path, dict(self.headers)))
        step = self.server.script.pop(0) if self.path.startswith("/v1/") and self.server.script else "404"
        if step == "hold":
            time.sleep(3)
        if step in ("404", "503"):
            self.send_response(int(step))
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"error": {"message": f"scripted {step}"}}).encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'data: {"choices": [{"text": "hello", "finish_reason": null}]}\n\n')
        if step == "ok":
            self.wfile.write(b'data: {"choices": [{"text": " world", "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n')
        self.wfile.flush()  # "cut": HTTP/1.0, so returning closes the connection mid-stream
        if step == "stall":
            time.sleep(3)


@pytest.fixture
def scripted():
    servers: list[Scripted] = []

    def make(script: list[str], port: int = 0, tls: ssl.SSLContext | None = None) -> Scripted:
        servers.append(Scripted(script, port, tls))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def test_5xx_on_start_is_retried_and_headers_are_sent(scripted):
    srv = scripted(["503", "503", "ok"])
    b = RemoteBackend(srv.url, model="m", api_key="k", headers={"X-Team": "a"}, retries=3, backoff=0.05)
    result = b.complete(CompletionRequest("x", (), 8))
    assert (result.text, result.completion_tokens, result.finish_reason) == ("hello world", 2, "stop")
    assert [p for p, _ in srv.requests if p.startswith("/v1/")] == ["/v1/completions"] * 3
    assert result.prompt_tokens == 1  # the server gave no usage and cannot count: estimated
    headers = srv.requests[2][1]
    assert headers["Authorization"] == "Bearer k" and headers["X-Team"] == "a"


def test_5xx_after_the_retries_is_a_clear_error(scripted):
    srv = scripted(["503"] * 5)
    b = RemoteBackend(srv.url, model="m", retries=2, backoff=0.01)
    with pytest.raises(ModelError, match=r"HTTP 503.*scripted 503"):
        b.complete(CompletionRequest("x", (), 8))
    assert len(srv.requests) == 3


def test_connection_refused_on_start_is_retried_until_the_server_is_up(scripted):
    port = free_port()
    timer = threading.Timer(0.3, scripted, args=(["ok"], port))
    timer.start()
    try:
        b = RemoteBackend(f"http://127.0.0.1:{port}", model="m", retries=6, backoff=0.1)
        assert b.complete(CompletionRequest("x", (), 8)).text == "hello world"
    finally:
        timer.cancel()
        timer.join(5)


def test_a_stream_cut_off_is_an_error_and_is_not_sent_again(scripted):
    srv = scripted(["cut", "ok"])
    b = RemoteBackend(srv.url, model="m", retries=3, backoff=0.01)
    with pytest.raises(ModelError, match="broke off the answer"):
        b.complete(CompletionRequest("x", (), 8))
    assert len(srv.requests) == 1


def test_a_server_that_stops_sending_is_an_error_after_the_read_timeout(scripted):
    srv = scripted(["stall"])
    b = RemoteBackend(srv.url, model="m", read_timeout=0.5, retries=3)
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"sent nothing for 0\.5 s"):
        b.complete(CompletionRequest("x", (), 8))
    assert time.monotonic() - start < 2.5
    assert len(srv.requests) == 1


def test_cancel_works_while_the_server_has_not_answered_yet(scripted):
    srv = scripted(["hold"])
    b = RemoteBackend(srv.url, model="m", read_timeout=30)
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    start = time.monotonic()
    timer.start()
    try:
        result = b.complete(CompletionRequest("x", (), 8), cancel)
    finally:
        timer.cancel()
    assert result.finish_reason == "cancelled" and result.text == ""
    assert time.monotonic() - start < 1.5


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_https_works_and_an_untrusted_certificate_is_a_clear_error(scripted, tmp_path, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    srv = scripted(["ok"], tls=tls)
    b = RemoteBackend(srv.url, model="m", retries=2, backoff=0.01)
    with pytest.raises(ModelError, match="TLS with the inference server .* certificate.*SSL_CERT_FILE"):
        b.complete(CompletionRequest("x", (), 8))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # read by each new connection's default context
    assert b.complete(CompletionRequest("x", (), 8)).text == "hello world"


def test_unreachable_url_is_a_clear_error_quickly():
    url = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    b = RemoteBackend(url, retries=2, backoff=0.05)
    assert b.name == url
    with pytest.raises(ModelError, match=r"cannot reach the inference server at .*connection refused.*model\.url"):
        b.complete(CompletionRequest("x", (), 8))
    with pytest.raises(ModelError, match="connection refused"):
        b.chat([ChatMessage("user", "hi")])
    assert time.monotonic() - start < 5
    assert b.count_tokens("abcdefg") == 2  # no server to ask: an estimate, not an error


def test_server_without_tokenizer_gets_estimates(scripted):
    srv = scripted([])
    b = RemoteBackend(srv.url + "/v1/", model="m")
    assert b.url == srv.url  # a pasted /v1 is dropped: the paths add it
    assert b.count_tokens("x" * 35) == 10
    assert b.count_tokens("y" * 7) == 2
    tokenize_calls = [p for p, _ in srv.requests if "tokenize" in p]
    assert len(tokenize_calls) == 3  # each server family's endpoint probed once, then never again


def test_settings_are_checked():
    with pytest.raises(ModelError, match="not an http"):
        RemoteBackend("127.0.0.1:8080")
    with pytest.raises(ModelError, match="not a known fill-in-the-middle format"):
        RemoteBackend("http://127.0.0.1:1", model="m", fim="nope")
    assert RemoteBackend("http://127.0.0.1:1", model="m", fim="qwen").fim.name == "qwen"
