"""One module per LSP feature, each with `register(server, services)`. They are listed, in
one place, in `lsp_server.server.FEATURES`; none imports another."""
