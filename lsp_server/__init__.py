"""The language server: the only package that speaks LSP (lsprotocol types live in server.py,
language_server.py, capabilities.py, convert.py, delivery.py, features/ and transport/).
engine/ orchestrates without LSP types; cli/ is the `atelier` command; bench/ the benchmarks."""

__version__ = "0.1.0"
