"""What the client can do, resolved once at `initialize` into flags (as ruff's server does):
features test a flag, never walk the nested ClientCapabilities."""

from __future__ import annotations

import msgspec
from lsprotocol import types


class ClientFlags(msgspec.Struct, frozen=True):
    show_document: bool = False  # window/showDocument: answers open as Markdown files
    work_done_progress: bool = False  # window/workDoneProgress/create
    apply_edit: bool = False  # workspace/applyEdit
    document_changes: bool = False  # versioned TextDocumentEdits in a WorkspaceEdit
    create_files: bool = False  # CreateFile resource operations (a new test file)
    code_action_literals: bool = False  # CodeAction objects, not bare Commands
    resolves_edits: bool = False  # codeAction/resolve fills in `edit` (with `data` kept)

    @classmethod
    def of(cls, caps: types.ClientCapabilities | None) -> ClientFlags:
        if caps is None:
            return cls()
        window, workspace, text = caps.window, caps.workspace, caps.text_document
        edit = workspace.workspace_edit if workspace else None
        action = text.code_action if text else None
        resolve = action.resolve_support if action else None
        return cls(
            show_document=bool(window and window.show_document and window.show_document.support),
            work_done_progress=bool(window and window.work_done_progress),
            apply_edit=bool(workspace and workspace.apply_edit),
            document_changes=bool(edit and edit.document_changes),
            create_files=bool(edit and edit.document_changes
                              and types.ResourceOperationKind.Create in (edit.resource_operations or ())),
            code_action_literals=bool(action and action.code_action_literal_support),
            resolves_edits=bool(resolve and "edit" in resolve.properties and action.data_support),
        )
