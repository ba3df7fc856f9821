"""Nothing leaves the machine, and what stays is private: the real server (stdio, real default
model) runs through initialize, indexing, a completion, a chat request and an explanation
while a Python audit hook in its process records every socket it connects and every name it
looks up; then every file it wrote is checked for user-only permissions. With a remote
backend configured, that backend is the only thing it connects to."""

import asyncio
import os
import shutil
import socket
import stat
import tempfile
import threading
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp_server.lsp_helpers import DATA, SERVER_COMMAND, inline, wait_message, wait_progress_end

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(600)]

# Loaded by the server's Python at start (PYTHONPATH), before any of Atelier's code runs.
SITECUSTOMIZE = '''
import os, sys

_log = os.environ.get("ATELIER_TEST_NET_LOG")
if _log:
    def _record(event, args):
        if event in ("socket.connect", "socket.connect_ex", "socket.sendto", "socket.sendmsg"):
            target = args[1]
        elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
            target = args[0]
        else:
            return
        with open(_log, "a") as f:
            f.write(f"{event} {target!r}\\n")

    sys.addaudithook(_record)
    with open(_log + ".installed", "w") as f:
        f.write(str(os.getpid()))
'''

HOOK_DIR = Path(tempfile.mkdtemp(prefix="atelier-audit-"))
(HOOK_DIR / "sitecustomize.py").write_text(SITECUSTOMIZE)


def hooked(name: str) -> tuple[ClientServerConfig, Path, Path]:
    """A server configuration with the audit hook, its log and a fresh data folder."""
    log, data = HOOK_DIR / f"{name}.log", Path(tempfile.mkdtemp(prefix=f"atelier-{name}-"))
    env = {**os.environ, "ATELIER_DATA_DIR": str(data), "ATELIER_TEST_NET_LOG": str(log),
           "PYTHONPATH": os.pathsep.join(p for p in (str(HOOK_DIR), os.environ.get("PYTHONPATH")) if p)}
    env.pop("ATELIER_MODEL", None)
    env.pop("ATELIER_API_KEY", None)
    # Not isolated (-I) like the other tests' servers: the hook arrives through PYTHONPATH.
    command = [c for c in SERVER_COMMAND if c != "-I"]
    return ClientServerConfig(server_command=command, server_env=env), log, data


LOCAL, LOCAL_LOG, LOCAL_DATA = hooked("local")
REMOTE, REMOTE_LOG, _ = hooked("remote")

WORKSPACE = Path(tempfile.mkdtemp(prefix="atelier-ws-"))
shutil.copy(DATA / "inventory.py", WORKSPACE / "inventory.py")
(WORKSPACE / ".env").write_text("DATABASE_URL=postgres://shop:Vx7-tundra-Plover@db.internal/shop\n")
INVENTORY = (WORKSPACE / "inventory.py").read_text()
PARTIALS: list[str] = []


def events(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


@pytest_lsp.fixture(config=LOCAL, scope="module")
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=WORKSPACE.as_uri(),
        workspace_folders=[types.WorkspaceFolder(WORKSPACE.as_uri(), "ws")],
        initialization_options={"model": {"n_threads": 1}},
    ))
    await wait_progress_end(lsp_client, "ready")
    yield
    await lsp_client.shutdown_session()


async def test_completion_chat_and_explanation_connect_to_nothing(client):
    uri = (WORKSPACE / "inventory.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "python", 1, INVENTORY)))
    line = INVENTORY.split("\n").index("        return total")
    before = await client.protocol.send_request_async("atelier/stats", {})
    await inline(client, uri, line, 8)
    after = await client.protocol.send_request_async("atelier/stats", {})
    generations = lambda stats: (stats if isinstance(stats, dict) else stats._asdict())["generations"]  # noqa: E731
    assert generations(after) > generations(before)  # the completion ran the model
    answer = await client.protocol.send_request_async("atelier/chat", {
        "conversationId": "c1",
        "messages": [{"role": "user", "content": "What does total_value return?"}],
        "attachments": [{"uri": uri}, {"uri": (WORKSPACE / ".env").as_uri()}],
    })
    answer = answer if isinstance(answer, dict) else answer._asdict()
    assert answer["conversationId"] == "c1" and answer["content"].strip()
    assert ".env holds secrets" in await wait_message(client, "holds secrets")
    at = INVENTORY.index("def total_value")
    pos = {"line": INVENTORY[:at].count("\n"), "character": 8}
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams("atelier.explain", [{"uri": uri, "range": {"start": pos, "end": pos}}]))
    assert Path(str(LOCAL_LOG) + ".installed").exists()  # the hook watched the server …
    assert events(LOCAL_LOG) == []  # … which connected to nothing and looked up no name


async def test_every_file_atelier_wrote_is_private(client):
    written = sorted(p.relative_to(LOCAL_DATA).as_posix() for p in LOCAL_DATA.rglob("*"))
    assert "atelier.log" in written
    assert any(p.startswith("index/") and p.endswith(".msgpack") for p in written), written
    assert any(p.startswith("answers/") and p.endswith(".md") for p in written), written
    loose = {p: oct(stat.S_IMODE((LOCAL_DATA / p).stat().st_mode)) for p in ["", *written]
             if stat.S_IMODE((LOCAL_DATA / p).stat().st_mode) != (0o700 if (LOCAL_DATA / p).is_dir() else 0o600)}
    assert loose == {}


class RefusingPeer:
    """A TCP listener on 127.0.0.1 that accepts and hangs up: the remote backend's address."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()


@pytest_lsp.fixture(config=REMOTE, scope="module")
async def remote_client(lsp_client: LanguageClient):
    yield lsp_client


async def test_a_remote_backend_is_the_only_peer(remote_client):
    peer = RefusingPeer()
    try:
        await remote_client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), root_uri=WORKSPACE.as_uri(),
            initialization_options={"model": {"backend": "remote", "url": f"http://127.0.0.1:{peer.port}",
                                              "connect_timeout_s": 2}},
        ))
        for _ in range(300):
            if peer.accepted:
                break
            await asyncio.sleep(0.1)
        await remote_client.shutdown_session()
    finally:
        peer.sock.close()
    connects = [e for e in events(REMOTE_LOG) if e.startswith("socket.connect")]
    assert connects and set(connects) == {f"socket.connect ('127.0.0.1', {peer.port})"}
    lookups = {e for e in events(REMOTE_LOG) if not e.startswith("socket.connect")}
    assert lookups <= {"socket.getaddrinfo '127.0.0.1'"}
