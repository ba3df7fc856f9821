"""Fuzzing the real `atelier serve` over stdio: broken framing (over TCP too, after the
token), messages that are not JSON-RPC, params of the wrong shape for every method it
supports, and didChange sequences with bad ranges, out-of-order versions and binary text.
The server must answer every request (a result or a JSON-RPC error), never die, never hit an
unhandled exception, and keep each document's text equal to a reference model's.

No model (model.path points nowhere) and completion off: the model is not the point here."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.context.document_reference import Refused, apply, clean
from tests.fuzzing import fuzz_settings
from tests.lsp_server.raw_client import TRANSPORTS, RawServer

OPEN_URI = "file:///fuzz/open.py"
# Every method the server handles (initialize, shutdown and exit aside: they end the session).
REQUESTS = ["textDocument/inlineCompletion", "textDocument/completion", "textDocument/codeAction",
            "codeAction/resolve", "workspace/executeCommand", "atelier/stats", "atelier/chat", "atelier/document"]
NOTIFICATIONS = ["textDocument/didOpen", "textDocument/didChange", "textDocument/didSave", "textDocument/didClose",
                 "workspace/didChangeWatchedFiles", "$/cancelRequest", "$/setTrace", "initialized",
                 "workspace/didChangeConfiguration"]
COMMANDS = ["atelier.explain", "atelier.document", "atelier.generateTests", "atelier.fix", "atelier.editWithInstruction",
            "atelier.accepted", "no.such.command"]


OPTIONS = {"model": {"path": "/nonexistent/fuzz.gguf"}, "completion": {"enabled": False}}


@pytest.fixture(scope="module")
def server():
    s = RawServer(OPTIONS)
    yield s
    s.close()


@pytest.fixture(scope="module")
def tcp_server():
    s = RawServer(OPTIONS, transport="tcp")
    yield s
    s.close()


@pytest.fixture(params=TRANSPORTS)
def any_server(request):
    """The framing tests run over both transports: after the token, TCP reads like stdio."""
    return request.getfixturevalue("server" if request.param == "stdio" else "tcp_server")


def _healthy(server: RawServer) -> None:
    assert server.alive(), "the server stopped answering"
    errors = [m for m in server.messages() if "Error in server" in m]
    assert not errors, f"an unhandled exception in a handler: {errors}"
    while not server.orphans.empty():  # answers to what had no usable id: proper errors only
        orphan = server.orphans.get_nowait()
        assert orphan["jsonrpc"] == "2.0" and orphan["error"]["code"] in (-32700, -32600), orphan


# -- framing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
safe_methods = st.sampled_from(REQUESTS + NOTIFICATIONS[:-1] + ["no/such/method", "", "$/unknown"])
messages = st.fixed_dictionaries(
    {"jsonrpc": st.sampled_from(["2.0", "2.0", "1.0", 2])},
    optional={"id": st.one_of(st.integers(10**6, 10**7), st.text(max_size=8), st.none(), st.lists(st.integers(), max_size=2)),
              "method": safe_methods, "params": json_values, "result": json_values},
)
bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),  # mostly not JSON
    json_values.map(lambda v: json.dumps(v).encode()),
    messages.map(lambda m: json.dumps(m).encode()),
    st.integers(100_000, 1_000_000).map(lambda n: json.dumps({"jsonrpc": "2.0", "method": "$/x", "params": "x" * n}).encode()),
).filter(lambda b: b"content-length" not in b.lower())
eols = st.sampled_from([b"\r\n", b"\n"])


@st.composite
def frames(draw) -> tuple[bytes, int]:
    """(bytes to send, filler the server will still wait for: a declared length past the body)."""
    if draw(st.integers(0, 4)) == 0:  # noise with no line break: it runs into the next header
        return draw(st.binary(max_size=2000)).replace(b"\n", b"").replace(b"ength", b""), 0
    body = draw(bodies)
    headers, length = [], None
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["right", "wrong", "lower", "type", "junk"]))
        if kind in ("right", "wrong", "lower"):
            length = len(body) if kind != "wrong" else max(0, len(body) + draw(st.integers(-len(body), 2000)))
            name = b"content-length" if kind == "lower" else b"Content-Length"
            headers.append(name + b": %d" % length + draw(eols))
        elif kind == "type":
            headers.append(b"Content-Type: application/vscode-jsonrpc; charset=utf-8" + draw(eols))
        else:
            headers.append(draw(st.binary(min_size=1, max_size=40)).replace(b"\n", b"").replace(b"ength", b"") + draw(eols))
    blank = draw(st.sampled_from([b"\r\n", b"\n", b""]))
    if not blank:
        length = None  # no end of headers: the body runs on as header lines
    # Where a body line is blank and no length was set, or a length is 0, the body is junk
    # between frames: the server skips it whatever it holds.
    filler = max(0, length - len(body)) if length else 0
    return b"".join(headers) + blank + body, filler


@fuzz_settings(150)
@given(frame=frames())
def test_broken_framing_never_stops_the_server(any_server, frame):
    data, filler = frame
    any_server.send_bytes(data + b" " * filler)
    _healthy(any_server)


def test_invalid_json_and_non_messages_get_jsonrpc_errors(any_server):
    server = any_server
    for body, code in [(b"{oops", -32700), (b"\xff\xfe\x00", -32700), (b"[1, 2]", -32600), (b'"text"', -32600),
                       (b'{"id": 3.5, "jsonrpc": "2.0", "id": [1], "method": "atelier/stats"}', -32600)]:
        server.send_bytes(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        error = server.orphans.get(timeout=10)["error"]
        assert error["code"] == code and error["message"]
    server.send({"id": "no-version", "method": "atelier/stats"})  # no "jsonrpc": "2.0"
    assert server.wait("no-version")["error"]["code"] == -32600
    _healthy(server)


def test_a_request_with_wrong_param_types_gets_invalid_params(server):
    answer = server.request("textDocument/inlineCompletion", {"textDocument": {"uri": OPEN_URI}, "position": "1:2"})
    assert answer["error"]["code"] == -32602
    answer = server.request("textDocument/completion", {"textDocument": {"uri": OPEN_URI}, "position": {"line": -1, "character": 0}})
    assert answer["error"]["code"] == -32602
    _healthy(server)


# -- params of every method ------------------------------------------------------------------

uris = st.sampled_from([OPEN_URI, "file:///fuzz/unknown.py", "untitled:Untitled-1", "", "not a uri", "file:///etc/passwd",
                        "file:///fuzz/%00.py", "http://example.com/x.py"])
ints = st.one_of(st.integers(0, 20), st.integers(-5, 2**31 + 5), st.just(2**31 - 1))
positions = st.fixed_dictionaries({"line": ints, "character": ints})
ranges = st.fixed_dictionaries({"start": positions, "end": positions})
loose = st.one_of(json_values, uris, positions, ranges)  # a value of the wrong kind, or of the right one


def _shaped(method: str):
    """Params close to the method's types, with any field replaced by something else."""
    doc = st.fixed_dictionaries({"uri": uris})
    shapes = {
        "textDocument/inlineCompletion": {"textDocument": doc, "position": positions,
                                          "context": st.just({"triggerKind": 1})},
        "textDocument/completion": {"textDocument": doc, "position": positions},
        "textDocument/codeAction": {"textDocument": doc, "range": ranges,
                                    "context": st.fixed_dictionaries({"diagnostics": st.lists(
                                        st.fixed_dictionaries({"range": ranges, "message": st.text(max_size=20)}), max_size=2)})},
        "codeAction/resolve": {"title": st.text(max_size=10), "data": st.fixed_dictionaries(
            {"action": st.sampled_from(["explain", "document", "tests", "fix", "edit", "nope"]), "uri": uris, "range": ranges})},
        "workspace/executeCommand": {"command": st.sampled_from(COMMANDS), "arguments": st.lists(
            st.one_of(st.fixed_dictionaries({"uri": uris, "range": ranges}), loose), max_size=3)},
        "atelier/chat": {"conversationId": st.text(max_size=5), "messages": st.lists(st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "assistant", "system", "x"]), "content": st.text(max_size=20)}), max_size=3),
            "attachments": st.lists(st.fixed_dictionaries({"uri": uris, "range": ranges}), max_size=2)},
        "atelier/document": {"uri": uris},
        "textDocument/didOpen": {"textDocument": st.fixed_dictionaries({"uri": uris, "languageId": st.sampled_from(["python", "", "x"]),
                                                                        "version": ints, "text": st.text(max_size=50)})},
        "textDocument/didChange": {"textDocument": st.fixed_dictionaries({"uri": uris, "version": ints}),
                                   "contentChanges": st.lists(st.one_of(st.fixed_dictionaries({"range": ranges, "text": st.text(max_size=20)}),
                                                                        st.fixed_dictionaries({"text": st.text(max_size=20)})), max_size=3)},
        "textDocument/didSave": {"textDocument": doc},
        "textDocument/didClose": {"textDocument": doc},
        "workspace/didChangeWatchedFiles": {"changes": st.lists(st.fixed_dictionaries({"uri": uris, "type": st.integers(0, 4)}), max_size=3)},
        "$/cancelRequest": {"id": st.one_of(ints, st.text(max_size=4))},
        "$/setTrace": {"value": st.sampled_from(["off", "messages", "verbose", "loud"])},
        "workspace/didChangeConfiguration": {"settings": st.fixed_dictionaries({}, optional={
            "completion": st.dictionaries(st.sampled_from(["max_tokens", "debounce_ms", "context", "enabled", "bogus"]), loose, max_size=2),
            "model": st.dictionaries(st.sampled_from(["n_ctx", "n_batch", "fim", "bogus"]), loose, max_size=2)})},
    }
    fields = shapes.get(method, {})
    # Each field: its shape most of the time, else anything; and some fields left out.
    return st.fixed_dictionaries({}, optional={k: st.one_of(v, v, v, loose) for k, v in fields.items()})


@st.composite
def calls(draw) -> tuple[str, object, bool]:
    method = draw(st.sampled_from(REQUESTS + NOTIFICATIONS))
    params = draw(st.one_of(_shaped(method), _shaped(method), _shaped(method), json_values))
    return method, params, method in REQUESTS


@fuzz_settings(250)
@given(call=calls())
def test_every_method_answers_bad_params_with_an_error_and_stays_up(server, call):
    method, params, is_request = call
    server.notify("textDocument/didOpen", {"textDocument": {"uri": OPEN_URI, "languageId": "python", "version": 1,
                                                            "text": "def f(a):\n    return a\n"}})
    if is_request:
        answer = server.request(method, params)
        assert "result" in answer or (isinstance(answer["error"]["code"], int) and answer["error"]["message"]), answer
        if "error" in answer and answer["error"]["code"] == -32603:  # internal error: only the deliberate ones
            assert "no model is loaded" in answer["error"]["message"], answer
    else:
        server.notify(method, params)
    _healthy(server)


# -- document state ----------------------------------------------------------------------------

SYNC_URI = "file:///fuzz/sync.py"
PIECES = ["def f(a):\n", "    return a\n", "\n", " ", "x", "é", "😀", "\0", "\r\n", "\ud800", "\x7f", "\uffff"]
texts = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
coords = st.integers(0, 12)
changes = st.lists(st.tuples(st.one_of(st.none(), st.tuples(coords, coords, coords, coords)), texts), min_size=1, max_size=3)


def _wire(batch: list) -> list[dict]:
    out = []
    for rng, text in batch:
        if rng is None:
            out.append({"text": text})
        else:
            out.append({"range": {"start": {"line": rng[0], "character": rng[1]}, "end": {"line": rng[2], "character": rng[3]}},
                        "text": text})
    return out


@fuzz_settings(60)
@given(text=texts, steps=st.lists(st.tuples(changes, st.integers(-3, 3), st.booleans()), min_size=1, max_size=8))
def test_document_text_follows_the_reference_whatever_the_changes(server, text, steps):
    """Bad ranges leave the document as it was; versions out of order still apply (the text is
    what counts); a change of the wrong shape is dropped whole; binary text goes through."""
    server.notify("textDocument/didOpen", {"textDocument": {"uri": SYNC_URI, "languageId": "python", "version": 10, "text": text}})
    expected, version = clean(text), 10
    for batch, version_step, malformed in steps:
        wire = _wire(batch)
        if malformed:  # one change of the wrong shape: the notification is dropped whole
            wire.append({"range": "0:0-1:0", "text": "dropped"})
        server.notify("textDocument/didChange", {"textDocument": {"uri": SYNC_URI, "version": max(0, version + version_step)},
                                                 "contentChanges": wire})
        if not malformed:
            try:
                expected = apply(expected, batch)
                version = max(0, version + version_step)
            except Refused:
                pass
    state = server.request("atelier/document", {"uri": SYNC_URI})["result"]
    assert state["sha256"] == hashlib.sha256(expected.encode()).hexdigest(), (expected, state)
    assert state["version"] == version and state["chars"] == len(expected)
    server.notify("textDocument/didClose", {"textDocument": {"uri": SYNC_URI}})
    assert server.request("atelier/document", {"uri": SYNC_URI})["result"] is None


def test_a_column_past_the_end_of_a_line_means_its_end(server):
    """Found by the fuzzer: pygls' own document mirror rewrote such a range in place
    (column 2 of a one-character line became column 0) before the server saw it."""
    server.notify("textDocument/didOpen", {"textDocument": {"uri": SYNC_URI, "languageId": "python", "version": 1,
                                                            "text": "def f(a):\n "}})
    server.notify("textDocument/didChange", {"textDocument": {"uri": SYNC_URI, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 2}}, "text": "x"}]})
    assert server.request("atelier/document", {"uri": SYNC_URI})["result"]["sha256"] == hashlib.sha256(b"x").hexdigest()
    server.notify("textDocument/didClose", {"textDocument": {"uri": SYNC_URI}})
