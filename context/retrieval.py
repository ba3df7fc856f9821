"""Code from elsewhere that the model should see: definitions of the symbols used near the
cursor (this file, its imports, the workspace index) and chunks like the code being written
(recently edited or open files), chosen lexically, in an order that changes little between
keystrokes so the model's cache stays warm."""

from __future__ import annotations

import functools
import re
from collections import deque
from typing import Callable, Sequence

import msgspec

from atelier.context.imports import Import
from atelier.context.index import WorkspaceIndex
from atelier.context.languages import line_comment
from atelier.context.secrets import has_secrets, redact
from atelier.context.tags import Tag

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
# Words every language uses: never worth a lookup.
_COMMON = frozenset(
    "and are as assert async await break case catch class const continue def default del delete do elif else "
    "enum except export extends false final finally for from func function global goto if impl import in "
    "instanceof interface is lambda let match mod mut new nil none not null or package pass private protected "
    "pub public raise return self static struct super switch this throw true try type typeof undefined use var "
    "void while with yield int str float bool list dict string char long double byte print len range".split()
)
CHUNK_LINES = 16
# Lines after a similar window that come with it: what followed code like this.
CONTINUATION_LINES = 8
# How far above and below the windows the document itself is searched: other files are read
# up to 40,000 characters, and the search must stay within the keystroke's few milliseconds.
OWN_SPAN_LINES = 500
SIMILARITY_THRESHOLD = 0.2


class Snippet(msgspec.Struct, frozen=True):
    path: str
    text: str
    kind: str  # "definition" | "members" (a module's outline) | "imports" (this file's) | "similar"
    line: int = 0  # where it starts in its file: with the path, a stable order
    best: bool = False  # the similar chunk most like the code being written


def identifiers(text: str) -> list[str]:
    """Identifiers in `text`, the last-used first, without keywords."""
    seen: dict[str, None] = {}
    for name in reversed(_IDENT.findall(text)):
        if name.lower() not in _COMMON and name not in seen:
            seen[name] = None
    return list(seen)


class RecentChunks:
    """A ring buffer of code the user edited or opened lately (llama.vscode keeps one too)."""

    def __init__(self, size: int = 16) -> None:
        self._chunks: deque[tuple[str, int, str]] = deque(maxlen=size)

    def record(self, path: str, lines: list[str], line: int) -> None:
        start = max(0, min(line, len(lines) - 1) - CHUNK_LINES // 2)
        text = "\n".join(lines[start:start + CHUNK_LINES])
        # An edit near a chunk of the same file replaces it rather than adding a copy.
        for i, (p, s, _) in enumerate(self._chunks):
            if p == path and abs(s - start) < CHUNK_LINES:
                del self._chunks[i]
                break
        if text.strip():
            self._chunks.append((path, start, text))

    def forget(self, path: str) -> None:
        self._chunks = deque((c for c in self._chunks if c[0] != path), maxlen=self._chunks.maxlen)

    def items(self) -> list[tuple[str, str]]:
        return [(p, t) for p, _, t in self._chunks]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


# How many completions' worth of evidence the workspace's own acceptance rate counts for
# in a file's: a file shown a few times without an acceptance is not yet suspect.
PRIOR_COMPLETIONS = 10


def acceptance_weight(path: str, acceptance: dict[str, tuple[int, int]] | None) -> float:
    """How much the user's acceptances vouch for snippets from `path`, against the workspace's
    rate: 1.0 with no history or an average file, towards 2.0 for a file whose completions were
    accepted more often, towards 0 for one whose completions were accepted less often.
    Relative, because most completions are never accepted: an absolute rate would sink every
    file ever shown below those never shown. `acceptance`: (shown, accepted) completions whose
    prompts held snippets from each file."""
    shown, accepted = (acceptance or {}).get(path, (0, 0))
    total_shown = sum(s for s, _ in acceptance.values()) if acceptance else 0
    total_accepted = sum(a for _, a in acceptance.values()) if acceptance else 0
    if not total_accepted:
        return 1.0  # nothing accepted anywhere: nothing tells files apart
    rate = total_accepted / total_shown
    # The file's rate, smoothed towards the workspace's (a Bayesian average), over the workspace's.
    return min(2.0, (accepted + PRIOR_COMPLETIONS * rate) / (shown + PRIOR_COMPLETIONS) / rate)


# How a line of comment starts, in the languages Atelier reads (block comment bodies too).
_COMMENT_STARTS = ("#", "//", "/*", "*", "--", ";")


def is_code_line(line: str) -> bool:
    """Not a blank or comment line."""
    return bool(line.strip()) and not line.lstrip().startswith(_COMMENT_STARTS)


@functools.lru_cache(maxsize=1 << 16)
def _names_of(line: str) -> frozenset[str] | None:
    """A line's names, or None for a blank or comment line. Cached per line: most lines of
    the document being edited are the same at the next keystroke."""
    return frozenset(identifiers(line)) if is_code_line(line) else None


@functools.lru_cache(maxsize=64)
def _lines_and_names(text: str) -> tuple[tuple[str, ...], tuple[frozenset[str] | None, ...]]:
    """`text`'s lines and the names of each. Cached: the same workspace files are compared
    again at the next cursor (a str caches its own hash)."""
    lines = tuple(text.split("\n"))
    return lines, tuple(_names_of(line) for line in lines)


def similar_chunks(query: str, candidates: list[tuple[str, str]], own_path: str, k: int = 2,
                   acceptance: dict[str, tuple[int, int]] | None = None,
                   own: tuple[list[str], range] | None = None) -> list[Snippet]:
    """The `k` windows of other files most like `query` (Jaccard on identifiers), weighed by
    how often completions made with snippets from their file were accepted, each with the
    lines that follow it: code like the code before the cursor is often followed by code like
    what comes next (RepoCoder). Comments do not count: licence headers are alike in every
    file and say nothing about the code.

    `own`: the lines of the document being edited, as the editor holds it, and those the
    prompt's windows show: its windows out of their sight compete too (a sibling method far
    above, code below the cursor that a model without fill-in-the-middle never sees). The
    document's copy on disk (`own_path` among `candidates`) never does."""
    words = set(identifiers("\n".join(line for line in query.split("\n") if is_code_line(line))))
    if len(words) < 3:
        return []  # too little to compare: any match would be chance
    # (path, its lines, the names of the lines searched (None: nothing to find there), the
    # line those start at)
    pool: list[tuple[str, Sequence[str], tuple[frozenset[str] | None, ...], int]] = [
        (path, *_lines_and_names(text), 0) for path, text in candidates if path != own_path]
    if own is not None:
        lines, shown = own
        first = max(0, shown.start - OWN_SPAN_LINES)
        span = range(first, min(len(lines), shown.stop + OWN_SPAN_LINES))
        pool.append((own_path, lines, tuple(None if n in shown else _names_of(lines[n]) for n in span), first))
    scored = []
    for i, (path, _, names, first) in enumerate(pool):
        weight = acceptance_weight(path, acceptance)
        for offset in range(0, max(1, len(names) - CHUNK_LINES // 2), CHUNK_LINES // 2):
            window = names[offset:offset + CHUNK_LINES]
            code = [n for n in window if n is not None]
            if len(code) * 2 < len(window):
                continue  # mostly comments or blank: a licence header, a commented-out block
            score = _jaccard(words, set().union(*code))
            if score >= SIMILARITY_THRESHOLD:
                scored.append((score * weight, i, first + offset))
    scored.sort(key=lambda s: -s[0])
    chosen: list[Snippet] = []
    for _, i, start in scored:
        if len(chosen) == k:
            break
        path = pool[i][0]
        if any(s.path == path and abs(s.line - start) < CHUNK_LINES for s in chosen):
            continue  # overlaps a window already chosen
        lines = pool[i][1][start:start + CHUNK_LINES + CONTINUATION_LINES]
        chosen.append(Snippet(path, "\n".join(lines), "similar", start,
                              best=not chosen))
    return chosen


def stable_order(snippets: list[Snippet]) -> list[Snippet]:
    """Definitions, then similar chunks, each by file and line: which snippets are chosen
    follows the cursor, but their order does not, so the prompt's start rarely changes."""
    return sorted(snippets, key=lambda s: (s.kind == "similar", s.path, s.line))


def related_definitions(
    query: str,
    own_path: str,
    own_tags: list[Tag],
    visible: range,
    imports: list[Import],
    index: WorkspaceIndex | None,
    limit: int = 12,
) -> list[Snippet]:
    """Definitions of the names used in `query` that the prompt's windows do not show:
    first those the file imports by name (stable while typing), then the others by how
    recently they were used, from this file, imported files, then the workspace."""
    used = identifiers(query)
    out: list[Snippet] = []
    taken: set[tuple[str, str]] = set()

    def add(path: str, tag: Tag) -> None:
        if (path, tag.name) not in taken and len(out) < limit:
            taken.add((path, tag.name))
            out.append(Snippet(path, tag.text, "definition", tag.line))

    if index is not None:
        used_set = set(used)
        for imp in imports:
            for tag in index.tags_of(imp.path):
                if tag.name in imp.names and tag.name in used_set:
                    add(imp.path, tag)
    own = {t.name: t for t in own_tags}
    imported = {imp.path for imp in imports}
    suffix = own_path.rsplit(".", 1)[-1]
    for name in used:
        if name in own:  # this file's own: shown only when the windows do not show it
            if own[name].line not in visible:
                add(own_path, own[name])
        elif index is not None:
            found = [(p, t) for p, t in index.definitions(name) if p != own_path]
            preferred = [(p, t) for p, t in found if p in imported]
            # Otherwise only a name defined once, in a file of the same language: guessing
            # between several would mislead the model more than it helps.
            same = [(p, t) for p, t in found if p.rsplit(".", 1)[-1] == suffix]
            for path, tag in preferred[:1] or (same if len(same) == 1 else []):
                add(path, tag)
    return out


def render(snippets: list[Snippet], language: str | None, file_sep: str | None) -> str:
    """Snippets as the model family's file blocks, or as comments naming their file, with
    credential-looking strings redacted: here text leaves the file it came from."""
    if not snippets:
        return ""
    snippets = [s if not has_secrets(s.text) else msgspec.structs.replace(s, text=redact(s.text)) for s in snippets]
    if file_sep:
        return "".join(f"{file_sep}{s.path}\n{s.text}\n" for s in snippets)
    c = line_comment(language)
    return "".join(
        f"{c} {s.path}:\n" + "".join(f"{c} {line}\n" if line.strip() else f"{c}\n" for line in s.text.split("\n"))
        for s in snippets
    )


_PRIORITY = {"members": 0, "imports": 1, "definition": 2, "similar": 3}


def fit(snippets: list[Snippet], budget: int, count_tokens: Callable[[str], int], language: str | None,
        file_sep: str | None) -> str:
    """As many snippets as fit `budget` tokens, rendered in their order. Chosen by kind:
    what may follow the cursor's dot first, then the code most like the code being written
    (with what followed it: for a small model the likeliest source of the next line), the
    file's imports, definitions, other similar code."""
    kept: dict[int, str] = {}  # each snippet rendered once (redaction scans it): index -> text
    used = 0
    priority = lambda s: 0.5 if s.best else _PRIORITY.get(s.kind, 9)  # noqa: E731
    for i in sorted(range(len(snippets)), key=lambda i: priority(snippets[i])):
        text = render([snippets[i]], language, file_sep)
        cost = count_tokens(text)
        if used + cost <= budget:
            kept[i] = text
            used += cost
    return "".join(kept[i] for i in sorted(kept))  # rendering a list joins its snippets' renderings


class HeldSnippets:
    """Per document, the snippets last put before the code, kept while the cursor stays
    within `refresh_lines` of where they were chosen.

    The context block opens the prompt: when it changes, the model evaluates the whole prompt
    again (seconds on a CPU). Fresh snippets follow every identifier typed, so without this the
    block would change many times while a function is written; held, it changes in jumps, when
    the cursor has moved on."""

    def __init__(self, refresh_lines: int = 16, max_documents: int = 64) -> None:
        self.refresh_lines = refresh_lines
        self.max_documents = max_documents
        self._held: dict[str, tuple[int, str, tuple[Snippet, ...]]] = {}

    def choose(self, key: str, line: int, fresh: tuple[Snippet, ...], kind: str = "") -> tuple[Snippet, ...]:
        """`kind`: how the snippets were chosen; held ones of another kind are not reused."""
        held = self.holding(key, line, kind)
        # A module's members are needed right after its `alias.`: worth one evaluation.
        if held is not None and all(s in held for s in fresh if s.kind == "members"):
            return held
        self._held.pop(key, None)
        self._held[key] = (line, kind, fresh)
        while len(self._held) > self.max_documents:  # least recently refreshed first
            self._held.pop(next(iter(self._held)))
        return fresh

    def holding(self, key: str, line: int, kind: str = "") -> tuple[Snippet, ...] | None:
        """The snippets `choose` keeps for this cursor, unless fresh members displace them."""
        held = self._held.get(key)
        if held is not None and held[1] == kind and abs(line - held[0]) < self.refresh_lines:
            return held[2]
        return None

    def forget(self, key: str) -> None:
        self._held.pop(key, None)
