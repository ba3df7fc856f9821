"""Documentation (Markdown, reStructuredText, AsciiDoc) cut into sections by its headings,
and a small BM25 ranking to find the sections, or definitions, a question is about."""

from __future__ import annotations

import math
import re
from collections import Counter

import msgspec

DOC_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".mdx": "markdown", ".rst": "rst",
                  ".adoc": "asciidoc", ".asciidoc": "asciidoc", ".asc": "asciidoc"}
# A section longer than this is cut at paragraph breaks: a chat prompt takes pieces, not chapters.
MAX_CHUNK_CHARS = 1500
_FENCE = re.compile(r"^\s*(```|~~~)")
_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_RST_RULE = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")
_ADOC = re.compile(r"^(={1,6})\s+(.+?)\s*$")


class DocChunk(msgspec.Struct, frozen=True):
    title: str  # the heading trail, "Install › From source"
    line: int  # 0-based line of the heading (or of the part, for a cut section)
    text: str


def _headings(lines: list[str], fmt: str) -> list[tuple[int, int, str]]:
    """(line, level, title) of each heading; for underlined headings, the title's line."""
    found: list[tuple[int, int, str]] = []
    in_code = False
    rst_levels: list[str] = []
    for i, line in enumerate(lines):
        if fmt == "markdown":
            if _FENCE.match(line):
                in_code = not in_code
            if in_code:
                continue
            m = _ATX.match(line)
            if m:
                found.append((i, len(m.group(1)), m.group(2)))
            elif i > 0 and _SETEXT.match(line) and lines[i - 1].strip() and not _ATX.match(lines[i - 1]) \
                    and not (found and found[-1][0] == i - 1):
                found.append((i - 1, 1 if line.strip()[0] == "=" else 2, lines[i - 1].strip()))
        elif fmt == "asciidoc":
            if line.startswith(("----", "....")) and not line.strip("-."):
                in_code = not in_code  # listing and literal blocks
            m = None if in_code else _ADOC.match(line) or _ATX.match(line)
            if m:
                found.append((i, len(m.group(1)), m.group(2)))
        else:  # reStructuredText: a title underlined (and maybe overlined) by one punctuation character
            m = _RST_RULE.match(line)
            title = lines[i - 1].strip() if i > 0 else ""
            if m and title and not _RST_RULE.match(lines[i - 1]) and len(line.rstrip()) >= len(title):
                overlined = i > 1 and lines[i - 2].strip() == line.strip()
                key = ("o" if overlined else "") + m.group(1)
                if key not in rst_levels:
                    rst_levels.append(key)
                found.append((i - 1, rst_levels.index(key) + 1, title))
    return found


def _parts(text: str) -> list[tuple[int, str]]:
    """(line offset, text) pieces of at most MAX_CHUNK_CHARS, cut between paragraphs."""
    if len(text) <= MAX_CHUNK_CHARS:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start, current, line = 0, [], 0
    for para in re.split(r"(\n\s*\n)", text):
        if current and sum(map(len, current)) + len(para) > MAX_CHUNK_CHARS:
            out.append((start, "".join(current).strip("\n")))
            start, current = line, []
        current.append(para[:MAX_CHUNK_CHARS])
        line += para.count("\n")
    if "".join(current).strip():
        out.append((start, "".join(current).strip("\n")))
    return out


def chunk_document(text: str, fmt: str, name: str = "") -> list[DocChunk]:
    """Sections of a document, each titled with its headings' trail (the file's name before
    the first heading)."""
    lines = text.split("\n")
    heads = _headings(lines, fmt)
    starts = [(0, 0, name)] + heads if not heads or heads[0][0] > 0 else heads
    chunks: list[DocChunk] = []
    trail: list[tuple[int, str]] = []
    for n, (line, level, title) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        if level:
            trail = [t for t in trail if t[0] < level] + [(level, title)]
        body = "\n".join(lines[line:end]).strip("\n")
        under = 2 if line + 1 < len(lines) and (_SETEXT.match(lines[line + 1]) or _RST_RULE.match(lines[line + 1])) else 1
        own = "\n".join(lines[line + under:end]).strip() if level else body
        if not body.strip() or (level and not own and n + 1 < len(starts) and starts[n + 1][1] > level):
            continue  # a heading directly followed by its first subsection: the subsection carries it
        full = " › ".join(t for _, t in trail) if level else name
        for offset, part in _parts(body):
            chunks.append(DocChunk(full, line + offset, part))
    return chunks


# -- ranking ------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9_]+")
_CAMEL = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_STOP = frozenset(
    "a an and are as at be by can could do does for from has have how i if in into is it its me my no not "
    "of on or our should so than that the their them then there these this to use used using was we what "
    "when where which who why will with would you your about any all also get want need make does did "
    "workspace".split()
)


def terms(text: str) -> list[str]:
    """Lower-case search terms: words, and the parts of snake_case and camelCase names."""
    out = []
    for word in _WORD.findall(text):
        low = word.lower()
        if len(low) < 2 or low in _STOP or low.isdigit():
            continue
        out.append(low)
        parts = [p.lower() for piece in word.split("_") for p in _CAMEL.findall(piece)]
        if len(parts) > 1:
            out.extend(p for p in parts if len(p) > 1 and p not in _STOP)
    return out


class Bm25:
    """Okapi BM25 over documents given as term lists."""

    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.counts = [Counter(d) for d in documents]
        self.lengths = [len(d) for d in documents]
        self.average = sum(self.lengths) / len(documents) if documents else 0.0
        df: Counter[str] = Counter()
        for c in self.counts:
            df.update(c.keys())
        n = len(documents)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._postings: dict[str, list[int]] = {}
        for i, c in enumerate(self.counts):
            for t in c:
                self._postings.setdefault(t, []).append(i)

    def top(self, query: list[str], k: int, min_terms: int = 1) -> list[tuple[float, int]]:
        """The `k` best (score, document number), best first, among documents holding at
        least `min_terms` distinct query terms."""
        wanted = set(query)
        scores: dict[int, float] = {}
        matched: Counter[int] = Counter()
        for t in wanted:
            idf = self.idf.get(t)
            if idf is None:
                continue
            for i in self._postings[t]:
                tf = self.counts[i][t]
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.average or 1))
                scores[i] = scores.get(i, 0.0) + idf * tf * (self.k1 + 1) / norm
                matched[i] += 1
        ranked = sorted(((s, i) for i, s in scores.items() if matched[i] >= min_terms), key=lambda x: (-x[0], x[1]))
        return ranked[:k]
