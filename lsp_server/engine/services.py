"""What the features work with, built once per server and handed to each feature's
`register`: the open documents, the model (and the calls made on it), the completion
scheduler, the workspace context, the feedback store and chat histories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from atelier.context.documents import OpenDocuments
from atelier.context.prompts import Conversations
from atelier.context.workspace import WorkspaceContext
from atelier.lsp_server.engine.feedback import Feedback
from atelier.lsp_server.engine.model_calls import ModelCalls
from atelier.lsp_server.engine.scheduler import CompletionScheduler
from atelier.lsp_server.engine.warmup import Warmup
from atelier.models.host import ModelHost


@dataclass
class Services:
    model: ModelCalls
    scheduler: CompletionScheduler
    documents: OpenDocuments = field(default_factory=OpenDocuments)
    workspace: WorkspaceContext = field(default_factory=WorkspaceContext)
    feedback: Feedback = field(default_factory=Feedback)  # shown / accepted / rejected, in the data folder
    conversations: Conversations = field(default_factory=Conversations)
    warmup: Warmup | None = None  # evaluates the next completion's prompt in idle time
    # Other features' entries in the code-action menu: each is called with (server, params) on
    # every textDocument/codeAction and returns actions to list first (features.code_actions
    # owns the request; features add to it here instead of importing it).
    code_action_providers: list[Callable[..., list]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.warmup is None:
            self.warmup = Warmup(self.model)

    @classmethod
    def create(cls, host: ModelHost | None = None) -> Services:
        calls = ModelCalls(host or ModelHost())
        return cls(calls, CompletionScheduler(calls))

    def forget_document(self, uri: str) -> None:
        self.documents.pop(uri, None)
        self.scheduler.forget(uri)
        self.workspace.forget(uri)
