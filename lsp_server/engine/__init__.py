"""Orchestration without LSP types (no pygls, no lsprotocol): completion requests and the
scheduler, code actions and chat, generate-to-pass and its sandbox, the feedback store, and
ModelCalls, the one way to run cancellable work on the model. Features call into it."""
