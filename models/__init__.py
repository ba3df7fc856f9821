"""Inference backends behind one narrow interface (backend.Backend). Knows nothing of documents or LSP."""
