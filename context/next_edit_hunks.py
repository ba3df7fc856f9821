"""The user's hunk and the proposals made from it, as plain text: tokens, lines, offsets, and the
edits applied or trimmed. No tree here (next_edit_tree reads the parse).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

import msgspec

from atelier.context.edits import Edit


MAX_EDITS = 200
_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except finally for from "
    "global if import in is lambda nonlocal not or pass raise return try while with yield match case self cls "
    "const let var function new this typeof instanceof void delete throw catch switch default do export extends "
    "static super null undefined true false of get set yield interface type enum implements public private "
    "protected readonly abstract declare namespace module require".split())
# Keywords that make lines alike (an `elif` branch is a sibling of the `if` one).
_ALIKE_KEYWORDS = frozenset({"if", "elif"})
# Keywords to the tokenizer (they shape lines), names to the parser (they can be renamed).
_NAME_KEYWORDS = frozenset({"self", "cls"})
# Keywords only where they open a statement or a member (`match x:`, `get a()`): elsewhere
# names, and common ones (a parameter `match`, `type`, `module`).
_SOFT_KEYWORDS = frozenset({"match", "case", "type", "get", "set", "of", "static", "interface", "enum", "implements",
                            "public", "private", "protected", "readonly", "abstract", "declare", "namespace",
                            "module", "require", "async"})
_TOKEN = re.compile(
    r"""(?P<id>[A-Za-z_$][\w$]*)|(?P<lit>\d[\w.]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(?P<op>\S)""")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*\Z")
# A line of comment, or of a doc comment's body (`# x`, `// x`, `/* x`, ` * x`).
_COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//|/?\*)")
# The words of a name (`watchFileCreated`, `_get_definition`, `HTTPServer`).
_NAME_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


class Token(NamedTuple):
    kind: str  # "id" (a name, not a keyword), "kw", "lit", "op"
    text: str
    start: int
    end: int


def tokens(text: str, offset: int = 0) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "op"
        if kind == "id" and m.group() in _KEYWORDS:
            kind = "kw"
        out.append(Token(kind, m.group(), m.start() + offset, m.end() + offset))
    return out


def _shape(t: Token) -> str:
    """What a sibling's token must share with the edited line's: its kind, and for literals
    whether a number or a string."""
    if t.kind == "lit":
        return "num" if t.text[0].isdigit() else "str"
    return t.kind


class Proposal(msgspec.Struct, frozen=True):
    """A next edit: one or more edits of the current document (best first), and edits of
    other open documents (a rename reaching the files that import this one)."""

    kind: str  # "rename" | "arguments" | "repeat" | "model"
    edits: tuple[Edit, ...]
    title: str
    source: str = "propagation"  # or "model"
    elsewhere: tuple[tuple[str, Edit], ...] = ()  # (uri, edit) in other documents
    names: tuple[str, ...] = ()  # (old, new) of a rename that may reach the files importing this one


class LastEdit(NamedTuple):
    """The user's last hunk: `before` replaced by what now lies at text[start:start+after_len]."""

    start: int
    before: str
    after: str

    @property
    def end(self) -> int:
        return self.start + len(self.after)

    def old_text(self, text: str) -> str:
        return text[:self.start] + self.before + text[self.end:]

    def old_slice(self, text: str, a: int, b: int) -> str:
        """old_text(text)[a:b], without building the whole old text (a rule reads a line of it)."""
        s, lb, shift = self.start, len(self.before), len(self.after) - len(self.before)
        head = text[a:min(b, s)] if a < s else ""
        mid = self.before[max(a - s, 0):max(min(b - s, lb), 0)]
        tail = text[max(a, s + lb) + shift:b + shift] if b > s + lb else ""
        return head + mid + tail


def _line_span(text: str, start: int, end: int) -> tuple[int, int]:
    """[first line start, last line end) of the lines holding text[start:end]."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    return ls, len(text) if le == -1 else le


def _nonspace(s: str) -> int:
    return len(s) - sum(s.count(c) for c in " \t\n\r")


@functools.lru_cache(maxsize=256)
def _word(name: str) -> re.Pattern:
    return re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")


def _occurrences(text: str, name: str, lo: int = 0, hi: int | None = None) -> list[int]:
    """Where `name` stands as a whole word in text[lo:hi]."""
    if not name:
        return []
    return [m.start() for m in _word(name).finditer(text, lo, len(text) if hi is None else hi)]


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        text = e.apply(text)
    return text


def _places(n: int) -> str:
    return f"{n} place{'s' if n != 1 else ''}"


def _header(line_tokens: list[Token]) -> bool:
    """A definition's first line: changing one test's or function's signature says nothing
    about its neighbours'."""
    return bool(line_tokens) and line_tokens[0].text in ("def", "function", "class", "async", "public", "private",
                                                         "protected", "static", "export", "func", "fn")


def _derived(old: str, name: str) -> bool:
    """Whether `name` is built from the name `old` (`a` → `_a`, `name` → `get_name`)."""
    return old == name.lstrip("_$") or (len(old) >= 3 and old in name)


def _numbers_only(removed: list[Token], written: list[Token]) -> bool:
    """A change of numbers and nothing else (but the commas between them, in a list of values,
    and their signs): a value, the others keep their own."""
    changed = removed + written
    numbers = [t for t in changed if t.kind == "lit" and _shape(t) == "num"]
    # A number's sign is part of it (`-5` → `0`).
    signs = [t for ts in (removed, written) for t, n in zip(ts, ts[1:])
             if t.text == "-" and n in numbers and t.end == n.start]
    return bool(numbers) and all(t in numbers or t in signs or t.text == "," for t in changed)


_DIRECTIVE = re.compile(r"type:\s*ignore|noqa|pylint:|pragma|eslint-|@ts-|istanbul|prettier-ignore|NOSONAR")
# A parameter's name where its documentation names it: `:param name:`, `:param str name:`,
# `:ivar name:`, `@param {Type} name`, `@param [name]`.
_PARAMETER_DOC = re.compile(
    r"(?::(?:param|parameter|arg|argument|key|keyword|ivar)\s+(?:[\w\[\],.| ]+\s+)?|@(?:param|arg|argument)\s+"
    r"(?:\{[^}\n]*\}\s+)?\[?)([\w$]+)")


def _annotates(old: str, last: LastEdit) -> bool:
    """Whether the edit gave an assigned variable a type annotation (`x = 1` → `x: int = 1`)."""
    end0 = last.start + len(last.before)
    return not last.before and re.match(r"\s*:[^=]*\Z", last.after) is not None \
        and re.match(r"\s*=(?!=)", old[end0:end0 + 8]) is not None


# An attribute of the object assigned a value: `self._running = False`, `this.inMixin = false;`.
_STATE = re.compile(r"[ \t]*(?:self|this)\.[\w$]+[ \t]*=[ \t]*(?!=)([^\n]*?)[ \t;]*$", re.M)


def _sets_state(old: str, last: LastEdit) -> bool:
    """Whether the edit replaced the whole value of an attribute's assignment on its line
    (`self._running = False` → `threading.Event()`): the state the object is put in there; the
    same line in another method puts it in that state at another time, its value is its own."""
    ls = old.rfind("\n", 0, last.start) + 1
    m = _STATE.match(old, ls)
    return m is not None and m.start(1) == last.start and m.end(1) == last.start + len(last.before) and bool(last.after)


def _lines_at(text: str, start: int, k: int) -> list[str]:
    """The k lines from the line starting at `start` (fewer at the end of the text)."""
    out, pos = [], start
    for _ in range(k):
        end = text.find("\n", pos)
        out.append(text[pos:len(text) if end == -1 else end])
        if end == -1:
            break
        pos = end + 1
    return out


def _near_lines(text: str, ls: int, n: int, below: int | None = None) -> list[int]:
    """Where the n lines above and the n (or `below`) lines below the line starting at `ls` start."""
    out, at = [], ls
    for _ in range(n):
        if at == 0:
            break
        at = text.rfind("\n", 0, at - 1) + 1
        out.append(at)
    at = ls
    for _ in range(n if below is None else below):
        nl = text.find("\n", at)
        if nl == -1:
            break
        at = nl + 1
        out.append(at)
    return sorted(out)
