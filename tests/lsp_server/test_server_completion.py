"""The server driven over stdio by a real LSP client (pytest-lsp), with the real default model."""

import asyncio
import time
from concurrent.futures import Future

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp_server.lsp_helpers import (
    DATA,
    change,
    config,
    initialize,
    inline,
    inline_params,
    open_doc,
    stats,
    wait_message,
    wait_progress_end,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

INIT: dict = {}


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    INIT["result"] = await initialize(lsp_client)
    INIT["progress_end"] = await wait_progress_end(lsp_client, contains="ready")
    yield
    await lsp_client.shutdown_session()


async def test_initialize_advertises_inline_and_popup_completion_and_incremental_sync(client):
    caps = INIT["result"].capabilities
    assert caps.inline_completion_provider
    assert list(caps.completion_provider.trigger_characters) == [".", "("]
    sync = caps.text_document_sync
    assert getattr(sync, "change", sync) == types.TextDocumentSyncKind.Incremental
    assert INIT["result"].server_info.name == "atelier"


async def test_model_load_is_reported_as_work_done_progress(client):
    assert "ready" in INIT["progress_end"].message
    begins = [v for values in client.progress_reports.values() for v in values if isinstance(v, types.WorkDoneProgressBegin)]
    assert begins and begins[0].title == "Atelier"


async def test_inline_completion_in_python_finishes_the_line(client):
    uri = open_doc(client, "inventory.py", language_id="python")
    # the line "        return total" minus its end: the user typed "        return "
    change(client, uri, 2, (23, 15), (23, 20), "")
    text = await inline(client, uri, 23, 15)
    assert text.strip(), "empty completion"
    assert "\n" not in text, "a mid-statement completion must stay on its line"


async def test_inline_completion_in_javascript(client):
    uri = open_doc(client, "cart.js", language_id="javascript")
    # inside total(): "    return " with the rest of the line erased
    change(client, uri, 2, (16, 11), (16, 15), "")
    text = await inline(client, uri, 16, 11)
    assert text.strip()
    assert "\n" not in text


async def test_block_completion_after_a_function_signature_is_indented_code(client):
    # the cursor where an editor puts it after Enter: on the next line, auto-indented
    source = "def multiply(a: int, b: int) -> int:\n    \n\nprint(multiply(2, 3))\n"
    uri = open_doc(client, "block.py", source, "python")
    text = await inline(client, uri, 1, 4)
    assert text.strip()
    assert not text.startswith((" ", "\t")), "the line's indentation is typed already"
    body = "def multiply(a: int, b: int) -> int:\n    " + text
    assert all(line.startswith("    ") for line in body.split("\n")[1:] if line.strip()), body


async def test_classic_completion_returns_one_item_with_a_text_edit(client):
    uri = open_doc(client, "inventory2.py", (DATA / "inventory.py").read_text(), "python")
    change(client, uri, 2, (23, 15), (23, 20), "")
    result = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(23, 15))
    )
    items = result.items if isinstance(result, types.CompletionList) else result
    assert len(items) == 1
    edit = items[0].text_edit
    assert edit.new_text.strip() and edit.range.end == types.Position(23, 15)


async def test_incremental_edits_change_the_answer(client):
    source = "def add(a, b):\n    return \n"
    uri = open_doc(client, "edits.py", source, "python")
    before = await inline(client, uri, 1, 11)
    # Rename the function and its parameters, as a user would, through incremental edits.
    change(client, uri, 2, (0, 4), (0, 13), "greet(name")
    after = await inline(client, uri, 1, 11)
    assert before != after
    assert "name" in after or "a" not in after.replace("name", "")


async def test_cancelled_request_returns_promptly_and_decoding_stops_within_a_few_tokens(client):
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"completion": {"max_tokens": 1000, "max_lines": 200, "max_decode_ms": 0}}
        )
    )
    before = await stats(client)
    try:
        # a long list: the default model goes on with it for hundreds of tokens (258 uncancelled)
        source = "WORDS = [\n" + "".join(f'    "word{i}",\n' for i in range(1, 6)) + "    \n"
        uri = open_doc(client, "long.py", source, "python")
        msg_id = "cancel-me"
        future = client.protocol.send_request(types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri, 6, 4), msg_id=msg_id)
        await asyncio.sleep(0.1)  # under way (later, a short answer may already be complete)
        start = time.perf_counter()
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
        with pytest.raises(JsonRpcException) as info:
            await asyncio.wait_for(asyncio.wrap_future(future), 10)
        assert info.value.code == -32800  # RequestCancelled
        # Promptly: well before 1000 tokens could have been generated (~15 s here).
        assert time.perf_counter() - start < 3.0
    finally:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"completion": {"max_tokens": 96, "max_lines": 16, "max_decode_ms": 450}}
            )
        )
    # The next request waits for the model's thread: once it is answered, the cancelled
    # generation has returned, and what it decoded is counted.
    uri = open_doc(client, "after_cancel.py", "def add(a, b):\n    return \n", "python")
    assert (await inline(client, uri, 1, 11)).strip()
    after = await stats(client)
    wasted = after["wasted_decode_steps"] - before["wasted_decode_steps"]
    decoded = after["decode_steps"] - before["decode_steps"]
    # Decoding stopped within a few tokens of the cancel (what fits in the 0.1 s it ran, plus
    # the token under way), not at the 1000-token cap; the follow-up decoded at most 48.
    assert wasted <= 40 and decoded <= wasted + 48, (wasted, decoded)


async def test_unknown_document_gets_an_empty_answer(client):
    text = await inline(client, "file:///nowhere/missing.py", 0, 0)
    assert text == ""


async def test_out_of_range_position_gets_an_error_and_the_server_keeps_answering(client):
    uri = open_doc(client, "range.py", "x = 1\n", "python")
    with pytest.raises(JsonRpcException) as info:
        await client.text_document_inline_completion_async(inline_params(uri, 50, 0))
    assert info.value.code == -32602
    with pytest.raises(JsonRpcException):
        await client.text_document_inline_completion_async(inline_params(uri, 0, 99))
    uri2 = open_doc(client, "range2.py", "def add(a, b):\n    return \n", "python")
    assert (await inline(client, uri2, 1, 11)).strip()


async def test_params_of_the_wrong_type_get_invalid_params(client):
    # Written raw: the client's own types would refuse to send it.
    future = Future()
    client.protocol._request_futures["bad-params"] = future
    client.protocol._send_data(
        {
            "jsonrpc": "2.0",
            "id": "bad-params",
            "method": types.TEXT_DOCUMENT_INLINE_COMPLETION,
            "params": {"textDocument": {"uri": "file:///x.py"}, "position": "line 3", "context": {"triggerKind": 1}},
        }
    )
    with pytest.raises(JsonRpcException) as info:
        await asyncio.wait_for(asyncio.wrap_future(future), 10)
    assert info.value.code == -32602
    uri = open_doc(client, "after_bad_params.py", "def add(a, b):\n    return \n", "python")
    assert (await inline(client, uri, 1, 11)).strip()


async def test_bad_setting_is_reported_by_name_and_the_old_value_stays(client):
    uri = open_doc(client, "settings.py", "def add(a, b):\n    return \n", "python")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"completion": {"enabled": False}}))
    assert await inline(client, uri, 1, 11) == ""
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"atelier": {"completion": {"enabled": "sometimes"}}})
    )
    message = await wait_message(client, "completion.enabled")
    assert "keeping the previous value" in message
    assert await inline(client, uri, 1, 11) == ""  # still disabled
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"completion": {"enabled": True}}))
    assert (await inline(client, uri, 1, 11)).strip()


async def test_typing_what_was_predicted_is_answered_without_the_model(client):
    uri = open_doc(client, "through.py", "def add(a, b):\n    return \n", "python")
    first = await inline(client, uri, 1, 11)
    assert len(first) >= 2, first
    before = await stats(client)
    change(client, uri, 2, (1, 11), (1, 11), first[0])
    second = await inline(client, uri, 1, 12)
    after = await stats(client)
    assert second == first[1:]
    assert after["typed_through"] == before["typed_through"] + 1
    assert after["generations"] == before["generations"]


async def test_a_burst_of_typing_runs_one_inference_and_answers_the_last_request(client):
    uri = open_doc(client, "burst.py", "def add(a, b):\n\n", "python")
    typed = "    total = a + b + a"
    before = await stats(client)
    requests = []
    for i, ch in enumerate(typed[:20]):
        change(client, uri, i + 2, (1, i), (1, i), ch)
        requests.append(client.text_document_inline_completion_async(inline_params(uri, 1, i + 1)))
    answers = await asyncio.wait_for(asyncio.gather(*requests), 60)
    after = await stats(client)
    texts = [a.items[0].insert_text if a.items else "" for a in answers]
    assert texts[-1].strip(), "the last request must get a completion"
    assert sum(1 for t in texts[:-1] if t) <= 2, texts  # the others were superseded
    generations = after["generations"] - before["generations"]
    assert generations <= 5, "debounce and cancellation keep most requests away from the model"
    # A cancelled generation stops at its next token: at most a couple of wasted steps each.
    assert after["wasted_decode_steps"] - before["wasted_decode_steps"] <= 2 * generations
    assert after["superseded"] - before["superseded"] >= 15


async def test_a_10_mb_file_is_still_completed_from_its_window(client):
    filler = "".join(f"value_{i} = {i}\n" for i in range(700_000))  # ~10 MB, too big to parse
    source = filler + "\n\ndef add(a, b):\n    return \n"
    assert len(source) > 10_000_000
    uri = open_doc(client, "huge.py", source, "python")
    line = source.count("\n") - 1
    assert (await inline(client, uri, line, 11)).strip()
