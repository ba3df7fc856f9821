"""pygls' protocol, answering requests whose params do not match the LSP types.

pygls 2.1 only logs "Invalid Params" for them and never replies, so the client would wait
forever. Here such a request gets JSON-RPC error -32602, and a malformed notification is
logged and dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger(__name__)


class _Answered:
    """Stands in for a message that was already dealt with while decoding it."""

    jsonrpc = "answered"


class AtelierProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except (JsonRpcInvalidParams, JsonRpcInternalError) as exc:
            method = data.get("method", "")
            cause = exc.__cause__ or exc
            if "id" in data and method:
                self._send_response(
                    data["id"],
                    error=types.ResponseError(
                        code=JsonRpcInvalidParams.CODE,
                        message=f"invalid params for {method}: {str(cause).splitlines()[0][:300]}",
                    ),
                )
            else:
                log.warning("dropped malformed %s notification: %s", method or "unknown", cause)
            return _Answered()

    def handle_message(self, message):
        if isinstance(message, _Answered):
            return
        super().handle_message(message)
