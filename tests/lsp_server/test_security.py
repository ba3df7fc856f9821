"""TCP mode as another local user would meet it: loopback only unless told otherwise, and
nothing but a refusal until the token is shown; the token file is private."""

import asyncio
import json
import logging
import os
import re
import socket
import stat
import struct
import subprocess
import sys
import time

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from atelier.lsp_server.logs import data_dir, setup_logging
from atelier.lsp_server.transport.tcp import SocketInput
from atelier.lsp_server.transport.security import (
    NOT_INITIALIZED,
    REQUEST_FAILED,
    SERVER_NOT_INITIALIZED,
    BindRefused,
    admit,
    check_bind,
    ensure_token,
    is_loopback,
    without_token,
)

ATELIER = [sys.executable, "-I", "-m", "atelier.lsp_server"]


# -- plain functions ----------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_addresses(host):
    assert is_loopback(host)
    check_bind(host, allow_remote=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "myhost.example.com", ""])
def test_other_addresses_need_allow_remote(host):
    assert not is_loopback(host)
    with pytest.raises(BindRefused, match="--allow-remote"):
        check_bind(host, allow_remote=False)
    check_bind(host, allow_remote=True)


def test_the_token_is_made_once_and_kept_private(tmp_path):
    token, path = ensure_token(tmp_path)
    assert len(token) >= 40 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_token(tmp_path) == (token, path)
    os.chmod(path, 0o644)  # someone loosened it: private again before use
    assert ensure_token(tmp_path)[0] == token and stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("")  # a crash while writing it: a new one
    new, _ = ensure_token(tmp_path)
    assert new and new != token and path.read_text().strip() == new


def _initialize(token=None, msg_id=1):
    options = {"completion": {"max_tokens": 8}} | ({"token": token} if token is not None else {})
    return {"jsonrpc": "2.0", "id": msg_id, "method": "initialize",
            "params": {"capabilities": {}, "initializationOptions": options}}


def test_admit_opens_only_for_the_right_token_and_drops_it():
    verdict, message = admit(_initialize("s3cret"), "s3cret")
    assert verdict == "open"
    assert message["params"]["initializationOptions"] == {"completion": {"max_tokens": 8}}
    for wrong in (None, "s3cre", "s3cret!", "", 42, ["s3cret"]):
        verdict, answer = admit(_initialize(wrong), "s3cret")
        assert verdict == "refuse" and answer["error"]["code"] == REQUEST_FAILED and answer["id"] == 1


def test_admit_answers_other_requests_and_ignores_notifications():
    request = {"jsonrpc": "2.0", "id": 7, "method": "workspace/executeCommand", "params": {}}
    assert admit(request, "t") == ("answer", {"jsonrpc": "2.0", "id": 7, "error": {
        "code": SERVER_NOT_INITIALIZED, "message": NOT_INITIALIZED}})
    for other in ({"jsonrpc": "2.0", "method": "exit"}, {"jsonrpc": "2.0", "method": "textDocument/didOpen"},
                  {"jsonrpc": "2.0", "id": 3, "result": None}, [1, 2], None, "x"):
        assert admit(other, "t") == ("ignore", None)


def test_settings_never_see_the_token():
    assert without_token({"token": "t", "model": {}}) == {"model": {}}
    assert without_token(None) is None and without_token([1]) == [1]


def test_a_connection_ends_at_its_deadline_or_its_reset():
    """Before the token a peer gets AUTH_TIMEOUT_S in all, however slowly it sends; a reset
    is the end of the input, not an exception in the server."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        raw = SocketInput(ours, deadline=time.monotonic() + 0.3)
        theirs.sendall(b"Content-")
        assert raw.read(100) == b"Content-"
        started = time.monotonic()
        assert raw.read(100) == b"" and time.monotonic() - started < 5
    listener = socket.create_server(("127.0.0.1", 0))
    with listener, socket.create_connection(listener.getsockname()) as theirs:
        ours, _ = listener.accept()
        with ours:
            theirs.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            theirs.close()  # a reset, not a FIN
            assert SocketInput(ours).read(100) == b""


# -- the real server over TCP -------------------------------------------------------------

def test_a_non_loopback_host_is_refused_with_a_message(tmp_path):
    result = subprocess.run([*ATELIER, "serve", "--tcp", "--host", "0.0.0.0", "--port", "0"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "ATELIER_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr and "--allow-remote" in result.stderr
    assert not (tmp_path / "tcp-token").exists()


class TcpServer:
    def __init__(self, data_dir):
        self.proc = subprocess.Popen([*ATELIER, "serve", "--tcp", "--port", "0", "--log-level", "warning"],
                                     env={**os.environ, "ATELIER_DATA_DIR": str(data_dir)},
                                     stderr=subprocess.PIPE, text=True)
        for line in self.proc.stderr:
            found = re.search(r"listening on 127\.0\.0\.1:(\d+); clients send the token in (\S+) ", line)
            if found:
                self.port, self.token_file = int(found.group(1)), found.group(2)
                break
        else:
            raise AssertionError("the server never said where it listens")
        self.token = open(self.token_file).read().strip()

    def stop(self):
        self.proc.kill()
        self.proc.wait(10)
        self.proc.stderr.close()


@pytest.fixture()
def server(tmp_path):
    srv = TcpServer(tmp_path)
    yield srv
    srv.stop()


def send(sock: socket.socket, message: dict) -> None:
    body = json.dumps(message).encode()
    sock.sendall(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


def receive(sock: socket.socket) -> dict | None:
    """The next message, or None once the server has closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return json.loads(body[:length])


def test_the_token_file_is_private_and_named_at_start(server, tmp_path):
    assert server.token_file == str(tmp_path / "tcp-token")
    assert stat.S_IMODE(os.stat(server.token_file).st_mode) == 0o600


def test_nothing_is_served_before_the_token_and_a_wrong_token_is_refused(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        send(sock, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": "file:///x.py", "languageId": "python", "version": 1, "text": "x"}}})
        send(sock, {"jsonrpc": "2.0", "id": 1, "method": "atelier/stats", "params": {}})
        answer = receive(sock)  # the notification got nothing; the request an error
        assert answer["id"] == 1 and answer["error"]["code"] == SERVER_NOT_INITIALIZED
        send(sock, _initialize("not-the-token", msg_id=2))
        answer = receive(sock)
        assert answer["id"] == 2 and answer["error"]["code"] == REQUEST_FAILED
        assert "token" in answer["error"]["message"] and server.token not in json.dumps(answer)
        assert receive(sock) is None  # and the connection is closed
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        send(sock, _initialize(None))  # no token at all
        assert receive(sock)["error"]["code"] == REQUEST_FAILED
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"Content-Length: 999999999\r\n\r\n")  # more than an unknown peer may send
        assert receive(sock) is None
    assert server.proc.poll() is None  # none of it stopped the server


async def test_the_right_token_opens_a_session_for_one_editor(server):
    client = LanguageClient("tcp-test", "0")
    await client.start_tcp("127.0.0.1", server.port)
    try:
        result = await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), initialization_options={"token": server.token}))
        assert result.capabilities.inline_completion_provider
        stats = await client.protocol.send_request_async("atelier/stats", {})
        assert "requests" in (stats if isinstance(stats, dict) else stats._asdict())
        # A second editor, even with the token, does not take over the first one's session.
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            send(sock, _initialize(server.token, msg_id=9))
            answer = receive(sock)
            assert answer["id"] == 9 and "another editor" in answer["error"]["message"]
        stats = await client.protocol.send_request_async("atelier/stats", {})
        assert "requests" in (stats if isinstance(stats, dict) else stats._asdict())  # still this editor's session
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    assert await asyncio.to_thread(server.proc.wait, 30) == 0


# -- files Atelier writes -----------------------------------------------------------------

def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_data_folder_is_private_even_when_found_open(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    monkeypatch.setenv("ATELIER_DATA_DIR", str(folder))
    assert data_dir() == folder and mode(folder) == 0o700
    monkeypatch.setenv("ATELIER_DATA_DIR", str(tmp_path / "new" / "atelier"))
    assert mode(data_dir()) == 0o700


def test_log_files_are_private_from_the_first_byte_and_after_rotation(tmp_path, monkeypatch):
    monkeypatch.setenv("ATELIER_DATA_DIR", str(tmp_path))
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    old_umask = os.umask(0o022)  # the usual umask: files would be world-readable
    try:
        log_file = setup_logging("info")
        handler = next(h for h in root.handlers if isinstance(h, logging.FileHandler))
        logging.getLogger("atelier.test").info("a line with code in it")
        assert mode(log_file) == 0o600
        handler.doRollover()
        logging.getLogger("atelier.test").info("after rotation")
        assert mode(log_file) == 0o600 and mode(str(log_file) + ".1") == 0o600
        handler.close()
    finally:
        os.umask(old_umask)
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
