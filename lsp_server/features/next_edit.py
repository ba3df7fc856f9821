"""Next-edit suggestions over LSP (engine.next_edit does the predicting).

- `textDocument/copilotInlineEdit`, the request GitHub Copilot's language server answers:
  params `{textDocument: {uri, version}, position}`, result `{edits: [{text, textDocument:
  {uri, version}, range, command}]}` best first, `[]` when none; the command
  (`atelier.nextEditAccepted`) records acceptance. `textDocument/didShowInlineEdit` counts it
  shown.
- For every other client: after each change (debounced), an Information diagnostic marks
  where the next edit is, and a code action "Atelier: apply next edit: …" carries the whole
  `WorkspaceEdit`; both are gone at the next change. The inline completion at the cursor's
  line carries the edit there (features.inline_completion asks engine.next_edit.at_line).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from atelier.context.gate import uri_path
from atelier.lsp_server.convert import plain, position
from atelier.lsp_server.engine.completion import completion_limits
from atelier.lsp_server.engine.next_edit import Offer, engine_of, took
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer

log = logging.getLogger(__name__)

INLINE_EDIT = "textDocument/copilotInlineEdit"
DID_SHOW = "textDocument/didShowInlineEdit"
ACCEPTED_COMMAND = "atelier.nextEditAccepted"
ACTION_KIND = types.CodeActionKind.QuickFix
DIAGNOSTIC_CODE = "next-edit"
MAX_MARKS = 20


def _range(ls: AtelierServer, text: str, start: int, end: int) -> types.Range:
    return types.Range(position(ls, text, start), position(ls, text, end))


def register(server: AtelierServer, services: Services) -> None:
    engine = engine_of(services)
    feedback = services.feedback
    pending: dict[str, asyncio.TimerHandle] = {}
    marked: set[str] = set()  # uris with next-edit diagnostics on screen
    shown: dict[str, str] = {}  # uri -> feedback id of the offer on screen, decided at the next change
    refused: dict[str, bool] = {}  # uri -> whether the gate keeps it out (a secret file), judged once

    def secret(uri: str) -> bool:
        """The gate's word on a document (its path only: the same at every keystroke)."""
        if uri not in refused:
            if len(refused) > 512:
                refused.clear()
            refused[uri] = services.workspace.gate.refusal(uri_path(uri), context=False) is not None
        return refused[uri]

    def settings():
        return server.settings.next_edit

    def clear(uri: str, version: int | None = None) -> None:
        if uri in marked:
            marked.discard(uri)
            server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version))

    def record_shown(offer: Offer, language: str) -> str:
        if not offer.id:
            offer.id = feedback.next_edit_shown(offer.proposal.kind, language or "", len(offer.edits)) or ""
            if offer.id:
                shown[offer.uri] = offer.id
        return offer.id

    def mark(uri: str) -> None:
        pending.pop(uri, None)
        doc = services.documents.get(uri)
        s = settings()
        if doc is None or not s.enabled or "propagation" not in s.predictors:
            return
        if secret(uri):
            return
        others = [d for u, d in services.documents.items() if u != uri]
        try:
            offer = engine.propagate(doc, others)
        except Exception:  # a suggestion is an extra: never break editing for it
            log.exception("next-edit propagation failed")
            return
        if offer is None:
            return
        diagnostics = [
            types.Diagnostic(
                range=_range(server, doc.text, e.start, e.end),
                message=f"Atelier: next edit: {offer.proposal.title}" + (f": `{e.new_text}`" if e.new_text and "\n" not in e.new_text else ""),
                severity=types.DiagnosticSeverity.Information,
                source="atelier",
                code=DIAGNOSTIC_CODE,
            )
            for e in offer.edits[:MAX_MARKS]
        ]
        marked.add(uri)
        record_shown(offer, doc.language or "")
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version))

    def changed(doc, old: str, offer: Offer | None) -> None:
        previous = shown.pop(doc.uri, None)
        if previous:
            # Applied (the code action's edit, an inline edit) or passed over; the accept
            # command of an inline edit, when it follows, wins.
            accepted = offer is not None and offer.id == previous and took(offer, old, doc.text)
            feedback.next_edit_decided(previous, "accepted" if accepted else "rejected")
        clear(doc.uri)
        handle = pending.pop(doc.uri, None)
        if handle is not None:
            handle.cancel()
        s = settings()
        if not s.enabled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        pending[doc.uri] = loop.call_later(s.debounce_ms / 1000, mark, doc.uri)

    engine.listeners.append(changed)

    def workspace_edit(offer: Offer, doc) -> types.WorkspaceEdit:
        changes: dict[str, list[types.TextEdit]] = {doc.uri: [
            types.TextEdit(range=_range(server, doc.text, e.start, e.end), new_text=e.new_text) for e in offer.edits]}
        for uri, e in offer.proposal.elsewhere:
            other = services.documents.get(uri)
            if other is not None:
                changes.setdefault(uri, []).append(types.TextEdit(range=_range(server, other.text, e.start, e.end), new_text=e.new_text))
        return types.WorkspaceEdit(changes=changes)

    def actions(params: types.CodeActionParams) -> list[types.CodeAction]:
        s = settings()
        doc = services.documents.get(params.text_document.uri)
        if doc is None or not s.enabled:
            return []
        if params.context.only and not any(str(getattr(k, "value", k)).split(".")[0] == "quickfix" for k in params.context.only):
            return []
        if secret(doc.uri):
            return []
        offer = engine.current(doc)
        if offer is None and "propagation" in s.predictors:
            offer = engine.propagate(doc, [d for u, d in services.documents.items() if u != doc.uri])
        if offer is None:
            return []
        record_shown(offer, doc.language or "")
        diags = [d for d in params.context.diagnostics if d.code == DIAGNOSTIC_CODE] or None
        return [types.CodeAction(
            title=f"Atelier: apply next edit: {offer.proposal.title}",
            kind=ACTION_KIND,
            diagnostics=diags,
            is_preferred=True,
            edit=workspace_edit(offer, doc),  # acceptance is seen in the change it makes
        )]

    # The code-action request belongs to features.code_actions: next edits join its answer.
    services.code_action_providers.append(lambda ls, params: actions(params))

    @server.feature(INLINE_EDIT)
    async def inline_edit(ls: AtelierServer, params: Any) -> dict:
        p = plain(params)
        try:
            uri = p["textDocument"]["uri"]
            line, character = int(p["position"]["line"]), int(p["position"]["character"])
        except (TypeError, KeyError, ValueError) as exc:
            raise JsonRpcInvalidParams(f"{INLINE_EDIT} takes {{textDocument: {{uri, version}}, position}}: {exc}") from exc
        s = settings()
        doc = services.documents.get(uri)
        if doc is None or not s.enabled:
            return {"edits": []}
        if secret(uri):
            return {"edits": []}
        try:
            cursor = doc.index_at(line, character, strict=False)
        except Exception as exc:
            raise JsonRpcInvalidParams(f"position {line}:{character}: {exc}") from exc
        version = doc.version
        offer = await engine.predict(services, doc, cursor, s.predictors, ls.display_path, ls.root_path() or "",
                                     completion_limits(ls.settings.completion, getattr(services.model.host.backend, "speed", None)).timeout_ms / 1000)
        if offer is None or doc.version != version:
            return {"edits": []}
        id = record_shown(offer, doc.language or "")
        command = {"title": "Atelier: next edit accepted", "command": ACCEPTED_COMMAND, "arguments": [id]} if id else None
        edits = []
        for e in offer.edits:
            r = _range(ls, doc.text, e.start, e.end)
            item = {"text": e.new_text, "textDocument": {"uri": uri, "version": doc.version},
                    "range": {"start": {"line": r.start.line, "character": r.start.character},
                              "end": {"line": r.end.line, "character": r.end.character}}}
            if command:
                item["command"] = command
            edits.append(item)
        return {"edits": edits}

    @server.feature(DID_SHOW)
    def did_show(ls: AtelierServer, params: Any) -> None:
        # Copilot's clients send {item: {command: {arguments: [...]}}} (or the edit itself).
        p = plain(params) or {}
        item = p.get("item", p) if isinstance(p, dict) else {}
        args = ((item or {}).get("command") or {}).get("arguments") or []
        if args and isinstance(args[0], str):
            log.info("next edit %s shown", args[0])

    @server.command(ACCEPTED_COMMAND)
    def accepted(ls: AtelierServer, *args: object) -> None:
        if args and isinstance(args[0], str) and args[0]:
            feedback.next_edit_decided(args[0], "accepted")
