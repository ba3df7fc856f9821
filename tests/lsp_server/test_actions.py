"""Chat and AI code actions driven over stdio by a real LSP client (pytest-lsp), with the
real default model: actions offered in the right places without running the model, resolved
into edits that apply and parse, explanations through window/showDocument, and atelier/chat
streaming partial results and stopping on $/cancelRequest."""

import asyncio
import os
import stat
import time
from pathlib import Path
from typing import Union

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from atelier.context.languages import make_parser
from atelier.context.syntax import error_count
from pytest_lsp import client_capabilities

from tests.lsp_server.lsp_helpers import DATA, config, initialize, open_doc, record_applied_edits, wait_message, wait_progress_end

# Generation on a shared 2-core machine can be slow: room beyond the default 300 s.
pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(600)]

CONFIG = config()
INIT: dict = {}
APPLIED: list[types.ApplyWorkspaceEditParams] = []
PARTIALS: dict[object, list[str]] = {}
INVENTORY = (DATA / "inventory.py").read_text()


def decode_code_actions_as_editors_do(client: LanguageClient) -> None:
    """lsprotocol 2025.0.0 decodes any code action with a `command` field as a Command (its
    union hook only checks that the key exists); editors check that `command` is a string."""
    converter = client.protocol._converter

    def command_or_action(obj, _):
        kind = types.Command if isinstance(obj.get("command"), str) else types.CodeAction
        return converter.structure(obj, kind)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], command_or_action)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    record_applied_edits(lsp_client, APPLIED)

    # Partial results ({"delta": …}) are not work-done progress, which pytest-lsp's own
    # handler expects: record them here and hand everything else to it.
    work_done = lsp_client.protocol.fm.features[types.PROGRESS]

    def progress(params: types.ProgressParams) -> None:
        if isinstance(params.value, dict) and "delta" in params.value:
            PARTIALS.setdefault(params.token, []).append(params.value["delta"])
        else:
            work_done(params)

    lsp_client.protocol.fm.features[types.PROGRESS] = progress
    decode_code_actions_as_editors_do(lsp_client)
    # One thread: llama.cpp's threads spin at their barriers, which costs dearly when the
    # machine's cores are busy with other work; one thread degrades gracefully.
    INIT["result"] = await initialize(lsp_client, {"model": {"n_threads": 1}})
    # The model's own progress: the workspace index reports (and usually ends) first, and a
    # request answered while llama.cpp loads can be lost (see the report).
    await wait_progress_end(lsp_client, "ready")
    INIT["uri"] = open_doc(lsp_client, "inventory.py", INVENTORY, "python")
    yield
    await lsp_client.shutdown_session()


def rng(start: tuple[int, int], end: tuple[int, int] | None = None) -> types.Range:
    return types.Range(types.Position(*start), types.Position(*(end or start)))


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n")


async def actions(client: LanguageClient, r: types.Range, diagnostics=(), only=None) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(INIT["uri"]), r,
                               types.CodeActionContext(diagnostics=list(diagnostics), only=only))
    )
    return list(result or [])


async def stats(client: LanguageClient) -> dict:
    result = await client.protocol.send_request_async("atelier/stats", {})
    return result if isinstance(result, dict) else result._asdict()


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (ASCII text: characters are UTF-16 units) the way a client does."""
    lines = text.split("\n")
    offset = lambda p: sum(len(line) + 1 for line in lines[: p.line]) + p.character  # noqa: E731
    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def parse_errors(text: str) -> int:
    return error_count(make_parser("python").parse(text.encode()))


async def test_initialize_advertises_resolvable_code_actions_and_the_commands(client):
    caps = INIT["result"].capabilities
    assert caps.code_action_provider.resolve_provider is True
    assert {"atelier.explain", "atelier.document", "atelier.generateTests", "atelier.fix",
            "atelier.editWithInstruction"} <= set(caps.execute_command_provider.commands)


async def test_actions_are_offered_in_the_right_places_and_listing_does_not_run_the_model(client):
    before = await stats(client)
    start = time.perf_counter()
    on_function = await actions(client, rng((line_of(INVENTORY, "def find") + 2, 12)))
    elapsed = time.perf_counter() - start
    titles = [a.title for a in on_function]
    assert titles == ["Atelier: Explain `find`", "Atelier: Document `find`", "Atelier: Generate tests for `find`",
                      "Atelier: Edit with instruction…"]
    document = on_function[1]
    assert document.edit is None and document.data["action"] == "document"  # filled in by resolve
    assert on_function[0].command.command == "atelier.explain"
    # Nothing to act on: a module-level import line.
    assert await actions(client, rng((2, 0))) == []
    # A selection of two statements: explain or edit it, but there is no symbol to document.
    sel = await actions(client, rng((line_of(INVENTORY, "total = 0.0"), 8), (line_of(INVENTORY, "for item in self.items:"), 30)))
    # A selection inside a Python function may also be rewritten until the tests pass.
    assert [a.title for a in sel] == ["Atelier: Explain `total_value`", "Atelier: Document `total_value`",
                                      "Atelier: Generate tests for `total_value`", "Atelier: Edit with instruction…",
                                      "Atelier: Generate to pass the tests"]
    # A diagnostic in the request's context: a quick fix for it, alone when only quick fixes are asked for.
    diag = types.Diagnostic(rng((33, 4), (33, 16)), "Operator \"+\" not supported for types", severity=types.DiagnosticSeverity.Error)
    fixes = await actions(client, rng((33, 4)), [diag], only=[types.CodeActionKind.QuickFix])
    assert len(fixes) == 1 and fixes[0].kind == types.CodeActionKind.QuickFix and fixes[0].diagnostics[0].message == diag.message
    assert (await stats(client))["generations"] == before["generations"]
    assert elapsed < 2.0


async def test_document_resolves_to_an_edit_that_applies_and_leaves_the_file_parseable(client):
    before = await stats(client)
    offered = await actions(client, rng((line_of(INVENTORY, "def add_numbers"), 6)))
    document = next(a for a in offered if a.title.startswith("Atelier: Document"))
    resolved = await client.code_action_resolve_async(document)
    assert (await stats(client))["generations"] == before["generations"] + 1
    assert resolved.edit is not None, [m.message for m in client.messages]
    change = resolved.edit.document_changes[0]
    assert change.text_document.uri == INIT["uri"] and change.text_document.version == 1
    result = apply(INVENTORY, change.edits)
    assert parse_errors(result) == 0
    body = result[result.index("def add_numbers"):].split("\n")
    assert body[1].startswith('    """') and body[-2] == "    return a + b", body


async def test_generate_tests_resolves_to_a_new_test_file_that_parses(client):
    offered = await actions(client, rng((line_of(INVENTORY, "return a + b"), 6)))
    tests = next(a for a in offered if a.title.startswith("Atelier: Generate tests"))
    resolved = await client.code_action_resolve_async(tests)
    assert resolved.edit is not None, [m.message for m in client.messages]
    create, insert = resolved.edit.document_changes
    assert isinstance(create, types.CreateFile) and create.uri == (DATA / "test_inventory.py").as_uri()
    assert not Path(DATA / "test_inventory.py").exists()  # the client creates it, never the server
    code = apply("", insert.edits)
    assert parse_errors(code) == 0
    assert "from inventory import add_numbers" in code and "def test_add_numbers" in code and "add_numbers(" in code
    # The model's own test, not the skeleton the product falls back to (which says so: test_actions_scripted.py).
    assert "TODO" not in code and "assert " in code, code
    assert not any("skeleton" in m.message for m in client.messages)


async def test_explain_reaches_the_client_through_show_document(client):
    shown = len(client.shown_documents)
    line = line_of(INVENTORY, "def total_value")
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams("atelier.explain", [{"uri": INIT["uri"], "range": {
            "start": {"line": line, "character": 8}, "end": {"line": line, "character": 8}}}])
    )
    assert len(client.shown_documents) == shown + 1
    doc = client.shown_documents[-1]
    path = Path(doc.uri.removeprefix("file://"))
    assert path.is_relative_to(Path(CONFIG.server_env["ATELIER_DATA_DIR"]))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("# Explanation of `total_value`") and "total += item.price * item.quantity" in text
    answer = text.split("---")[0].removeprefix("# Explanation of `total_value`").strip()
    assert "The model gave no answer" not in answer and len(answer.split()) >= 5, answer  # the model's own words
    assert (result if isinstance(result, dict) else result._asdict())["uri"] == doc.uri


async def test_edit_with_instruction_needs_words_and_goes_through_apply_edit(client):
    line = line_of(INVENTORY, "return a + b")
    where = {"start": {"line": line, "character": 4}, "end": {"line": line, "character": 16}}
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams("atelier.editWithInstruction", [{"uri": INIT["uri"], "range": where}]))
    await wait_message(client, "needs an instruction", timeout=10)
    applied = len(APPLIED)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams("atelier.editWithInstruction", [INIT["uri"], where, "return the sum as a float"]))
    result = result if isinstance(result, dict) else result._asdict()
    # The 135M default model (greedy) answers with the line as it is: the user is told that nothing
    # changed, and nothing is applied. (An edit that applies, and one refused for breaking the
    # parse, are pinned with a scripted backend in test_actions_scripted.py.)
    assert result["applied"] is False and "nothing was changed" in result["error"], result
    assert len(APPLIED) == applied
    await wait_message(client, "Atelier: Edit the selection: the model's answer is the code as it already is", timeout=10)


async def chat(client: LanguageClient, params: dict, msg_id: str | None = None):
    return client.protocol.send_request("atelier/chat", params, msg_id=msg_id)


async def test_chat_streams_partial_results_then_the_final_answer(client):
    params = {"conversationId": "c1", "partialResultToken": "chat-1",
              "messages": [{"role": "user", "content": "Write a Python function that reverses a string."}],
              "attachments": [{"uri": INIT["uri"], "range": {"start": {"line": 32, "character": 0}, "end": {"line": 34, "character": 0}}}]}
    result = await asyncio.wait_for(asyncio.wrap_future(await chat(client, params)), 240)
    result = result if isinstance(result, dict) else result._asdict()
    deltas = PARTIALS.get("chat-1", [])
    assert result["conversationId"] == "c1" and result["content"].strip()
    assert len(deltas) >= 2  # streamed before the final result …
    assert "".join(deltas) == result["content"]  # … and they add up to it


async def test_cancelling_chat_mid_stream_stops_generation_and_the_server_keeps_answering(client):
    before = await stats(client)
    params = {"conversationId": "c2", "partialResultToken": 7,
              "messages": [{"role": "user", "content": "Count from 1 to 300, one number per line."}]}
    future = await chat(client, params, msg_id="chat-cancel")
    deadline = time.monotonic() + 180
    while len(PARTIALS.get(7, [])) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert len(PARTIALS.get(7, [])) >= 3, "the answer never started streaming"
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="chat-cancel"))
    started = time.perf_counter()
    with pytest.raises(JsonRpcException) as info:
        await asyncio.wait_for(asyncio.wrap_future(future), 10)
    assert info.value.code == -32800  # RequestCancelled
    assert time.perf_counter() - started < 5
    streamed = len(PARTIALS[7])
    # The worker stops between two tokens: its tokens count as wasted once it has returned.
    while (now := await stats(client))["wasted_decode_steps"] == before["wasted_decode_steps"]:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    wasted = now["wasted_decode_steps"] - before["wasted_decode_steps"]
    assert streamed <= wasted <= streamed + 5 and wasted < 512
    assert len(PARTIALS[7]) == streamed  # nothing streamed after the cancellation
    follow_up = {"conversationId": "c2", "messages": [{"role": "user", "content": "Say hi."}]}
    result = await asyncio.wait_for(asyncio.wrap_future(await chat(client, follow_up)), 240)
    assert (result if isinstance(result, dict) else result._asdict())["content"]


@pytest.mark.parametrize(
    "params",
    [
        {"conversationId": 5, "messages": [{"role": "user", "content": "hi"}]},
        {"conversationId": "c", "messages": "hi"},
        {"conversationId": "c", "messages": [{"role": "robot", "content": "hi"}]},
        {"conversationId": "c", "messages": [{"role": "user", "content": "hi"}], "attachments": [{"url": "x"}]},
    ],
)
async def test_bad_chat_params_get_invalid_params(client, params):
    with pytest.raises(JsonRpcException) as info:
        await asyncio.wait_for(asyncio.wrap_future(await chat(client, params)), 10)
    assert info.value.code == -32602


async def test_bad_command_and_resolve_arguments_get_invalid_params_and_the_server_keeps_answering(client):
    for call in (
        client.workspace_execute_command_async(types.ExecuteCommandParams("atelier.explain", [42])),
        client.workspace_execute_command_async(types.ExecuteCommandParams("atelier.document", [{"uri": "file:///nope.py", "range": {}}])),
        client.code_action_resolve_async(types.CodeAction("x", data={"action": "format the disk"})),
    ):
        with pytest.raises(JsonRpcException) as info:
            await asyncio.wait_for(call, 10)
        assert info.value.code == -32602
    assert "generations" in await stats(client)


# -- a client with neither window/showDocument nor codeAction/resolve (Emacs 29's eglot) ----

EGLOT: dict = {"applied": []}


@pytest_lsp.fixture(config=config(), scope="module")
async def eglot(lsp_client: LanguageClient):
    record_applied_edits(lsp_client, EGLOT["applied"])

    decode_code_actions_as_editors_do(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("emacs"), root_uri=DATA.as_uri(),
        initialization_options={"model": {"n_threads": 1}}))
    await wait_progress_end(lsp_client, "ready")
    EGLOT["uri"] = open_doc(lsp_client, "inventory.py", INVENTORY, "python")
    yield
    await lsp_client.shutdown_session()


async def test_without_resolve_support_actions_are_commands_and_edits_come_through_apply_edit(eglot):
    offered = await eglot.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(EGLOT["uri"]), rng((line_of(INVENTORY, "def add_numbers"), 4)),
        types.CodeActionContext(diagnostics=[])))
    document = next(a for a in offered if a.title.startswith("Atelier: Document"))
    assert document.data is None and document.command.command == "atelier.document"
    await eglot.workspace_execute_command_async(
        types.ExecuteCommandParams(document.command.command, document.command.arguments))
    assert len(EGLOT["applied"]) == 1, [m.message for m in eglot.messages]
    change = EGLOT["applied"][0].edit.document_changes[0]
    assert parse_errors(apply(INVENTORY, change.edits)) == 0


async def test_without_show_document_the_explanation_is_a_message(eglot):
    line = line_of(INVENTORY, "def find")
    result = await eglot.workspace_execute_command_async(types.ExecuteCommandParams("atelier.explain", [
        {"uri": EGLOT["uri"], "range": {"start": {"line": line, "character": 4}, "end": {"line": line, "character": 4}}}]))
    assert (result if isinstance(result, dict) else result._asdict())["uri"] is None
    message = await wait_message(eglot, "# Explanation of `find`", timeout=10)
    assert "for item in self.items:" in message
