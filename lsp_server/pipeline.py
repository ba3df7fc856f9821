"""The completion pipeline without LSP: document → cursor → prompt → backend → post-processing.

`prepare` runs where the document lives (the event loop) and snapshots what generation
needs; `generate` runs on the model's worker thread. The CLI, the server and the benchmark
all go through these two functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import msgspec

from context.cursor import Cursor, analyse
from context.document import Document
from context.imports import Import
from context.members import member_starts, members, receiver
from context.index import WorkspaceIndex
from context.postprocess import block_finished, postprocess
from context.prompt import Prompt, build_prompt
from context.retrieval import (
    HeldSnippets, Snippet, fit, identifiers, related_definitions, similar_chunks, stable_order,
)
from context.scope import enclosing
from context.syntax import keep_parseable
from context.tags import Tag
from lsp_server.settings import CompletionSettings
from models.backend import Backend, CancelToken, CompletionRequest, CompletionResult

# A rest-of-line completion rarely needs more; a smaller cap answers sooner.
LINE_MAX_TOKENS = 48
# Share of the context budget for code from elsewhere (definitions, similar chunks).
CONTEXT_SHARE = 0.5
# The lines before the cursor whose names are looked up.
QUERY_LINES = 20
# Lines around the cursor the windows probably show: their definitions need no snippet.
VISIBLE_BEFORE, VISIBLE_AFTER = 50, 20


@dataclass
class Sources:
    """What the current file's tree and the workspace offer, gathered by the server."""

    own_tags: list[Tag]
    imports: list[Import]
    index: WorkspaceIndex | None
    others: list[tuple[str, str]]  # (path, text) of recently edited chunks and open files
    held: HeldSnippets | None = None  # keeps the context block steady between keystrokes
    acceptance: dict[str, tuple[int, int]] | None = None  # (shown, accepted) completions per snippet file
    import_block: tuple[int, str] = (-1, "")  # this file's import statements and the line of the first


class Snapshot(msgspec.Struct, frozen=True):
    text: str
    index: int
    cursor: Cursor
    path: str
    language: str | None
    snippets: tuple[Snippet, ...] = ()
    # After `receiver.`: the names defined for the receiver (empty: not known).
    names: tuple[str, ...] = ()


class Completion(msgspec.Struct):
    text: str
    mode: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"
    seconds: float = 0.0
    reevaluated_tokens: int = 0


def prepare(doc: Document, line: int, character: int, path: str = "", sources: Sources | None = None,
            mode: str = "none") -> Snapshot:
    """Raises context.document.PositionError for a position outside the document. `mode` is
    the completion.context setting: "none", "file" (this file's definitions) or "full"."""
    index = doc.index_at(line, character, strict=True)
    byte = doc.point_at(index)[0]
    cursor = analyse(doc.text, index, doc.tree, byte)
    snippets: tuple[Snippet, ...] = ()
    names: tuple[str, ...] = ()
    if sources is not None and mode in ("file", "full"):
        held = sources.held.holding(doc.uri, line, mode) if sources.held is not None else None
        if held is not None and receiver(cursor.line_prefix) is None:
            snippets = held  # kept anyway: no need to gather fresh ones at this keystroke
        else:
            found, names = _gather(doc, line, byte, cursor, path, sources, mode == "full")
            snippets = tuple(stable_order(found))
            if sources.held is not None:
                snippets = sources.held.choose(doc.uri, line, snippets, mode)
    return Snapshot(doc.text, index, cursor, path, doc.language, snippets, names)


def _gather(doc: Document, line: int, byte: int, cursor: Cursor, path: str, sources: Sources,
            full: bool) -> tuple[list[Snippet], tuple[str, ...]]:
    """Code from elsewhere for this cursor: `full` adds the imports, the index, members after
    a dot and similar code to what this file's own tree gives. With it, the names the receiver
    before the cursor's dot holds, when known."""
    query = "\n".join(doc.lines[max(0, line - QUERY_LINES):line]) + "\n" + cursor.line_prefix
    visible = range(line - VISIBLE_BEFORE, line + VISIBLE_AFTER)
    found = related_definitions(
        query,
        path,
        sources.own_tags,
        visible,
        sources.imports if full else [],
        sources.index if full else None,
    )
    # The file's own imports, once the window has scrolled past them: they name what is called.
    first, block = sources.import_block
    if block and first < line - VISIBLE_BEFORE:
        found.append(Snippet(path, block, "imports", first))
    scopes = enclosing(doc.tree, byte, doc.language, doc.text.encode())
    # The signatures of the enclosing class and function, when the window starts below them.
    found += [Snippet(path, scope.text, "definition", scope.line) for scope in scopes if scope.line < line - VISIBLE_BEFORE]
    names: tuple[str, ...] = ()
    if full:
        nearby = "\n".join(doc.lines[max(0, line - VISIBLE_BEFORE):line]) + "\n" + cursor.line_prefix
        outlines, names = members(cursor.line_prefix, nearby, scopes, path, sources.own_tags, sources.imports,
                                  sources.index)
        found += outlines
        others = sources.others
        if sources.index is not None:  # code like this elsewhere in the workspace
            words = set(identifiers(query))
            others = others + [(rel, sources.index.text_of(rel)) for rel in sources.index.files_like(words, path, doc.language)]
        found += similar_chunks(query, others, path, acceptance=sources.acceptance, own=(doc.lines, visible))
    # A class whose members are listed needs no definition snippet as well.
    outlined = {(s.path, s.line) for s in found if s.kind == "members"}
    return [s for s in found if s.kind != "definition" or (s.path, s.line) not in outlined], names


def make_prompt(snap: Snapshot, backend: Backend, settings: CompletionSettings) -> Prompt:
    max_tokens = settings.max_tokens if snap.cursor.mode == "block" else min(settings.max_tokens, LINE_MAX_TOKENS)
    # Leave room in the context window for the answer and the FIM markers.
    context_tokens = max(32, min(settings.context_tokens, backend.n_ctx - max_tokens - 16))
    context = ""
    if snap.snippets:
        file_sep = backend.fim.file_sep if backend.fim is not None else None
        context = fit(list(snap.snippets), int(context_tokens * CONTEXT_SHARE), backend.count_tokens, snap.language, file_sep)
    return build_prompt(
        snap.text,
        snap.index,
        snap.cursor,
        count_tokens=backend.count_tokens,
        context_tokens=context_tokens,
        max_tokens=max_tokens,
        fim=backend.fim,
        path=snap.path,
        language=snap.language,
        suffix_share=settings.suffix_share,
        heal=backend.heals,
        context=context,
    )


def generate(
    snap: Snapshot,
    backend: Backend,
    settings: CompletionSettings,
    cancel: CancelToken | None = None,
) -> Completion:
    start = time.perf_counter()
    if cancel is not None and cancel.cancelled:  # superseded while queued
        return Completion("", snap.cursor.mode, finish_reason="cancelled")
    prompt = make_prompt(snap, backend, settings)
    request = CompletionRequest(
        prompt.text,
        prompt.stop,
        prompt.max_tokens,
        heal=prompt.heal,
        timeout_s=settings.timeout_ms / 1000,
        decode_timeout_s=settings.max_decode_ms / 1000,
    )
    until = None
    if snap.cursor.mode == "block":
        suffix = snap.text[snap.index:]

        def until(raw: str) -> bool:  # stop decoding once the block has visibly ended
            return block_finished(prompt.strip_heal(raw), snap.cursor, suffix, settings.max_lines)

    result = backend.complete(request, cancel, until)
    text = _finish(result, prompt, snap, settings)
    # After `receiver.`, a name the receiver does not hold is an invented one: the model
    # chooses again among those it holds (its prompt is cached: only the answer is new),
    # unless it was cut short by the user or the time limit.
    starts = member_starts(snap.cursor.line_prefix, text, snap.names, snap.text) if backend.heals else ()
    if starts and result.finish_reason in ("stop", "length"):
        result = backend.complete(msgspec.structs.replace(request, names=starts), cancel, until)
        text = _finish(result, prompt, snap, settings)
    return Completion(
        text,
        snap.cursor.mode,
        result.prompt_tokens,
        result.completion_tokens,
        result.finish_reason,
        time.perf_counter() - start,
        result.reevaluated_tokens,
    )


def _finish(result: CompletionResult, prompt: Prompt, snap: Snapshot, settings: CompletionSettings) -> str:
    """The model's answer cut to what the cursor wants and the code around it can take."""
    if result.finish_reason == "cancelled":
        return ""
    text = postprocess(prompt.strip_heal(result.text), snap.cursor, snap.text[snap.index:], settings.max_lines)
    return keep_parseable(snap.language, snap.text, snap.index, text)
