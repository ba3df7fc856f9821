"""textDocument/inlineCompletion (LSP 3.18 ghost text), and the command its items carry so
that an accepted completion is recorded (`atelier.accepted`)."""

from __future__ import annotations

from lsprotocol import types

from atelier.context.document import PositionError
from atelier.lsp_server.completion_call import ask_completion
from atelier.lsp_server.engine.next_edit import at_line as next_edit_at_line
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer

ACCEPTED_COMMAND = "atelier.accepted"


def register(server: AtelierServer, services: Services) -> None:
    feedback = services.feedback

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(ls: AtelierServer, params: types.InlineCompletionParams) -> types.InlineCompletionList:
        uri, pos = params.text_document.uri, params.position
        doc = services.documents.get(uri)
        try:
            version, index = doc.version, doc.index_at(pos.line, pos.character, strict=False)
            feedback.asked(uri, index)
        except (AttributeError, PositionError):  # not open, or a bad position: complete_at answers that
            doc = None
        if doc is not None and ls.settings.next_edit.enabled and (edit := next_edit_at_line(services, uri, pos.line, pos.character)):
            # A next edit on the cursor's line (features.next_edit): the item replaces a range.
            start, end, text = edit
            line = doc.lines[pos.line]
            span = types.Range(types.Position(pos.line, ls.width(line[:start])), types.Position(pos.line, ls.width(line[:end])))
            return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=text, range=span)])
        answer = await ask_completion(ls, services, uri, pos)
        if answer is None:
            return types.InlineCompletionList(items=[])
        result = answer[0]
        here = types.Range(start=pos, end=pos)
        accept = None
        if doc is not None and doc.version == version:  # else the client drops it unseen
            shown = feedback.shown(uri, index, result.text, doc.language or "", ls.root_path() or "", ls.display_path(uri))
            # Clients run an inline item's command when the user accepts it (LSP 3.18).
            accept = types.Command(title="Atelier: accepted", command=ACCEPTED_COMMAND, arguments=[shown]) if shown else None
        return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=result.text, range=here, command=accept)])

    @server.command(ACCEPTED_COMMAND)
    def completion_accepted(ls: AtelierServer, *args: object) -> None:
        if args and isinstance(args[0], str):
            feedback.accepted(args[0])
