"""`atelier/stats` and `atelier/document`: counters and the server's view of a document, for
benchmarks and troubleshooting (additions to standard LSP)."""

from __future__ import annotations

import msgspec

from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer


def register(server: AtelierServer, services: Services) -> None:
    @server.feature("atelier/stats")
    def stats(ls: AtelierServer, params: object) -> dict:
        return {**msgspec.to_builtins(services.model.stats), "pending_handlers": ls.protocol.pending_handlers}

    @server.feature("atelier/document")
    def document_state(ls: AtelierServer, params: object) -> dict | None:
        """What the server holds for {uri}: version, size and SHA-256 of the text, to tell
        whether editor and server agree."""
        uri = getattr(params, "uri", None) if not isinstance(params, dict) else params.get("uri")
        doc = services.documents.get(uri) if isinstance(uri, str) else None
        return None if doc is None else doc.state()
