"""Text synchronisation: didOpen, incremental didChange, didSave, didClose, and
workspace/didChangeWatchedFiles (the workspace index follows files changed outside)."""

from __future__ import annotations

import logging

from lsprotocol import types
from pygls.uris import to_fs_path

from atelier.context.document import Document, DocumentTooLarge, PositionError
from atelier.lsp_server.engine import next_edit
from atelier.lsp_server.engine.completion_request import warm_at
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer

log = logging.getLogger(__name__)


def register(server: AtelierServer, services: Services) -> None:
    documents, workspace = services.documents, services.workspace

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AtelierServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        try:
            doc = Document(item.uri, item.text, item.language_id, item.version, ls.encoding())
        except DocumentTooLarge as exc:
            services.forget_document(item.uri)
            ls.show(f"{ls.display_path(item.uri)} is too large ({exc}): no completions in it", types.MessageType.Warning)
            return
        for uri in documents.add(doc):
            services.forget_document(uri)
        warm_at(services, ls.settings, item.uri, 0, 0, ls.display_path, ls.root_path() or "", "open")

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AtelierServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = documents.get(params.text_document.uri)
        if doc is None:
            log.warning("change to %s, which is not open: ignored", params.text_document.uri)
            return
        changes = []
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                r = change.range
                changes.append(((r.start.line, r.start.character, r.end.line, r.end.character), change.text))
            else:
                changes.append((None, change.text))
        if params.text_document.version < doc.version:  # applied all the same: the text is what counts
            log.warning("change to %s goes back from version %d to %d", doc.uri, doc.version, params.text_document.version)
        old = doc.text
        span = next_edit.span_of(doc, changes)
        try:
            doc.apply_changes(changes, params.text_document.version)
        except DocumentTooLarge as exc:
            services.forget_document(doc.uri)
            ls.show(f"{ls.display_path(doc.uri)} became too large ({exc}): no completions in it until it is reopened",
                    types.MessageType.Warning)
            return
        except PositionError as exc:
            log.error("change to %s not applied, document left as it was: %s", doc.uri, exc)
            return
        documents.touch(doc.uri)
        services.feedback.changed(doc.uri, old, doc.text)  # a completion accepted, typed into, or passed over
        next_edit.document_changed(services, doc, old, span)  # the edit history
        if changes and changes[-1][0] is not None:
            workspace.edited(doc, ls.display_path(doc.uri), changes[-1][0][0])
            (line, col, _, _), text = changes[-1]  # warm where typing paused: after the last change
            *above, last = text.split("\n")
            at = (line + len(above), (0 if above else col) + ls.width(last))
            warm_at(services, ls.settings, doc.uri, *at, ls.display_path, ls.root_path() or "", "change")

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AtelierServer, params: types.DidSaveTextDocumentParams) -> None:
        workspace.file_changed(to_fs_path(params.text_document.uri))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: AtelierServer, params: types.DidChangeWatchedFilesParams) -> None:
        for event in params.changes:
            workspace.file_changed(to_fs_path(event.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AtelierServer, params: types.DidCloseTextDocumentParams) -> None:
        services.forget_document(params.text_document.uri)
        next_edit.document_closed(services, params.text_document.uri)
