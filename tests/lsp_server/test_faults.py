"""Faults injected into the real server process: each gives a clear message and the server
keeps serving, and completes again once the cause is gone (model reloaded, index rebuilt).

Real parts throughout: the real model (a truncated copy of it for a corrupt file), a real
address-space limit for out-of-memory, a real HTTP server on 127.0.0.1 that stalls, resets
and fails mid-answer, a real corrupt index file and a data folder that cannot be created."""

from __future__ import annotations

import http.server
import json
import socket
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

import msgspec
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from atelier.context.index import IndexData, store_path
from atelier.models.locate import bundled_model
from tests.lsp_server.lsp_helpers import SERVER_COMMAND, config, initialize, open_doc, wait_message, wait_progress_end

SOURCE = "def add(a, b):\n    return \n"


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> str:
    """The popup completion's text, "" when there is none."""
    result = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, character)))
    return result.items[0].text_edit.new_text if result.items else ""


async def _completes(client: LanguageClient, name: str) -> None:
    uri = open_doc(client, name, SOURCE, "python")
    assert (await complete(client, uri, 1, 11)).strip()


# -- the model ---------------------------------------------------------------------------------

@pytest.mark.slow
async def test_corrupt_model_file_is_reported_and_the_fixed_setting_completes(client, tmp_path):
    truncated = tmp_path / "truncated.gguf"
    with bundled_model().open("rb") as f:
        truncated.write_bytes(f.read(30_000_000))
    await initialize(client, {"model": {"path": str(truncated)}})
    assert "truncated.gguf" in await wait_message(client, "truncated or corrupt")
    uri = open_doc(client, "corrupt.py", SOURCE, "python")
    assert await complete(client, uri, 1, 11) == ""  # answered, empty
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"model": {"path": None}}))
    await wait_progress_end(client, contains="ready")
    await _completes(client, "after_corrupt.py")


# The server under an 8 GiB address-space limit (ulimit -v): a context of a million tokens
# (~23 GiB of KV cache for the default model) cannot be allocated on any machine.
LIMITED_COMMAND = [sys.executable, "-c", (
    "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30)); "
    "sys.argv = ['atelier', 'serve', '--log-level', 'info']; runpy.run_module('lsp_server', run_name='__main__')")]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=LIMITED_COMMAND, server_env=config().server_env))
async def limited_client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


@pytest.mark.slow
async def test_out_of_memory_for_the_context_is_refused_with_the_setting_to_change(limited_client):
    client = limited_client
    await initialize(client, {"model": {"n_ctx": 1_048_576}})
    message = await wait_message(client, "model.n_ctx")
    assert "memory" in message and "set model.n_ctx to at most" in message
    uri = open_doc(client, "oom.py", SOURCE, "python")
    assert await complete(client, uri, 1, 11) == ""
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"model": {"n_ctx": 2048}}))
    await wait_progress_end(client, contains="ready")
    await _completes(client, "after_oom.py")


# -- a remote backend that misbehaves ------------------------------------------------------------

class Faulty(http.server.ThreadingHTTPServer):
    """An OpenAI-compatible server on 127.0.0.1 whose completions follow `steps`: "ok",
    "error" (a chunk, then an error event: the backend raises inside generation), "hold"
    (no answer for 3 s), "reset" (the connection reset mid-stream)."""

    daemon_threads = True

    def __init__(self, steps: list[str]) -> None:
        self.steps = steps
        super().__init__(("127.0.0.1", 0), _FaultyHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


class _FaultyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.startswith("/v1/completions"):
            self.send_error(404)
            return
        step = self.server.steps.pop(0) if self.server.steps else "ok"
        if step == "hold":
            time.sleep(3)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'data: {"choices": [{"text": "a +", "finish_reason": null}]}\n\n')
        self.wfile.flush()
        if step == "error":
            self.wfile.write(b'data: {"error": {"message": "scripted failure in generation"}}\n\n')
        elif step == "reset":  # RST instead of FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        else:
            self.wfile.write(b'data: {"choices": [{"text": " b", "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n')
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture
def faulty():
    servers = []

    def make(steps: list[str]) -> Faulty:
        servers.append(Faulty(steps))
        return servers[-1]

    yield make
    for s in servers:
        s.shutdown()
        s.server_close()


async def test_errors_stalls_and_resets_of_a_remote_backend_are_reported_and_it_recovers(client, faulty):
    server = faulty(["error", "hold", "reset", "ok"])
    await initialize(client, {"model": {"backend": "remote", "url": server.url, "name": "scripted", "read_timeout_s": 1},
                              "completion": {"debounce_ms": 0}})
    await wait_progress_end(client, contains="ready")
    uri = open_doc(client, "remote_faults.py", SOURCE, "python")
    for expected in ("scripted failure in generation", "did not start answering within 1 s", "broke off the answer"):
        assert await complete(client, uri, 1, 11) == ""
        assert "completion failed" in await wait_message(client, expected)
    assert await complete(client, uri, 1, 11) == "a + b"


# -- the index -----------------------------------------------------------------------------------

WORKSPACE = Path(tempfile.mkdtemp(prefix="atelier-faults-ws-"))
(WORKSPACE / "shapes.py").write_text("def area(w, h):\n    return w * h\n")
CORRUPT_DATA = Path(tempfile.mkdtemp(prefix="atelier-faults-data-"))
STORE = store_path(CORRUPT_DATA, WORKSPACE)
STORE.parent.mkdir(parents=True, exist_ok=True)
STORE.write_bytes(b"\x85\xa7version\x02\xa4root\xda\xff\xff truncated")


def _index_config(data_dir: str) -> ClientServerConfig:
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env={**config().server_env, "ATELIER_DATA_DIR": data_dir})


async def _initialize_in_workspace(client: LanguageClient) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True)),
        root_uri=WORKSPACE.as_uri(),
        initialization_options={"completion": {"enabled": False}, "model": {"path": "/nonexistent/none.gguf"}}))


@pytest_lsp.fixture(config=_index_config(str(CORRUPT_DATA)))
async def corrupt_index_client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_a_corrupt_index_file_is_rebuilt(corrupt_index_client):
    await _initialize_in_workspace(corrupt_index_client)
    await wait_progress_end(corrupt_index_client, contains="indexed 1 files")
    data = msgspec.msgpack.decode(STORE.read_bytes(), type=IndexData)  # rewritten whole
    assert [t.name for t in data.files["shapes.py"].tags] == ["area"]


# A data folder that cannot be created (a file stands in its way): even root cannot write there.
BLOCKER = Path(tempfile.mkdtemp(prefix="atelier-faults-ro-")) / "a-file"
BLOCKER.write_text("")


@pytest_lsp.fixture(config=_index_config(str(BLOCKER / "atelier")))
async def unwritable_client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_an_unwritable_data_folder_is_logged_and_the_server_still_indexes_and_answers(unwritable_client):
    client = unwritable_client
    await _initialize_in_workspace(client)
    await wait_progress_end(client, contains="indexed 1 files")
    uri = open_doc(client, "unwritable.py", SOURCE, "python")
    result = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(1, 11)))
    assert list(result.items) == []  # completion is off here: answered, empty
    assert not [m for m in client.messages if "Error in server" in m.message]
    assert not (BLOCKER / "atelier").exists()
