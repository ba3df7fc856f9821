"""lsp_server.framing: what pygls' loop gets from a stream with broken frames, read from a
file (stdio) or from a socket fed in small pieces (TCP: transport.tcp.SocketInput)."""

import io
import socket
import threading

import pytest

from atelier.lsp_server.transport.framing import MAX_HEADER_BYTES, FramedReader
from atelier.lsp_server.transport.tcp import SocketInput


@pytest.fixture(params=["stdio", "tcp"])
def source(request):
    """A readable binary file with the given bytes: in memory, or a socket's incoming side,
    the bytes sent 7 at a time by another thread and the connection then closed."""
    socks = []

    def make(data: bytes):
        if request.param == "stdio":
            return io.BytesIO(data)
        ours, theirs = socket.socketpair()
        socks.extend((ours, theirs))

        def feed():
            try:
                for i in range(0, len(data), 7):
                    theirs.sendall(data[i:i + 7])
                theirs.shutdown(socket.SHUT_WR)
            except OSError:  # the test is over, the reading side closed
                pass

        threading.Thread(target=feed, daemon=True).start()
        return io.BufferedReader(SocketInput(ours))

    yield make
    for sock in socks:
        sock.close()


@pytest.fixture()
def read_frames(source):
    """The bodies pygls would read from these bytes."""
    return lambda data, **kw: _bodies(FramedReader(source(data), **kw))


def _bodies(reader: FramedReader) -> list[bytes]:
    """The bodies pygls would read, the way it reads them."""
    bodies = []
    while line := reader.readline():
        if line.startswith(b"Content-Length: "):
            length = int(line.split(b": ")[1])
            assert reader.readline() == b"\r\n"
            bodies.append(reader.read(length))
    return bodies


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_well_formed_frames_pass_through_with_their_content_type(read_frames):
    data = frame(b"{}") + b"Content-Length: 4\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[12]"
    assert read_frames(data) == [b"{}", b"[12]"]


def test_lf_line_ends_and_lower_case_names_are_read(read_frames):
    assert read_frames(b"content-length: 2\n\n{}" + frame(b"[]")) == [b"{}", b"[]"]


def test_garbage_before_a_header_does_not_hide_it(read_frames):
    assert read_frames(b"\x00\xffgarbage" + frame(b"{}") + b"\r\n\r\nnot a header\r\n" + frame(b"[]")) == [b"{}", b"[]"]


def test_a_message_over_the_limit_is_skipped_and_the_next_one_read(read_frames):
    reader_data = frame(b"x" * 5000) + frame(b"{}")
    assert read_frames(reader_data, max_message_bytes=1000) == [b"{}"]


def test_an_endless_header_line_is_read_in_pieces_and_the_header_after_it_found(read_frames):
    data = b"y" * (MAX_HEADER_BYTES * 50) + frame(b"{}")
    assert read_frames(data) == [b"{}"]


def test_empty_messages_are_skipped_and_input_ending_inside_a_body_ends_the_stream(read_frames):
    assert read_frames(b"Content-Length: 0\r\n\r\n" + frame(b"{}") + b"Content-Length: 10\r\n\r\n{") == [b"{}"]


def test_without_skipping_a_message_over_the_limit_ends_the_input(source):
    """Before the TCP token: an oversized message is not read past, the connection ends."""
    reader = FramedReader(source(frame(b"{}") + frame(b"x" * 5000) + frame(b"[]")), 1000, skip_oversized=False)
    assert reader.next_body() == b"{}"
    assert reader.next_body() is None


def test_a_pushed_body_reaches_pygls_before_the_input(source):
    """After the TCP token, the initialize message read for the check is handed to pygls."""
    raw = source(frame(b"[1]") + frame(b"[2]"))
    checked = FramedReader(raw).next_body()
    reader = FramedReader(raw)
    reader.push(checked + b" ")
    assert _bodies(reader) == [b"[1] ", b"[2]"]
