"""The server's JSON-RPC protocol over a real client: what pygls keeps per message is let go."""

from lsprotocol import types

from atelier.lsp_server.bench.editor_session import EditorSession


async def test_notifications_leave_no_handler_futures_behind(tmp_path):
    """pygls 2.1 kept one future per didOpen/didChange/didClose for good: a day of typing
    grew the server by tens of megabytes. Typing 320 characters and closing must leave none."""
    session = EditorSession(tmp_path)
    await session.start()
    try:
        await session.wait_ready()  # start-up work (model, index) runs in a handler of its own
        uri = session.open(tmp_path / "typed.py", "x = 1\n", "python")
        for i, ch in enumerate("total = first + second + third; " * 10):
            session.replace(uri, (1, i), (1, i), ch)
        session.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
        stats = await session.stats()  # answered after every notification before it
    finally:
        await session.stop()
    assert stats["pending_handlers"] <= 2  # the stats request itself, and the watcher's registration
