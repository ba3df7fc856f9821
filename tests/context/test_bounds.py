"""What the server keeps in memory is bounded: documents (size and number), chat histories,
the index, and calls waiting for the model; and the index survives a full disk or a corrupt file."""

from __future__ import annotations

import errno
import threading

import msgspec
import pytest

from atelier.context import index as index_module
from atelier.context.prompts import Conversations
from atelier.context.document import MAX_DOCUMENT_CHARS, Document, DocumentTooLarge
from atelier.context.documents import OpenDocuments
from atelier.context.index import WorkspaceIndex
from atelier.models.backend import ChatMessage
from atelier.models.host import MAX_QUEUED, ModelBusy, ModelHost


def test_a_document_over_the_size_limit_is_refused_and_a_change_past_it_leaves_the_text():
    with pytest.raises(DocumentTooLarge):
        Document("file:///big.txt", "x" * (MAX_DOCUMENT_CHARS + 1))
    doc = Document("file:///big.txt", "x" * 10, None, 1)
    with pytest.raises(DocumentTooLarge):
        doc.apply_changes([((0, 10, 0, 10), "y" * MAX_DOCUMENT_CHARS)], 2)
    assert doc.text == "x" * 10 and doc.version == 1


def test_open_documents_keep_the_most_recently_used():
    docs = OpenDocuments(max_documents=3)
    for name in "abcd":
        dropped = docs.add(Document(f"file:///{name}.py", name))
    assert dropped == ["file:///a.py"] and list(docs) == ["file:///b.py", "file:///c.py", "file:///d.py"]
    docs.touch("file:///b.py")
    assert docs.add(Document("file:///e.py", "e")) == ["file:///c.py"]


def test_chat_histories_are_bounded_in_turns_and_characters():
    store = Conversations(max_conversations=2, max_messages=50, max_chars=1000)
    store.record("c", [ChatMessage("user", "q" * 400), ChatMessage("assistant", "a" * 400), ChatMessage("user", "r" * 400)])
    kept = store.get("c")
    assert [m.content[0] for m in kept] == ["a", "r"]
    store.record("d", [ChatMessage("user", "1")])
    store.record("e", [ChatMessage("user", "2")])
    assert store.get("c") == []  # the oldest conversation went


def test_the_index_stops_at_its_file_limit(tmp_path):
    for i in range(12):
        (tmp_path / f"m{i}.py").write_text(f"def f{i}():\n    pass\n")
    index = WorkspaceIndex(tmp_path, max_files=5)
    assert index.build().files == 5


def test_waiting_model_calls_are_bounded():
    host, gate = ModelHost(), threading.Event()
    futures = [host.submit(gate.wait) for _ in range(MAX_QUEUED)]
    with pytest.raises(ModelBusy):
        host.submit(gate.wait)
    gate.set()
    for f in futures:
        f.result(5)
    assert host.submit(lambda: 42).result(5) == 42
    host.close()


def _indexed(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "shapes.py").write_text("def area(w, h):\n    return w * h\n")
    index = WorkspaceIndex(ws, tmp_path / "data" / "index.msgpack")
    index.build()
    return ws, index


def test_disk_full_simulated_keeps_the_previous_index_file(tmp_path, monkeypatch, caplog):
    ws, index = _indexed(tmp_path)
    before = index.store.read_bytes()

    class FullDisk:
        def __init__(self, fd, mode):
            import os
            os.close(fd)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_module.os, "fdopen", FullDisk)
    (ws / "more.py").write_text("def more():\n    pass\n")
    index.build()  # indexes, fails to save: logged, nothing raised
    assert "No space left" in caplog.text
    assert index.store.read_bytes() == before and not index.store.with_suffix(".tmp").exists()
    assert [p for p, _ in index.definitions("more")] == ["more.py"]  # the index in memory is current


def test_a_corrupt_index_file_is_rebuilt(tmp_path):
    ws, index = _indexed(tmp_path)
    index.store.write_bytes(index.store.read_bytes()[:40])
    again = WorkspaceIndex(ws, index.store)
    assert not again.load()
    again.build()
    assert [p for p, _ in again.definitions("area")] == ["shapes.py"]
    assert msgspec.msgpack.decode(index.store.read_bytes())  # whole again
