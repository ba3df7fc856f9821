"""A completion asked from LSP: engine.completion_request.complete_at with its errors turned
into LSP ones (a bad position: -32602; a model failure: a message to the user, no answer).
Shared by the inline and popup completion features."""

from __future__ import annotations

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from atelier.context.cursor import Cursor
from atelier.context.document import PositionError
from atelier.lsp_server.engine.completion import Completion
from atelier.lsp_server.engine.completion_request import CompletionFailed, complete_at
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer


async def ask_completion(ls: AtelierServer, services: Services, uri: str,
                         pos: types.Position) -> tuple[Completion, Cursor] | None:
    try:
        return await complete_at(services, ls.settings, uri, pos.line, pos.character, ls.display_path, ls.root_path() or "")
    except PositionError as exc:
        raise JsonRpcInvalidParams(f"position {pos.line}:{pos.character}: {exc}") from exc
    except CompletionFailed as exc:
        ls.show(str(exc))
        return None
