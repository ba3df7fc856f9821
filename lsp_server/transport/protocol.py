"""pygls' protocol, answering requests whose params do not match the LSP types.

pygls 2.1 only logs "Invalid Params" for them and never replies, so the client would wait
forever. Here such a request gets JSON-RPC error -32602, and a malformed notification is
logged and dropped. Likewise a body that is not JSON gets -32700 and a message that is not a
JSON-RPC 2.0 object (or a request after shutdown) gets -32600.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol, lsp_method

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


class _Invalid:
    """Stands in for a message whose params do not match its method's types. The answer is
    sent only for the whole message: json's object_hook also sees nested objects, which must
    not trigger answers of their own."""

    jsonrpc = "invalid"

    def __init__(self, data: dict[str, Any], cause: BaseException) -> None:
        self.data, self.cause = data, cause


class AtelierProtocol(LanguageServerProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._notification_keys: set[str] = set()

    def structure_message(self, data: dict[str, Any]):
        if "jsonrpc" in data and "method" in data and "params" not in data:
            data = {**data, "params": None}  # JSON-RPC lets a request leave params out
        try:
            return super().structure_message(data)
        except (JsonRpcInvalidParams, JsonRpcInternalError) as exc:
            return _Invalid(data, exc.__cause__ or exc)

    def handle_message(self, message):
        if isinstance(message, _Invalid):
            method, cause = message.data.get("method", ""), message.cause
            if "id" in message.data and method:
                msg_id = message.data["id"]
                valid_id = isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)
                detail = str(cause).splitlines()[0][:300] if str(cause) else repr(cause)
                self.answer_error(msg_id, JsonRpcInvalidParams.CODE if valid_id else INVALID_REQUEST,
                                  f"invalid params for {method}: {detail}" if valid_id else "invalid request: bad id")
            else:
                log.warning("dropped malformed %s notification: %s", method or "unknown", cause)
            return
        # pygls drops these silently (or fails on them): a client would wait forever.
        if getattr(message, "jsonrpc", None) != self.VERSION:
            msg_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
            self.answer_error(msg_id, INVALID_REQUEST, "invalid request: not a JSON-RPC 2.0 message object")
            return
        msg_id = getattr(message, "id", None)
        if msg_id is not None and (not isinstance(msg_id, (int, float, str)) or isinstance(msg_id, bool)):
            self.answer_error(None, INVALID_REQUEST, "invalid request: an id is a number or a string")
            return
        if self._shutdown and getattr(message, "method", types.EXIT) != types.EXIT and getattr(message, "id", None) is not None:
            self.answer_error(message.id, INVALID_REQUEST, f"{message.method}: the server is shutting down")
            return
        super().handle_message(message)

    def _handle_notification(self, method_name, params):
        # pygls 2.1 files the future of a notification's generator handler (didOpen, didChange,
        # didClose) under a fresh uuid in _request_futures and never removes it: one Future with
        # its lock kept per keystroke for the server's life (~1 KB each, the soak's growth).
        # Swept here once done; not from done callbacks, which may run on a worker thread or
        # while pygls' shutdown walks the dict.
        before = set(self._request_futures)
        super()._handle_notification(method_name, params)
        self._notification_keys.update(set(self._request_futures) - before)
        for key in [k for k in self._notification_keys if k not in self._request_futures or self._request_futures[k].done()]:
            self._notification_keys.discard(key)
            self._request_futures.pop(key, None)

    @property
    def pending_handlers(self) -> int:
        """Handler futures pygls holds: requests in flight (troubleshooting, tests)."""
        return len(self._request_futures)

    # pygls mirrors every open document in its own workspace, which the server does not use:
    # a second copy of each text, and its position conversion changes the client's Range in
    # place (a column past a line's end becomes the line's last column but one), so the
    # server's handler would see another edit than the one sent. Only the server's handlers run.
    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def answer_unparsable(self, error: Exception) -> None:
        """A message that is not JSON (or not UTF-8): JSON-RPC's parse error, id null."""
        self.answer_error(None, PARSE_ERROR, f"parse error: {str(error).splitlines()[0][:200] if str(error) else type(error).__name__}")

    def answer_error(self, msg_id: Any, code: int, message: str) -> None:
        log.warning("%s (id %r)", message, msg_id)
        if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
            msg_id = None  # JSON-RPC: null when the id could not be read
        # A plain dict: lsprotocol's converter would leave out "id": null.
        self._send_data({"jsonrpc": self.VERSION, "id": msg_id, "error": {"code": code, "message": message}})
