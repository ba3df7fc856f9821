"""The LSP server with model.backend = "remote", against a real llama_cpp.server on 127.0.0.1."""

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_server.lsp_helpers import config, initialize, inline, open_doc, wait_message, wait_progress_end

from tests.models.test_remote import API_KEY, Server  # noqa: E402

pytestmark = pytest.mark.slow

SOURCE = "def add(a, b):\n    return \n"


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_completions_come_from_the_remote_server_and_survive_its_death(client, tmp_path):
    server = Server(tmp_path / "server.log")
    try:
        await initialize(client, {"model": {"backend": "remote", "url": server.url, "api_key": API_KEY, "n_ctx": 1024}})
        await wait_progress_end(client, contains="ready")
        uri = open_doc(client, "remote.py", SOURCE, "python")
        assert (await inline(client, uri, 1, 11)).strip()
    finally:
        server.stop()
    # The server is gone: a clear message, an empty answer, and the LSP server keeps serving.
    assert await inline(client, uri, 1, 11) == ""
    message = await wait_message(client, "cannot reach")
    assert server.url in message
    result = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(1, 11))
    )
    assert list(result.items) == []


async def test_remote_backend_without_url_is_a_clear_message(client):
    await initialize(client, {"model": {"backend": "remote"}})
    message = await wait_message(client, "model.url")
    assert "remote" in message
