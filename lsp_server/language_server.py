"""The pygls server object: LSP plumbing every feature uses (messages to the user, work-done
progress, position widths, paths shown to the model) and the current settings and client
flags. What the features work with (documents, model, workspace, feedback) is handed to
them apart, as `engine.services.Services`."""

from __future__ import annotations

import logging
import os
import uuid

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from atelier.lsp_server import __version__
from atelier.lsp_server.capabilities import ClientFlags
from atelier.lsp_server.settings import Settings
from atelier.lsp_server.transport.protocol import AtelierProtocol

log = logging.getLogger(__name__)


class AtelierServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "atelier",
            __version__,
            protocol_cls=AtelierProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.settings = Settings()
        self.flags = ClientFlags()  # set at initialize

    def show(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        log.log(logging.ERROR if kind == types.MessageType.Error else logging.INFO, "%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"Atelier: {message}"))

    def report_server_error(self, error: Exception, source) -> None:
        # The stdio loop reports here the bodies it could not decode: answer them as JSON-RPC
        # says (-32700, id null) instead of pygls' "Error in server" popup.
        if source is JsonRpcException:
            self.protocol.answer_unparsable(error)
            return
        super().report_server_error(error, source)

    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding.value)
        except Exception:  # before initialize
            return "utf-16"

    def width(self, text: str) -> int:
        """Length of `text` in the negotiated position encoding's units."""
        encoding = self.encoding()
        if encoding == "utf-8":
            return len(text.encode())
        if encoding == "utf-32":
            return len(text)
        return len(text.encode("utf-16-le")) // 2

    def root_path(self) -> str | None:
        return self.workspace.root_path if self.protocol._workspace else None

    def display_path(self, uri: str) -> str:
        path = to_fs_path(uri) or uri
        root = self.root_path()
        if root and path.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, root)
        return os.path.basename(path)

    async def begin_progress(self, message: str, percentage: int | None = None) -> str | None:
        """Start work-done progress; None when the client does not take it (the work goes
        on all the same)."""
        if not self.flags.work_done_progress:
            return None
        token = str(uuid.uuid4())
        try:
            await self.work_done_progress.create_async(token)
        except Exception as exc:
            log.info("no work-done progress: %s", exc)
            return None
        self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="Atelier", message=message, percentage=percentage))
        return token

    def report_progress(self, token: str | None, message: str, percentage: int) -> None:
        if token is not None:
            self.work_done_progress.report(token, types.WorkDoneProgressReport(message=message, percentage=percentage))

    def end_progress(self, token: str | None, message: str) -> None:
        if token is not None:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
