"""The language server: the only package that speaks LSP (lsprotocol types)."""

__version__ = "0.1.0"
