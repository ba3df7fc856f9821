"""What a completion's prompt is made of: the document, the cursor, and code from elsewhere.

`prepare` runs where the document lives (the server's event loop) and snapshots what
generation needs (`lsp_server.engine.completion.generate`, on the model's worker thread).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from atelier.context.cursor import Cursor, analyse
from atelier.context.document import Document
from atelier.context.imports import Import
from atelier.context.members import members, receiver
from atelier.context.index import WorkspaceIndex
from atelier.context.retrieval import (
    HeldSnippets, Snippet, identifiers, related_definitions, similar_chunks, stable_order,
)
from atelier.context.scope import enclosing
from atelier.context.tags import Tag

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
