"""An action's outcome to the user, through the client: edits by `workspace/applyEdit` (or a
resolved action's `edit`), answers as Markdown files opened with `window/showDocument`, or
`window/showMessage` where the client can do neither."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from lsprotocol import types

from atelier.context.secrets import redact
from atelier.lsp_server.convert import position
from atelier.lsp_server.engine.actions import Outcome
from atelier.lsp_server.language_server import AtelierServer
from atelier.lsp_server.logs import data_dir

log = logging.getLogger(__name__)


def workspace_edit(ls: AtelierServer, outcome: Outcome, uri: str, version: int, text: str) -> types.WorkspaceEdit | None:
    if outcome.new_file:
        if not ls.flags.create_files:
            return None
        new_uri = Path(outcome.new_file).as_uri()
        here = types.Range(types.Position(0, 0), types.Position(0, 0))
        return types.WorkspaceEdit(document_changes=[
            types.CreateFile(new_uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)),
            types.TextDocumentEdit(types.OptionalVersionedTextDocumentIdentifier(new_uri, None),
                                   [types.TextEdit(here, outcome.new_text)]),
        ])
    if outcome.edit is None:
        return None
    edit = outcome.edit
    change = types.TextEdit(types.Range(position(ls, text, edit.start), position(ls, text, edit.end)), edit.new_text)
    if ls.flags.document_changes:  # versioned: the client refuses it if the file changed since
        return types.WorkspaceEdit(document_changes=[
            types.TextDocumentEdit(types.OptionalVersionedTextDocumentIdentifier(uri, version), [change])])
    return types.WorkspaceEdit(changes={uri: [change]})


def _write_private(name: str, content: str) -> Path:
    """Write an answer into the data folder, user-only, credential-looking strings redacted
    (the answer quotes the code it explains)."""
    folder = data_dir() / "answers"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / (re.sub(r"[^\w.-]+", "-", name).strip("-")[:80] + ".md")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(redact(content))
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    return path


async def show_markdown(ls: AtelierServer, name: str, markdown: str) -> str | None:
    """Show an answer: a Markdown file opened in the editor, else a message. Returns the
    file's URI when it was shown as a document."""
    if ls.flags.show_document:
        path = _write_private(name, markdown)
        try:
            shown = await ls.window_show_document_async(types.ShowDocumentParams(path.as_uri(), take_focus=True))
            if shown and shown.success:
                return path.as_uri()
        except Exception as exc:  # the client refused: fall back to a message
            log.info("showDocument failed: %s", exc)
    text = markdown if len(markdown) <= 4000 else markdown[:4000] + "\n…"
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=text))
    return None


async def deliver(ls: AtelierServer, outcome: Outcome, uri: str, version: int, text: str) -> dict:
    """Apply an action's result through the client; the command's answer says what happened."""
    if outcome.error:
        if outcome.error != "cancelled":
            ls.show(outcome.error, types.MessageType.Warning)
        return {"applied": False, "error": outcome.error}
    if outcome.notice:  # e.g. the model wrote nothing usable: the user is told what they got
        ls.show(outcome.notice, types.MessageType.Warning)
    if outcome.markdown:
        shown = await show_markdown(ls, f"{Path(uri).stem}-{outcome.title}", outcome.markdown)
        return {"applied": True, "uri": shown, "content": outcome.markdown}
    edit = workspace_edit(ls, outcome, uri, version, text)
    if edit is None or not ls.flags.apply_edit:
        # No way to write it: show it, so the work is not lost.
        body = outcome.new_text or (outcome.edit.new_text if outcome.edit else "")
        await show_markdown(ls, f"{Path(uri).stem}-{outcome.title}", f"# {outcome.title}\n\n```\n{body}\n```\n")
        return {"applied": False, "error": "the client cannot apply this edit; it was shown instead"}
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit, label=f"Atelier: {outcome.title}"))
    if not result.applied:
        ls.show(f"{outcome.title}: the editor did not apply the edit ({result.failure_reason or 'no reason given'})",
                types.MessageType.Warning)
    return {"applied": bool(result.applied)}
