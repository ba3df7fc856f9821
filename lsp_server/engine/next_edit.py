"""Next-edit suggestions without LSP types: the edit history fed by the document changes, the
two predictors (propagation first, the model when it is silent), the filters, and what is on
offer per document until its next change.

`document_changed` / `document_closed` are the hooks features.documents calls;
`at_line` is what features.inline_completion asks for the cursor's line; everything else
is used by features.next_edit.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from atelier.context.assembly import prepare
from atelier.context.document import Document
from atelier.context.edit_history import EditHistory, unified_diff
from atelier.context.edits import Edit
from atelier.context.gate import uri_path
from atelier.context.next_edit import LastEdit, Proposal, acceptable, apply_edits, line_pieces, propagate, rank, rename_elsewhere
from atelier.context.next_edit_prompt import build, format_for, region_around, region_edit, rewritten
from atelier.models.backend import CompletionRequest

log = logging.getLogger(__name__)

# Hunks of this document and of others shown to the model.
PROMPT_HUNKS, PROMPT_OTHER_HUNKS, PROMPT_SNIPPETS = 3, 2, 3


@dataclass
class Offer:
    """The next edit on offer in one document, for the version it was computed on."""

    uri: str
    version: int
    proposal: Proposal
    edits: list[Edit]  # ranked, filtered, merged by line
    id: str = ""  # the feedback id once shown
    at: float = field(default_factory=time.monotonic)


class NextEdits:
    def __init__(self) -> None:
        self.history = EditHistory()
        self.offers: dict[str, Offer] = {}
        # Called after each change with the document, its text before, and the offer it had.
        self.listeners: list[Callable[[Document, str, Offer | None], None]] = []
        self.stats = {"propagation_ms": [], "model_ms": []}
        # The version of each document propagation found nothing for: not looked at again.
        self._silent: dict[str, int] = {}

    # -- hooks ------------------------------------------------------------------------------

    def changed(self, doc: Document, old: str, span: tuple[int, int, int] | None) -> None:
        self.history.changed(doc.uri, old, doc.text, span)
        offer = self.offers.pop(doc.uri, None)
        rest = _rest(offer, old, doc.text) if offer is not None else None
        if rest:  # one edit of the offer taken (an inline edit accepted): the others stay on offer
            self.offers[doc.uri] = Offer(doc.uri, doc.version, offer.proposal, rest, offer.id)
        for listener in list(self.listeners):
            try:
                listener(doc, old, offer)
            except Exception:  # a listener must not stop the document from syncing
                log.exception("next-edit listener failed")

    def closed(self, uri: str) -> None:
        self.history.forget(uri)
        self.offers.pop(uri, None)
        self._silent.pop(uri, None)

    # -- predicting -------------------------------------------------------------------------

    def last_edit(self, doc: Document) -> LastEdit | None:
        hunk = self.history.last(doc.uri)
        if hunk is None or hunk.noop or hunk.end > len(doc.text) or doc.text[hunk.start:hunk.end] != hunk.after:
            return None
        return LastEdit(hunk.start, hunk.before, hunk.after)

    def propagate(self, doc: Document, others: list[Document], cursor: int | None = None) -> Offer | None:
        """The propagation predictor's offer for `doc` as it is now (a few ms)."""
        if (kept := self.current(doc)) is not None:
            return kept
        if self._silent.get(doc.uri) == doc.version:
            return None
        last = self.last_edit(doc)
        if last is None:
            return None
        started = time.perf_counter()
        proposal = propagate(doc.text, doc.language, doc.tree, last)
        if proposal is not None and len(proposal.names) == 2:
            old_name, new_name = proposal.names
            module = Path(uri_path(doc.uri) or doc.uri).stem
            elsewhere = rename_elsewhere(old_name, new_name, module,
                                         [(o.uri, o.text, o.tree) for o in others if o.uri != doc.uri])
            if elsewhere:
                proposal = Proposal(proposal.kind, proposal.edits, proposal.title, proposal.source, tuple(elsewhere))
        offer = self._offer(doc, proposal, last, last.end if cursor is None else cursor)
        if offer is None:
            self._silent[doc.uri] = doc.version
        self.stats["propagation_ms"].append((time.perf_counter() - started) * 1000)
        del self.stats["propagation_ms"][:-200]
        return offer

    def _offer(self, doc: Document, proposal: Proposal | None, last: LastEdit | None, cursor: int) -> Offer | None:
        if proposal is None:
            return None
        edits = acceptable(doc.text, doc.language, rank(doc.text, proposal.edits, cursor), last, doc.tree)
        if not edits:
            return None
        offer = Offer(doc.uri, doc.version, proposal, edits)
        self.offers[doc.uri] = offer
        return offer

    def current(self, doc: Document) -> Offer | None:
        offer = self.offers.get(doc.uri)
        return offer if offer is not None and offer.version == doc.version else None

    async def predict(self, services, doc: Document, cursor: int, predictors: tuple[str, ...],
                      path_of: Callable[[str], str], root: str, timeout_s: float) -> Offer | None:
        """Propagation first; the model when it is silent and enabled."""
        offer = self.current(doc)
        if offer is not None:
            return offer
        others = [d for u, d in services.documents.items() if u != doc.uri]
        if "propagation" in predictors:
            offer = self.propagate(doc, others, cursor)
            if offer is not None:
                return offer
        if "model" in predictors:
            return await self.model_offer(services, doc, cursor, path_of, root, timeout_s)
        return None

    async def model_offer(self, services, doc: Document, cursor: int, path_of: Callable[[str], str], root: str,
                          timeout_s: float) -> Offer | None:
        gate = services.workspace.gate
        path = uri_path(doc.uri)
        if gate.refusal(path, doc.text[:4096], context=False) is not None:
            return None  # a secret file, or a link to one
        backend = await services.model.backend(wait_s=5.0)
        if backend is None:
            return None
        fmt = format_for(getattr(backend, "name", ""))
        region = region_around(doc.text, cursor, fmt)
        current = doc.text[region.start:region.end]
        if gate.admit(path, current, context=False) != current:
            return None  # a credential in the region: never rewritten from a redacted copy
        display = path_of(doc.uri)
        head = gate.admit(path, doc.text[:region.start], context=False) or ""
        tail = gate.admit(path, doc.text[region.end:], context=False) or ""
        # Redaction may change the text around the region (never the region itself, checked
        # above): the model sees what the gate left, the region where it now stands.
        shift = len(head) - region.start
        region = type(region)(region.start + shift, region.end + shift, region.cursor + shift)
        offer = await self._ask(services, backend, fmt, doc, head + current + tail, region, shift, display, root, timeout_s)
        return offer

    async def _ask(self, services, backend, fmt, doc, text, region, shift, display, root, timeout_s) -> Offer | None:
        gate = services.workspace.gate
        path = uri_path(doc.uri)
        diffs: list[str] = []
        for hunk in self.history.hunks(doc.uri)[-PROMPT_HUNKS:]:
            d = unified_diff(display, hunk, doc.text)
            admitted = gate.admit(path, d, context=False) if d else None
            if admitted:
                diffs.append(admitted)
        for hunk in [h for h in self.history.recent() if h.uri != doc.uri][-PROMPT_OTHER_HUNKS:]:
            other = services.documents.get(hunk.uri)
            if other is None or hunk.end > len(other.text):
                continue
            d = unified_diff(path_of_uri(hunk.uri, root), hunk, other.text)
            # Another file's edits are context: its licence and secrets are judged.
            admitted = gate.admit(uri_path(hunk.uri), d, context=True) if d else None
            if admitted:
                diffs.insert(0, admitted)
        snippets: list[tuple[str, str]] = []
        try:
            line = doc.text.count("\n", 0, region.cursor - shift)
            char = region.cursor - shift - (doc.text.rfind("\n", 0, region.cursor - shift) + 1)
            others = [(path_of_uri(u, root), d) for u, d in services.documents.items() if u != doc.uri]
            sources = services.workspace.sources(doc, display, others)
            snap = prepare(doc, line, char if doc.text.isascii() else 0, display, sources, "full")
            for s in snap.snippets[-PROMPT_SNIPPETS:]:
                real = Path(root) / s.path if root else None
                admitted = gate.admit(real if s.path != display else path, s.text, context=s.path != display)
                if admitted:
                    snippets.append((s.path, admitted))
        except Exception:  # context is an extra
            log.exception("next-edit context")
        last = self.last_edit(doc)
        previous = None
        if last is not None and region.start - shift <= last.start and last.end <= region.end - shift:
            previous = last.old_text(doc.text)[region.start - shift:region.end - shift - len(last.after) + len(last.before)]
        prompt = build(fmt, display, doc.language, text, region, diffs, snippets, previous)
        current = text[region.start:region.end]
        request = CompletionRequest(prompt.prompt, prompt.stop, max_tokens=min(512, len(current) // 3 + 48),
                                    temperature=0.0, timeout_s=timeout_s)
        started, version = time.perf_counter(), doc.version
        result = await services.model.run(lambda cancel: backend.complete(request, cancel))
        self.stats["model_ms"].append((time.perf_counter() - started) * 1000)
        del self.stats["model_ms"][:-200]
        if doc.version != version:
            return None  # the user typed on: the answer is for a text that is gone
        new = rewritten(fmt, result.text, current)
        edit = region_edit(region, current, new) if new is not None else None
        if edit is None:
            return None
        edit = Edit(edit.start - shift, edit.end - shift, edit.new_text)
        return self._offer(doc, Proposal("model", (edit,), "next edit", "model"), last, region.cursor - shift)

    # -- what features ask ------------------------------------------------------------------

    def on_line(self, doc: Document, line: int) -> Edit | None:
        """The offered edit that lies on `line` of `doc` as it is now, if any."""
        offer = self.current(doc)
        if offer is None:
            return None
        for edit in offer.edits:
            for e in line_pieces(doc.text, edit):  # one line of a block rewritten line for line
                if doc.text.count("\n", 0, e.start) == line and "\n" not in doc.text[e.start:e.end] and "\n" not in e.new_text:
                    return e
        return None


def took(offer: Offer, old: str, new: str) -> bool:
    """Whether the change from `old` to `new` applied the offer (all of it, or one of its
    edits: a client showing one inline edit at a time)."""
    if apply_edits(old, offer.edits) == new:
        return True
    return bool(_rest(offer, old, new)) or any(e.apply(old) == new for e in offer.edits)


def _rest(offer: Offer, old: str, new: str) -> list[Edit]:
    """The offer's other edits, moved to where they now stand, when the change from `old` to
    `new` applied exactly one of them; [] otherwise."""
    size = len(new) - len(old)
    for i, edit in enumerate(offer.edits):
        pieces = line_pieces(old, edit)
        # The edit, or one line of it (an inline edit on the cursor's line).
        for taken in [edit] + (pieces if len(pieces) > 1 else []):
            if len(taken.new_text) - (taken.end - taken.start) != size or taken.apply(old) != new:
                continue
            rest: list[Edit] = []
            for j, e in enumerate(offer.edits):
                if j != i:
                    rest.append(e)
                elif taken is not edit:  # the block's other lines stay where the block stood
                    rest.extend(p for p in pieces if p is not taken)
            return [e if e.start < taken.start else Edit(e.start + size, e.end + size, e.new_text) for e in rest]
    return []


def path_of_uri(uri: str, root: str) -> str:
    path = uri_path(uri)
    if path is None:
        return uri
    try:
        return path.relative_to(root).as_posix() if root else path.name
    except ValueError:
        return path.name


def engine_of(services) -> NextEdits:
    """The next-edit state of a server's services (made on first use)."""
    engine = services.__dict__.get("next_edits")
    if engine is None:
        engine = services.__dict__["next_edits"] = NextEdits()
    return engine


def document_changed(services, doc: Document, old: str, span: tuple[int, int, int] | None = None) -> None:
    """features.documents' hook: `doc` changed from `old` (span: the one change's
    (start, old end, new end) when the client sent one range)."""
    engine_of(services).changed(doc, old, span)


def span_of(doc: Document, changes: list) -> tuple[int, int, int] | None:
    """(start, old end, new end) of a change list that is one ranged change, read on `doc`
    before it is applied; None otherwise (the history then compares texts)."""
    if len(changes) != 1 or changes[0][0] is None:
        return None
    (l0, c0, l1, c1), text = changes[0]
    try:
        start, end = doc.index_at(l0, c0, strict=False), doc.index_at(l1, c1, strict=False)
    except Exception:
        return None
    return (start, end, start + len(text)) if start <= end else None


def document_closed(services, uri: str) -> None:
    engine_of(services).closed(uri)


def at_line(services, uri: str, line: int, character: int) -> tuple[int, int, str] | None:
    """For features.inline_completion: the next edit on the cursor's line as (start column,
    end column, text) in Python indices of that line, covering the cursor; None when none."""
    doc = services.documents.get(uri)
    if doc is None:
        return None
    edit = engine_of(services).on_line(doc, line)
    if edit is None:
        return None
    line_start = doc.text.rfind("\n", 0, edit.start) + 1
    try:
        cursor = doc.index_at(line, character, strict=False)
    except Exception:
        return None
    start, end = min(edit.start, cursor), max(edit.end, cursor)
    text = doc.text[start:edit.start] + edit.new_text + doc.text[edit.end:end]
    return start - line_start, end - line_start, text
