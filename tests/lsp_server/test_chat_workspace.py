"""`atelier/chat` with workspace search, through the real server and model: `@workspace` (or
`"workspaceSearch": true`) shows the model the definitions and documentation the question is
about, listed in the answer's `references`, never from files the licence policy denies."""

import asyncio
import os
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.context.licensed_workspace import make_mixed_workspace
from tests.lsp_server.lsp_helpers import wait_progress_end

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(600)]

ROOT = make_mixed_workspace(Path(tempfile.mkdtemp(prefix="atelier-ws-")))
(ROOT / "docs").mkdir()
(ROOT / "docs" / "guide.md").write_text(
    "# Ratios\n\n## Zero division\n\nWhen the bottom is zero, `safe_ratio` answers zero instead of raising.\n"
)
ENV = {**os.environ, "ATELIER_DATA_DIR": tempfile.mkdtemp(prefix="atelier-test-")}
ENV.pop("ATELIER_MODEL", None)
CONFIG = ClientServerConfig(server_command=[sys.executable, "-I", "-m", "atelier.lsp_server", "serve"], server_env=ENV)


def plain(value):
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=ROOT.as_uri(),
        # A small window keeps the answers short on a shared CPU; the search share still fits.
        initialization_options={"model": {"n_threads": 1, "n_ctx": 2048}},
    ))
    await wait_progress_end(lsp_client, "indexed")
    yield
    await lsp_client.shutdown_session()


async def ask(client: LanguageClient, content: str, **extra) -> dict:
    params = {"conversationId": content[:20], "messages": [{"role": "user", "content": content}], **extra}
    future = client.protocol.send_request("atelier/chat", params)
    return plain(await asyncio.wait_for(asyncio.wrap_future(future), 300))


async def test_at_workspace_brings_definitions_and_docs_but_nothing_denied(client):
    result = await ask(client, "@workspace How does safe_ratio handle a zero bottom? And blend_inverse?")
    refs = result["references"]
    titles = [r["title"] for r in refs]
    assert titles[0] == "`safe_ratio` in mitmath/safe.py"
    assert refs[0]["uri"] == (ROOT / "mitmath" / "safe.py").as_uri() and refs[0]["range"]["start"]["line"] == 7
    assert "Documentation, docs/guide.md § Ratios › Zero division" in titles
    assert not any("gplmath" in r["uri"] or "vendored" in r["uri"] for r in refs)  # GPL-3.0: denied by default
    assert result["content"].strip()


async def test_the_workspace_search_flag_asks_for_it_too_and_without_it_only_docs_come(client):
    flagged = await ask(client, "What does safe_inverse return for zero?", workspaceSearch=True)
    assert any(r["kind"] == "definition" and r["title"].startswith("`safe_inverse`") for r in flagged["references"])
    plain_chat = await ask(client, "When the bottom is zero, what does the ratio answer?")
    assert {r["kind"] for r in plain_chat["references"]} == {"documentation"}
