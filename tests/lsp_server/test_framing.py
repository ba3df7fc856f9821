"""lsp_server.framing: what pygls' loop gets from a stream with broken frames."""

import io

from atelier.lsp_server.transport.framing import MAX_HEADER_BYTES, FramedReader


def _frames(data: bytes, **kw) -> list[bytes]:
    """The bodies pygls would read, the way it reads them."""
    reader, bodies = FramedReader(io.BytesIO(data), **kw), []
    while True:
        line = reader.readline()
        if not line:
            return bodies
        if line.startswith(b"Content-Length: "):
            length = int(line.split(b": ")[1])
            assert reader.readline() == b"\r\n"
            bodies.append(reader.read(length))


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_well_formed_frames_pass_through_with_their_content_type():
    data = frame(b"{}") + b"Content-Length: 4\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[12]"
    assert _frames(data) == [b"{}", b"[12]"]


def test_lf_line_ends_and_lower_case_names_are_read():
    assert _frames(b"content-length: 2\n\n{}" + frame(b"[]")) == [b"{}", b"[]"]


def test_garbage_before_a_header_does_not_hide_it():
    assert _frames(b"\x00\xffgarbage" + frame(b"{}") + b"\r\n\r\nnot a header\r\n" + frame(b"[]")) == [b"{}", b"[]"]


def test_a_message_over_the_limit_is_skipped_and_the_next_one_read():
    reader_data = frame(b"x" * 5000) + frame(b"{}")
    assert _frames(reader_data, max_message_bytes=1000) == [b"{}"]


def test_an_endless_header_line_is_read_in_pieces_and_the_header_after_it_found():
    data = b"y" * (MAX_HEADER_BYTES * 50) + frame(b"{}")
    assert _frames(data) == [b"{}"]


def test_empty_messages_are_skipped_and_input_ending_inside_a_body_ends_the_stream():
    assert _frames(b"Content-Length: 0\r\n\r\n" + frame(b"{}") + b"Content-Length: 10\r\n\r\n{") == [b"{}"]
