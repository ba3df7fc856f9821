"""Chat and AI code actions over standard LSP (issue 6): registered on the server when
lsp_server.server is imported."""
