"""A model that cannot be used gives a clear message and the server stays up."""

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient
from lsprotocol import types

from atelier.models.locate import bundled_model
from tests.lsp_server.lsp_helpers import config, initialize, inline, open_doc, wait_message, wait_progress_end

SOURCE = "def add(a, b):\n    return \n"


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def _stays_up_with_empty_answers(client: LanguageClient) -> None:
    uri = open_doc(client, "broken_model.py", SOURCE, "python")
    assert await inline(client, uri, 1, 11) == ""
    caps = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(1, 11))
    )
    assert list(caps.items) == []


async def test_missing_model_file_is_reported_and_a_fixed_setting_recovers(client, tmp_path):
    await initialize(client, {"model": {"path": str(tmp_path / "missing.gguf")}})
    message = await wait_message(client, "does not exist")
    assert "missing.gguf" in message and "model.path" in message
    await _stays_up_with_empty_answers(client)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"model": {"path": None}}))
    await wait_progress_end(client, contains="ready")
    uri = open_doc(client, "recovered.py", SOURCE, "python")
    assert (await inline(client, uri, 1, 11)).strip()


async def test_non_gguf_file_is_reported(client, tmp_path):
    bad = tmp_path / "weights.safetensors"
    bad.write_bytes(b'{"__metadata__": {}}' + b"\0" * 1000)
    await initialize(client, {"model": {"path": str(bad)}})
    message = await wait_message(client, "is not GGUF")
    assert "weights.safetensors" in message
    await _stays_up_with_empty_answers(client)


async def test_truncated_gguf_is_reported(client, tmp_path):
    truncated = tmp_path / "truncated.gguf"
    with bundled_model().open("rb") as f:
        truncated.write_bytes(f.read(20_000_000))
    await initialize(client, {"model": {"path": str(truncated)}})
    message = await wait_message(client, "truncated")
    assert "truncated.gguf" in message
    await _stays_up_with_empty_answers(client)
