"""Workspace search for chat: the definitions (index tags) and documentation sections that
a question's words point to, ranked lexically (BM25, context.docs), licence policy applied
by the index. Rankings are rebuilt lazily when the index changes."""

from __future__ import annotations

import re
import threading

import msgspec

from atelier.context.docs import Bm25, terms
from atelier.context.index import WorkspaceIndex

# Names written like code in a question: snake_case, camelCase, dotted, or in backticks.
_CODE_NAME = re.compile(r"`([A-Za-z_][\w.]*)`|\b([A-Za-z_]+_[\w]*|[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*)\b")


class Found(msgspec.Struct, frozen=True):
    kind: str  # "definition" | "documentation"
    path: str
    line: int  # 0-based
    title: str
    text: str
    language: str | None
    score: float


class WorkspaceSearch:
    def __init__(self, index: WorkspaceIndex) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._built: dict[str, tuple[object, Bm25, list]] = {}

    def _ranking(self, what: str) -> tuple[Bm25, list]:
        key = (self.index.generation, self.index.policy)
        with self._lock:
            cached = self._built.get(what)
            if cached is not None and cached[0] == key:
                return cached[1], cached[2]
            if what == "docs":
                items = self.index.doc_chunks()
                documents = [terms(c.title) * 2 + terms(c.text) for _, c in items]
            else:
                items = [(rel, rec.language, tag) for rel, rec in list(self.index.files.items())
                         if self.index.allowed(rel) for tag in rec.tags]
                # The name counts three times: a question names what it is about.
                documents = [terms(tag.name) * 3 + terms(tag.text) for _, _, tag in items]
            ranking = Bm25(documents)
            self._built[what] = (key, ranking, items)
            return ranking, items

    def docs(self, question: str, k: int = 4, min_terms: int = 1) -> list[Found]:
        """The `k` documentation sections best matching `question` that hold at least
        `min_terms` of its distinct words."""
        query = terms(question)
        if not query:
            return []
        ranking, items = self._ranking("docs")
        out = []
        for score, i in ranking.top(query, k, min(min_terms, len(set(query)))):
            rel, chunk = items[i]
            record = self.index.docs.get(rel)
            title = f"Documentation, {rel}" + (f" § {chunk.title}" if chunk.title != rel else "")
            out.append(Found("documentation", rel, chunk.line, title, chunk.text, record.format if record else None, score))
        return out

    def definitions(self, question: str, k: int = 4) -> list[Found]:
        """Definitions named in `question` (as code: `name`, snake_case, camelCase) first,
        then the best lexical matches."""
        out: list[Found] = []
        seen: set[tuple[str, int]] = set()
        for match in _CODE_NAME.finditer(question):
            name = (match.group(1) or match.group(2)).rsplit(".", 1)[-1]
            for rel, tag in self.index.definitions(name)[:2]:
                if (rel, tag.line) not in seen and len(out) < k:
                    seen.add((rel, tag.line))
                    out.append(Found("definition", rel, tag.line, f"`{tag.name}` in {rel}", tag.text, _language(self.index, rel), 1e9))
        query = terms(question)
        if query and len(out) < k:
            ranking, items = self._ranking("tags")
            for score, i in ranking.top(query, 4 * k):
                rel, language, tag = items[i]
                if (rel, tag.line) not in seen and len(out) < k:
                    seen.add((rel, tag.line))
                    out.append(Found("definition", rel, tag.line, f"`{tag.name}` in {rel}", tag.text, language, score))
        return out


def _language(index: WorkspaceIndex, rel: str) -> str | None:
    record = index.files.get(rel)
    return record.language if record is not None else None


def relevant_docs(search: WorkspaceSearch, question: str, k: int = 2) -> list[Found]:
    """Documentation offered without being asked for: only sections sharing at least two of
    the question's words (one, for a one-word question), so small talk brings nothing."""
    return search.docs(question, k, min_terms=2)


_MENTION = re.compile(r"(?<![\w@])@workspace\b", re.I)


def mentions_workspace(message: str) -> bool:
    """Whether a chat message asks for workspace search, as Copilot's `@workspace` does."""
    return _MENTION.search(message) is not None


def without_mention(message: str) -> str:
    return " ".join(_MENTION.sub(" ", message).split(" ")).strip()


def chat_search(search: WorkspaceSearch, question: str, requested: bool, k: int = 4) -> list[Found]:
    """What a chat turn is shown from the workspace, best first: on request, the definitions
    and documentation sections that best match the question (named definitions first, then
    alternating); otherwise only documentation clearly about it."""
    question = without_mention(question)
    if not requested:
        return relevant_docs(search, question)
    definitions, docs = search.definitions(question, k), search.docs(question, k)
    named = [d for d in definitions if d.score >= 1e9]
    rest = [d for d in definitions if d.score < 1e9]
    mixed = [x for pair in zip(rest, docs) for x in pair] + rest[len(docs):] + docs[len(rest):]
    return named + mixed
