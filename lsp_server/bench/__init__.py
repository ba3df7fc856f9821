"""`atelier bench …`: every benchmark, and the LSP client they drive (editor_session.py). Only
the cli imports this package."""
