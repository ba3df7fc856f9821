"""`atelier/chat`: chat for clients with a chat panel (an addition to standard LSP; every
action is also reachable through code actions). The answer streams as `$/progress`
partial results when the client gives a partialResultToken; `$/cancelRequest` stops the
model between two tokens; histories stay in memory, bounded (context.prompts.Conversations).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams

from atelier.context.prompts import Span
from atelier.context.search import Found, mentions_workspace, without_mention
from atelier.context.document import Document
from atelier.context.languages import language_for
from atelier.context.gate import uri_path
from atelier.context.licenses import HEADER_BYTES
from atelier.context.secrets import redact
from atelier.lsp_server.convert import index_at, parse_range, plain
from atelier.lsp_server.engine import actions as assist
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer
from atelier.models.backend import CancelToken, ChatMessage

log = logging.getLogger(__name__)

# Attachments larger than this are not read from disk (the prompt could not hold them anyway).
MAX_ATTACHMENT_BYTES = 1_000_000


def _attachment(ls: AtelierServer, services: Services, item: Any) -> Span | None:
    if not isinstance(item, dict) or not isinstance(item.get("uri"), str):
        raise JsonRpcInvalidParams(f"an attachment is {{uri, range?}}, got {item!r}")
    uri = item["uri"]
    path = uri_path(uri)
    doc = services.documents.get(uri)
    if doc is not None:
        text, language = doc.text, doc.language
    else:
        if path is None or not path.is_file() or path.stat().st_size > MAX_ATTACHMENT_BYTES:
            log.warning("attachment %s is neither open nor a readable file: left out", uri)
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
        language = language_for(uri)
        doc = Document(uri, text, None, 0, ls.encoding())
    # The user chose it, but it is still judged as any context: secrets, licence, on its real path.
    if refusal := services.workspace.gate.refusal(path, text[:HEADER_BYTES]):
        ls.show(f"{refusal}: it was not attached", types.MessageType.Warning)
        return None
    title = f"Attached file {ls.display_path(uri)}"
    if item.get("range") is not None:
        rng = parse_range(item["range"])
        start, end = index_at(doc, rng.start), index_at(doc, rng.end)
        text = text[start:end]
        title += f", lines {rng.start.line + 1}-{rng.end.line + 1}"
    return Span(title, redact(text), language)


def _chat_params(params: Any) -> tuple[str, list[ChatMessage], list, str | int | None]:
    """(conversationId, messages, attachments, partialResultToken), or JsonRpcInvalidParams."""
    p = plain(params)
    if not isinstance(p, dict):
        raise JsonRpcInvalidParams("atelier/chat params must be an object")
    cid, raw, token = p.get("conversationId"), p.get("messages"), p.get("partialResultToken")
    if not isinstance(cid, str) or not cid:
        raise JsonRpcInvalidParams("conversationId must be a non-empty string")
    if not isinstance(raw, list) or not raw:
        raise JsonRpcInvalidParams("messages must be a non-empty list of {role, content}")
    messages = []
    for m in raw:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant", "system") or not isinstance(m.get("content"), str):
            raise JsonRpcInvalidParams(f"a message is {{role: user|assistant|system, content: string}}, got {m!r}")
        messages.append(ChatMessage(m["role"], m["content"]))
    if token is not None and (not isinstance(token, (str, int)) or isinstance(token, bool)):
        raise JsonRpcInvalidParams("partialResultToken must be a string or an integer")
    attachments = p.get("attachments") or []
    if not isinstance(attachments, list):
        raise JsonRpcInvalidParams("attachments must be a list of {uri, range?}")
    return cid, messages, attachments, token


async def chat(ls: AtelierServer, services: Services, params: Any) -> dict:
    """params {conversationId, messages: [{role, content}], attachments?: [{uri, range?}],
    partialResultToken?, workspaceSearch?}; answers {conversationId, content, references},
    streamed before that as $/progress {token, value: {delta}} when a partialResultToken is
    given. `references`: the workspace search results (definitions, documentation) shown to
    the model, asked for with `@workspace` or workspaceSearch (documentation only otherwise)."""
    cid, messages, attachments, token = _chat_params(params)
    conversations = services.conversations
    history = conversations.merge(cid, messages)
    if history[-1].role != "user":
        raise JsonRpcInvalidParams("the last message must be the user's")
    spans = [s for s in (_attachment(ls, services, a) for a in attachments) if s is not None]
    found = await asyncio.to_thread(services.workspace.chat_found, history[-1].content, _workspace_search(params, history))
    backend = await services.model.backend()
    if backend is None:
        raise JsonRpcInternalError(services.model.unavailable())
    cancel = CancelToken()
    on_text = None
    if token is not None:
        loop = asyncio.get_running_loop()

        def send(delta: str) -> None:
            if not cancel.cancelled:
                ls.protocol.notify(types.PROGRESS, types.ProgressParams(token=token, value={"delta": delta}))

        def on_text(delta: str) -> None:  # on the worker thread: hand over to the event loop
            loop.call_soon_threadsafe(send, delta)

    used: list[Span] = []  # the search results that fitted the prompt
    sent = [*history[:-1], ChatMessage("user", without_mention(history[-1].content) or history[-1].content)]
    work = functools.partial(assist.chat, sent, spans, backend, assist.CHAT_MAX_TOKENS,
                             found=[Span(f.title, f.text, f.language) for f in found], used=used, on_text=on_text)
    try:
        result = await services.model.run(lambda c: work(cancel=c), cancel)
    except asyncio.CancelledError:  # $/cancelRequest: model.run stopped the model
        services.model.stats.cancelled += 1
        raise
    except Exception as exc:
        log.exception("chat failed")
        raise JsonRpcInternalError(f"chat failed: {exc}") from exc
    conversations.record(cid, [*history, ChatMessage("assistant", result.text)])
    log.info("chat %s: %d messages, %d tokens answered (%s)", cid, len(history), result.completion_tokens, result.finish_reason)
    return {"conversationId": cid, "content": result.text, "references": _references(services, found, used)}


def _workspace_search(params: Any, history: list[ChatMessage]) -> bool:
    """Search asked for: `"workspaceSearch": true` in the params, or `@workspace` in the message."""
    flag = plain(params).get("workspaceSearch", False)
    if not isinstance(flag, bool):
        raise JsonRpcInvalidParams("workspaceSearch must be true or false")
    return flag or mentions_workspace(history[-1].content)


def _references(services: Services, found: list[Found], used: list[Span]) -> list[dict]:
    """The workspace search results the model was shown, for the client to list and link."""
    index = services.workspace.index
    titles = {s.title for s in used}
    return [{"uri": (index.root / f.path).as_uri() if index else f.path, "kind": f.kind, "title": f.title,
             "range": {"start": {"line": f.line, "character": 0}, "end": {"line": f.line, "character": 0}}}
            for f in found if f.title in titles]


def register(server: AtelierServer, services: Services) -> None:
    @server.feature("atelier/chat")
    async def chat_request(ls: AtelierServer, params: Any) -> dict:
        return await chat(ls, services, params)
