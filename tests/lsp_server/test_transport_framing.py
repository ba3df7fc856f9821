"""The same broken input over stdio and over TCP (`atelier serve --tcp`, after the token): both
read it with transport.framing's bounded reader, so both answer the same way, never wedge,
never hold an oversized message in memory, and both exit when the editor's end goes away.

No model (model.path points nowhere) and completion off: the model is not the point here."""

from __future__ import annotations

import json
import socket
import time

import pytest

from atelier.lsp_server.transport.framing import MAX_MESSAGE_BYTES
from tests.lsp_server.raw_client import TRANSPORTS, RawServer

OPTIONS = {"model": {"path": "/nonexistent/framing.gguf"}, "completion": {"enabled": False}}
MiB = 1024 * 1024


@pytest.fixture(scope="module", params=TRANSPORTS)
def server(request):
    s = RawServer(OPTIONS, transport=request.param)
    yield s
    s.close()


def _frame(message: dict, eol: bytes = b"\r\n") -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d%s%s%s" % (len(body), eol, eol, body)


def _stats(msg_id: str) -> dict:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "atelier/stats", "params": {}}


def _still_answers(server: RawServer, label: str) -> None:
    """A well-formed request right after the broken input gets its answer."""
    server.send(_stats(f"after-{label}"))
    assert "result" in server.wait(f"after-{label}", timeout=15), f"no answer after {label}"


def test_lf_only_headers_are_read(server):
    server.send_bytes(_frame(_stats("lf"), eol=b"\n"))
    assert "result" in server.wait("lf", timeout=15)
    _still_answers(server, "lf")


def test_a_frame_without_content_length_is_skipped(server):
    body = json.dumps(_stats("no-length")).encode()
    server.send_bytes(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body)
    _still_answers(server, "no-length")
    assert "no-length" not in server.responses


def test_a_70_kib_header_line_is_skipped(server):
    server.send_bytes(b"X-Padding: " + b"y" * (70 * 1024) + b"\r\n" + _frame(_stats("long-header")))
    assert "result" in server.wait("long-header", timeout=15)
    server.send_bytes(b"z" * (70 * 1024))  # and one with no line break at all, running into the next header
    _still_answers(server, "long-line")


def test_garbage_bytes_between_frames_are_skipped(server):
    server.send_bytes(b"\x00\xff\x13garbage\x80" + _frame(_stats("garbage")))
    assert "result" in server.wait("garbage", timeout=15)
    server.send_bytes(b"\r\nnot a header\r\n\x00\x01\x02\r\n\r\n")
    _still_answers(server, "garbage")


def test_invalid_json_gets_a_parse_error(server):
    server.send_bytes(b"Content-Length: 5\r\n\r\n{oops")
    assert server.orphans.get(timeout=15)["error"]["code"] == -32700
    _still_answers(server, "parse-error")


def test_a_frame_split_across_many_small_writes_is_read_whole(server):
    if server.sock is not None:
        server.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece its own segment
    data = _frame(_stats("pieces"))
    with server.sending:
        for i in range(0, len(data), 3):
            server.send_bytes(data[i:i + 3])
            time.sleep(0.002)
    assert "result" in server.wait("pieces", timeout=15)
    _still_answers(server, "pieces")


def test_a_message_over_the_limit_is_skipped_without_holding_it(server):
    """Announced and sent whole, MAX_MESSAGE_BYTES + 1 MiB: read past in pieces, never held."""
    _still_answers(server, "warm-up")
    before = server.rss_kib("VmRSS")
    head = b'{"jsonrpc": "2.0", "id": "huge", "method": "atelier/stats", "params": {"x": "'
    tail = b'"}}'
    length = MAX_MESSAGE_BYTES + MiB
    left, chunk = length - len(head) - len(tail), b"x" * MiB
    with server.sending:
        server.send_bytes(b"Content-Length: %d\r\n\r\n%s" % (length, head))
        while left > 0:
            server.send_bytes(chunk[:left])
            left -= MiB
        server.send_bytes(tail)
    _still_answers(server, "huge")
    peak, after = server.rss_kib("VmHWM"), server.rss_kib("VmRSS")
    print(f"{server.transport}: RSS before {before // 1024} MiB, peak {peak // 1024} MiB, after {after // 1024} MiB")
    assert "huge" not in server.responses
    assert peak - before < 50 * 1024, (before, peak)


@pytest.mark.parametrize("transport, how", [(t, h) for t in TRANSPORTS for h in ("clean", "mid-frame")]
                         + [("tcp", "reset-mid-frame")])  # a pipe has no reset
def test_the_server_exits_when_its_editor_goes_away(transport, how):
    s = RawServer(OPTIONS, transport=transport)
    try:
        assert s.alive()
        if how != "clean":
            s.send_bytes(b"Content-Length: 100\r\n\r\n{\"jsonrpc\": ")
        s.hang_up(reset=how.startswith("reset"))
        deadline = time.monotonic() + 10
        while s.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert s.proc.poll() is not None, f"the server still runs 10 s after its editor went away ({how})"
    finally:
        s.close()
