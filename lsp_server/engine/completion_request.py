"""A completion request end to end, without LSP: the open document and the workspace give a
snapshot (context.assembly), the scheduler decides whether and when it reaches the model."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Callable

from atelier.context.assembly import Snapshot, prepare
from atelier.context.cursor import Cursor
from atelier.context.gate import uri_path
from atelier.lsp_server.engine.completion import Completion
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.settings import Settings

log = logging.getLogger(__name__)


def snapshot_at(services: Services, settings: Settings, uri: str, line: int, character: int,
                path_of: Callable[[str], str], root: str) -> Snapshot | None:
    """What a completion at a position of an open document works on; None when the document
    is not open or its file gives nothing to a model. Raises PositionError."""
    doc = services.documents.get(uri)
    if doc is None:
        return None
    path = path_of(uri)
    if services.workspace.gate.refusal(uri_path(uri), context=False):  # a .env or key file, or a link to one
        return None
    others = [(path_of(u), d) for u, d in services.documents.items() if u != uri]
    sources = services.workspace.sources(doc, path, others)
    sources.acceptance = services.feedback.acceptance(root)
    return prepare(doc, line, character, path, sources, settings.completion.context)


def warm_at(services: Services, settings: Settings, uri: str, line: int, character: int,
            path_of: Callable[[str], str], root: str, why: str) -> None:
    """Warm the model for the next completion at a position, in idle time (engine.warmup)."""
    snapshot = functools.partial(snapshot_at, services, settings, uri, line, character, path_of, root)
    services.warmup.schedule(uri, snapshot, settings.completion, why)


async def complete_at(services: Services, settings: Settings, uri: str, line: int, character: int,
                      path_of: Callable[[str], str], root: str) -> tuple[Completion, Cursor] | None:
    """The completion at a position of an open document, through the scheduler; None when
    there is none. `path_of` gives a document's path as the model sees it. Raises
    PositionError for a position outside the document."""
    scheduler = services.scheduler
    ticket = scheduler.ticket(uri)
    services.warmup.cancel_pending()
    if services.documents.get(uri) is None:
        log.warning("completion for %s, which is not open: answering empty", uri)
        return None
    snap = snapshot_at(services, settings, uri, line, character, path_of, root)
    if snap is None:
        return None
    services.feedback.prompted(uri, snap.index, [s.path for s in snap.snippets])
    if not settings.completion.enabled:
        return None
    backend = await services.model.backend()
    if backend is None:
        return None
    try:
        result = await scheduler.complete(uri, snap, backend, settings.completion, ticket)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a failure inside llama.cpp must not take the server down
        log.exception("generation failed")
        raise CompletionFailed(f"completion failed: {exc}") from exc
    if result is None:
        return None
    if result.cold:  # the full prompt is evaluated in the idle time before the next request
        warm_at(services, settings, uri, line, character, path_of, root, "cold")
    log.info(
        "%s %s:%d:%d %s %d+%d tokens (%d evaluated%s) in %.0f ms",
        result.mode, snap.path, line, character, result.finish_reason,
        result.prompt_tokens, result.completion_tokens, result.reevaluated_tokens,
        ", shorter prompt" if result.cold else "", result.seconds * 1000,
    )
    if not result.text:
        return None
    return result, snap.cursor


class CompletionFailed(Exception):
    """The model failed on a completion; the message is for the user."""
