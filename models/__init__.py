"""Inference backends behind one narrow interface. Knows nothing of documents or LSP."""

from atelier.models.backend import Backend, CancelToken, ChatMessage, CompletionRequest, CompletionResult
from atelier.models.errors import ModelError

__all__ = [
    "Backend",
    "CancelToken",
    "ChatMessage",
    "CompletionRequest",
    "CompletionResult",
    "ModelError",
]
