"""The Atelier language server: thin LSP handlers over the pipeline.

Every handler converts lsprotocol types to plain values, calls a library function, and
converts back. Nothing a client sends may stop the server: bad input is logged and gets an
LSP error or an empty answer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid
from pathlib import Path

import msgspec
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from context.cursor import Cursor
from context.document import Document, DocumentTooLarge, PositionError
from context.documents import OpenDocuments
from context.secrets import is_secret_file
from lsp_server import __version__
from lsp_server.feedback import Feedback
from lsp_server.pipeline import Completion, prepare
from lsp_server.logs import data_dir
from lsp_server.protocol import AtelierProtocol
from lsp_server.scheduler import CompletionScheduler
from lsp_server.security import without_token
from lsp_server.workspace import WorkspaceContext
from lsp_server.settings import Settings, SettingsError, merge_settings
from models.backend import Backend
from models.errors import ModelError
from models.host import ModelHost

log = logging.getLogger(__name__)

# How long a request made while the model loads waits for it before answering empty.
MODEL_WAIT_SECONDS = 60.0


class AtelierServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "atelier",
            __version__,
            protocol_cls=AtelierProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.settings = Settings()
        self.documents = OpenDocuments()
        self.host = ModelHost()
        self.scheduler = CompletionScheduler(self.host)
        self.workspace_context = WorkspaceContext()
        self.feedback = Feedback()  # shown / accepted / rejected completions, in the data folder

    # -- helpers used by the handlers -------------------------------------------------

    def show(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        log.log(logging.ERROR if kind == types.MessageType.Error else logging.INFO, "%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"Atelier: {message}"))

    def forget_document(self, uri: str) -> None:
        self.documents.pop(uri, None)
        self.scheduler.forget(uri)
        self.workspace_context.forget(uri)

    def report_server_error(self, error: Exception, source) -> None:
        # The stdio loop reports here the bodies it could not decode: answer them as JSON-RPC
        # says (-32700, id null) instead of pygls' "Error in server" popup.
        if source is JsonRpcException:
            self.protocol.answer_unparsable(error)
            return
        super().report_server_error(error, source)

    def apply_settings(self, update: object) -> bool:
        """Merge and validate; on error keep the old settings and tell the user. Returns
        whether the model must be reloaded."""
        unknown: list[str] = []
        try:
            new = merge_settings(self.settings, update, unknown)
        except SettingsError as exc:
            self.show(f"{exc}; keeping the previous value")
            return False
        if unknown:
            self.show(f"unknown settings ignored: {', '.join(unknown)}", types.MessageType.Warning)
        reload = new.model != self.settings.model
        if new.licenses != self.settings.licenses:  # the default policy is already in place
            self.workspace_context.set_policy(new.licenses.policy())
        self.settings = new
        return reload

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
        root = self.workspace.root_path if self.protocol._workspace else None
        if root and path.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, root)
        return os.path.basename(path)

    async def begin_progress(self, message: str, percentage: int | None = None) -> str | None:
        """Start work-done progress; None when the client does not take it (the work goes
        on all the same)."""
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        token = str(uuid.uuid4())
        try:
            await self.work_done_progress.create_async(token)
        except Exception as exc:
            log.info("no work-done progress: %s", exc)
            return None
        self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="Atelier", message=message, percentage=percentage))
        return token

    def end_progress(self, token: str | None, message: str) -> None:
        if token is not None:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))

    async def load_model(self) -> None:
        """Load (or reload) the model in the background, with work-done progress."""
        future = self.host.load(self.settings.model.config())
        token = await self.begin_progress("loading model")
        try:
            backend = await asyncio.wrap_future(future)
            message = f"model {backend.name} ready"
            log.info("%s", message)
            if self.host.warning:  # e.g. a LoRA adapter that did not load: the base model serves
                self.show(self.host.warning, types.MessageType.Warning)
        except ModelError as exc:
            message = "model failed to load"
            self.show(str(exc))
        self.end_progress(token, message)

    async def index_workspace(self) -> None:
        """Load the persisted symbol index, then bring it up to date on a thread of its own,
        with work-done progress."""
        root = self.workspace.root_path if self.protocol._workspace else None
        if not root or not os.path.isdir(root):
            return
        try:
            folder = data_dir()
        except OSError as exc:  # read-only or full disk: index in memory only
            log.warning("cannot use the data folder (%s): the index will not be saved; set ATELIER_DATA_DIR "
                        "to a writable folder", exc)
            folder = None
        self.workspace_context.open(Path(root), folder)
        loop = asyncio.get_running_loop()
        token = await self.begin_progress("indexing", 0)

        def report(done: int, total: int) -> None:  # called on the indexing thread
            if token is not None:
                value = types.WorkDoneProgressReport(message=f"indexing {done}/{total} files", percentage=done * 100 // max(total, 1))
                loop.call_soon_threadsafe(self.work_done_progress.report, token, value)

        await asyncio.to_thread(self.workspace_context.build, report)
        self.end_progress(token, f"indexed {len(self.workspace_context.index.files)} files")

    async def ready_backend(self) -> Backend | None:
        """The loaded model, waiting for a load in progress; None when there is none."""
        loading = self.host.loading
        if loading is None:
            return None
        if loading.done():  # no await: keep requests in their order of arrival
            return None if loading.cancelled() or loading.exception() else loading.result()
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(loading)), MODEL_WAIT_SECONDS)
        except (ModelError, asyncio.TimeoutError):
            return None

    async def complete(self, uri: str, position: types.Position) -> tuple[Completion, Cursor] | None:
        ticket = self.scheduler.ticket(uri)
        doc = self.documents.get(uri)
        if doc is None:
            log.warning("completion for %s, which is not open: answering empty", uri)
            return None
        path = self.display_path(uri)
        if is_secret_file(path):  # a .env or key file: its text goes to no model
            return None
        try:
            others = [(self.display_path(u), d) for u, d in self.documents.items() if u != uri]
            sources = self.workspace_context.sources(doc, path, others)
            sources.acceptance = self.feedback.acceptance(self.root_path() or "")
            snap = prepare(doc, position.line, position.character, path, sources, self.settings.completion.context)
            self.feedback.prompted(uri, snap.index, [s.path for s in snap.snippets])
        except PositionError as exc:
            raise JsonRpcInvalidParams(f"position {position.line}:{position.character}: {exc}") from exc
        if not self.settings.completion.enabled:
            return None
        backend = await self.ready_backend()
        if backend is None:
            return None
        try:
            result = await self.scheduler.complete(uri, snap, backend, self.settings.completion, ticket)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failure inside llama.cpp must not take the server down
            log.exception("generation failed")
            self.show(f"completion failed: {exc}")
            return None
        if result is None:
            return None
        log.info(
            "%s %s:%d:%d %s %d+%d tokens (%d evaluated) in %.0f ms",
            result.mode, snap.path, position.line, position.character, result.finish_reason,
            result.prompt_tokens, result.completion_tokens, result.reevaluated_tokens, result.seconds * 1000,
        )
        return result, snap.cursor

SERVER = AtelierServer()


@SERVER.feature(types.INITIALIZE)
def initialize(ls: AtelierServer, params: types.InitializeParams) -> None:
    # Over TCP the token was checked and removed before (lsp_server.tcp); over stdio it is unused.
    ls.apply_settings(without_token(params.initialization_options))


@SERVER.feature(types.INITIALIZED)
async def initialized(ls: AtelierServer, params: types.InitializedParams) -> None:
    await asyncio.gather(ls.load_model(), ls.index_workspace())


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: AtelierServer, params: types.DidChangeConfigurationParams) -> None:
    if ls.apply_settings(params.settings):
        await ls.load_model()


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: AtelierServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    try:
        doc = Document(item.uri, item.text, item.language_id, item.version, ls.encoding())
    except DocumentTooLarge as exc:
        ls.forget_document(item.uri)
        ls.show(f"{ls.display_path(item.uri)} is too large ({exc}): no completions in it", types.MessageType.Warning)
        return
    for uri in ls.documents.add(doc):
        ls.forget_document(uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: AtelierServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = ls.documents.get(params.text_document.uri)
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
    try:
        doc.apply_changes(changes, params.text_document.version)
    except DocumentTooLarge as exc:
        ls.forget_document(doc.uri)
        ls.show(f"{ls.display_path(doc.uri)} became too large ({exc}): no completions in it until it is reopened",
                types.MessageType.Warning)
        return
    except PositionError as exc:
        log.error("change to %s not applied, document left as it was: %s", doc.uri, exc)
        return
    ls.documents.touch(doc.uri)
    ls.feedback.changed(doc.uri, old, doc.text)  # a completion accepted, typed into, or passed over
    if changes and changes[-1][0] is not None:
        ls.workspace_context.edited(doc, ls.display_path(doc.uri), changes[-1][0][0])


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: AtelierServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.workspace_context.file_changed(to_fs_path(params.text_document.uri))


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: AtelierServer, params: types.DidChangeWatchedFilesParams) -> None:
    for event in params.changes:
        ls.workspace_context.file_changed(to_fs_path(event.uri))


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: AtelierServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget_document(params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
async def inline_completion(ls: AtelierServer, params: types.InlineCompletionParams) -> types.InlineCompletionList:
    uri = params.text_document.uri
    doc = ls.documents.get(uri)
    ls.feedback.enabled = ls.settings.feedback.enabled
    try:
        version, index = doc.version, doc.index_at(params.position.line, params.position.character, strict=False)
        ls.feedback.asked(uri, index)
    except (AttributeError, PositionError):  # not open, or a bad position: complete() answers that
        doc = None
    answer = await ls.complete(uri, params.position)
    if answer is None:
        return types.InlineCompletionList(items=[])
    result = answer[0]
    here = types.Range(start=params.position, end=params.position)
    accept = None
    if doc is not None and doc.version == version:  # else the client drops it unseen
        shown = ls.feedback.shown(uri, index, result.text, doc.language or "", ls.root_path() or "", ls.display_path(uri))
        # Clients run an inline item's command when the user accepts it (LSP 3.18).
        accept = types.Command(title="Atelier: accepted", command=ACCEPTED_COMMAND, arguments=[shown]) if shown else None
    return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=result.text, range=here, command=accept)])


ACCEPTED_COMMAND = "atelier.accepted"


@SERVER.command(ACCEPTED_COMMAND)
def completion_accepted(ls: AtelierServer, *args: object) -> None:
    if args and isinstance(args[0], str):
        ls.feedback.accepted(args[0])


@SERVER.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "("]))
async def completion(ls: AtelierServer, params: types.CompletionParams) -> types.CompletionList:
    answer = await ls.complete(params.text_document.uri, params.position)
    if answer is None:
        return types.CompletionList(is_incomplete=True, items=[])
    result, cursor = answer
    # Replace the word being typed, so that popup clients filtering on it keep the item.
    word = re.search(r"\w*$", cursor.line_prefix).group(0)
    start = types.Position(params.position.line, params.position.character - ls.width(word))
    new_text = word + result.text
    item = types.CompletionItem(
        label=new_text.strip().split("\n", 1)[0][:80],
        kind=types.CompletionItemKind.Snippet,
        detail="Atelier",
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```\n{new_text}\n```"),
        filter_text=new_text,
        text_edit=types.TextEdit(range=types.Range(start=start, end=params.position), new_text=new_text),
        insert_text_format=types.InsertTextFormat.PlainText,
        sort_text="0",
    )
    return types.CompletionList(is_incomplete=True, items=[item])


@SERVER.feature("atelier/stats")
def stats(ls: AtelierServer, params: object) -> dict:
    """Counters for benchmarks and troubleshooting (an addition to standard LSP)."""
    return {**msgspec.to_builtins(ls.scheduler.stats), "pending_handlers": ls.protocol.pending_handlers}


@SERVER.feature("atelier/document")
def document_state(ls: AtelierServer, params: object) -> dict | None:
    """What the server holds for {uri}: version, size and SHA-256 of the text, to tell
    whether editor and server agree (an addition to standard LSP, for troubleshooting)."""
    uri = getattr(params, "uri", None) if not isinstance(params, dict) else params.get("uri")
    doc = ls.documents.get(uri) if isinstance(uri, str) else None
    return None if doc is None else doc.state()


@SERVER.feature(types.SHUTDOWN)
def shutdown(ls: AtelierServer, params: None) -> None:
    ls.scheduler.cancel_all()
    ls.workspace_context.stop()
    ls.host.close()


# Chat and code actions register their handlers on SERVER.
import lsp_server.actions  # noqa: E402,F401
