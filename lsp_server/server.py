"""The Atelier language server: the server object and the one list of its features.

Each feature is a module of `features/` with `register(server, services)`; this list is the
only place that names them. Handlers are thin: they convert lsprotocol types to plain
values, call the engine, and convert back. Nothing a client sends may stop the server: bad
input is logged and gets an LSP error or an empty answer.
"""

from __future__ import annotations

from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.features import (
    chat,
    code_actions,
    completion,
    documents,
    generate_to_pass,
    inline_completion,
    introspection,
    lifecycle,
    next_edit,
)
from atelier.lsp_server.language_server import AtelierServer
from atelier.models.host import ModelHost

FEATURES = (
    lifecycle,  # initialize, initialized (model load, workspace index), configuration, shutdown
    documents,  # didOpen / didChange / didSave / didClose, watched files
    inline_completion,  # textDocument/inlineCompletion, and the acceptance command
    completion,  # textDocument/completion
    code_actions,  # textDocument/codeAction, codeAction/resolve, the action commands
    generate_to_pass,  # atelier.generateToPassTests
    chat,  # atelier/chat
    introspection,  # atelier/stats, atelier/document
    next_edit,  # textDocument/copilotInlineEdit, the next-edit code action and marks
)


def create_server(host: ModelHost | None = None) -> AtelierServer:
    """A server with every feature registered. `host`: the model host (a new one by default)."""
    server = AtelierServer()
    services = Services.create(host)
    for feature in FEATURES:
        feature.register(server, services)
    return server
