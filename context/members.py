"""What may follow `receiver.`: the members of the module or class the receiver stands for.

After a dot the model must pick a name it often cannot see: a method of a base class in
another file, a function of an imported module. The receiver is resolved lexically, the way
a reader of the code would: a module alias from the imports; `self`/`this` as the enclosing
class and its bases; a name annotated or constructed with a class nearby (`converter:
Converter`, `w = Writer(`, `Writer w`); a class name itself. Each class found brings the
first line of each of its members, and its bases bring theirs (a few levels up)."""

from __future__ import annotations

import re
from typing import NamedTuple

from atelier.context.imports import Import
from atelier.context.index import WorkspaceIndex
from atelier.context.retrieval import Snippet, is_code_line
from atelier.context.tags import Tag

_ACCESS = re.compile(r"([A-Za-z_$][\w$]*)\s*(?:\.|::|->)\s*[\w$]*$")
_CLASS_KINDS = ("class", "interface", "struct", "trait", "type")
_SELF = ("self", "cls", "this")
# Wrappers around the type that matters: `Optional[Converter]` is about Converter.
_WRAPPERS = frozenset(
    "Optional Union List Dict Set Tuple Type Sequence Iterable Iterator Mapping Callable Any ClassVar Final "
    "Annotated Promise Array Readonly Partial Record ReadonlyArray Awaitable Generic Protocol ABC".split()
)
_CAPITALISED = re.compile(r"\b([A-Z][\w$]*)")
MAX_MEMBERS = 20  # an outline must fit beside the definitions in the context's share
MAX_LINE = 60
MAX_CLASSES = 4


def receiver(line_prefix: str) -> str | None:
    m = _ACCESS.search(line_prefix)
    return m.group(1) if m else None


def bases(header: str) -> list[str]:
    """Base classes named in a class header: `class A(B, Generic[T]):`, `class A extends B
    implements C {`."""
    m = re.search(r"\bclass\s+[\w$]+\s*(?:<[^>]*>)?\s*\(([^)]*)\)", header)  # Python
    text = m.group(1) if m else " ".join(re.findall(r"\b(?:extends|implements)\s+([^{]+)", header))
    text = re.sub(r"\[[^\]]*\]|<[^>]*>|\b\w+\s*=\s*[\w.]+", "", text)  # type arguments, metaclass=
    found = [name for name in _CAPITALISED.findall(text) if name not in _WRAPPERS]
    return list(dict.fromkeys(found))


def annotated_type(name: str, text: str) -> str | None:
    """The class `name` is declared or built with in `text`, the nearest one to its end."""
    patterns = (
        rf"\b{re.escape(name)}\s*:\s*([^=,)\n]+)",  # Python, TypeScript annotations
        rf"\b{re.escape(name)}\s*=\s*(?:new\s+)?([A-Z][\w$]*)\s*[(<]",  # built here
        rf"\b([A-Z][\w$]*)(?:<[^>\n]*>)?\s+{re.escape(name)}\s*[=;,)]",  # Java, C#, C++
    )
    best: tuple[int, str] | None = None
    for pattern in patterns:
        for m in re.finditer(pattern, text):
            names = [n for n in _CAPITALISED.findall(m.group(1)) if n not in _WRAPPERS]
            if names and (best is None or m.start() > best[0]):
                best = (m.start(), names[0])
    return best[1] if best else None


def _signature(text: str) -> str:
    for line in text.split("\n"):
        if is_code_line(line) and not line.lstrip().startswith("@"):  # nor a decorator
            return line.rstrip(" {:").removesuffix(" ...")
    return text.split("\n", 1)[0]


def _short(signature: str) -> str:
    """A member's line, cut to MAX_LINE characters at a parameter boundary: the name and
    its first parameters are what choosing it takes."""
    if len(signature) <= MAX_LINE:
        return signature
    cut = signature.rfind(",", 0, MAX_LINE)
    return signature[: cut if cut > 0 else MAX_LINE] + ", …)"


def _inside(tags: list[Tag], start: int, end: int | None, private: bool) -> list[Tag]:
    """The definitions within lines (start, end], one per name (the first: overloads say the
    same), in file order; `_names` only when `private`, dunders never."""
    inside = list({t.name: t for t in reversed([t for t in tags if start < t.line and (end is None or t.line <= end)])}.values())
    inside.reverse()
    return [t for t in inside if not t.name.startswith("_") or (private and not t.name.startswith("__"))]


def outline(path: str, tags: list[Tag], start: int = -1, end: int | None = None, private: bool = False) -> Snippet | None:
    """The first line of each definition within lines (start, end] of a file (all of them by
    default), in file order, as one snippet; `_names` only when `private` (code inside the
    class may use them)."""
    chosen = _inside(tags, start, end, private)[:MAX_MEMBERS]
    if not chosen:
        return None
    header = [_short(_signature(t.text)) for t in tags if t.line == start][:1]
    body = [("    " if header else "") + _short(_signature(t.text)) for t in chosen]
    return Snippet(path, "\n".join(header + body), "members", start)


def _find_class(name: str, own_path: str, own_tags: list[Tag], imports: list[Import],
                index: WorkspaceIndex | None) -> tuple[str, list[Tag], Tag] | None:
    for tag in own_tags:
        if tag.name == name and tag.kind in _CLASS_KINDS:
            return own_path, own_tags, tag
    if index is None:
        return None
    imported = {imp.path for imp in imports}
    found = [(p, t) for p, t in index.definitions(name) if t.kind in _CLASS_KINDS and p != own_path]
    preferred = [(p, t) for p, t in found if p in imported]
    suffix = own_path.rsplit(".", 1)[-1]
    same = [(p, t) for p, t in found if p.rsplit(".", 1)[-1] == suffix]
    # A name defined in several files: only the imported one, else no guess.
    for path, tag in preferred[:1] or (same if len(same) == 1 else []):
        return path, index.tags_of(path), tag
    return None


class Members(NamedTuple):
    snippets: list[Snippet]  # outlines for the prompt, cut to fit
    names: tuple[str, ...]  # every name the receiver is known to hold (empty: receiver unknown)


def members(line_prefix: str, nearby: str, scopes: list[Tag], own_path: str, own_tags: list[Tag],
            imports: list[Import], index: WorkspaceIndex | None) -> Members:
    """Outlines of what the receiver before the cursor's dot may hold, and all of its defined
    names. `nearby`: the code above the cursor where the receiver's declaration may be;
    `scopes`: the enclosing definitions, outermost first."""
    name = receiver(line_prefix)
    found = _definitions(name, nearby, scopes, own_path, own_tags, imports, index) if name else []
    snippets = [s for s in (outline(path, tags, start, end, private) for path, tags, start, end, private in found) if s]
    if not found:
        return Members(snippets, ())
    names = {t.name for path, tags, start, end, private in found for t in _inside(tags, start, end, private)}
    return Members(snippets, tuple(sorted(names)))


def _definitions(name: str, nearby: str, scopes: list[Tag], own_path: str, own_tags: list[Tag],
                 imports: list[Import], index: WorkspaceIndex | None) -> list[tuple[str, list[Tag], int, int | None, bool]]:
    """Where `name`'s members are defined: (path, its tags, first line, last line, private)
    of a module or of a class and its bases."""
    for imp in imports:
        if imp.alias == name and index is not None:
            return [(imp.path, sorted(index.tags_of(imp.path), key=lambda t: t.line), -1, None, False)]
    if name in _SELF:
        own_class = next((s for s in reversed(scopes) if s.kind in _CLASS_KINDS), None)
        queue = [own_class.name] if own_class else []
    else:
        typed = annotated_type(name, nearby)
        queue = [typed] if typed else ([name] if name[:1].isupper() else [])
    out = []
    seen: set[str] = set()
    while queue and len(seen) < MAX_CLASSES:
        cls = queue.pop(0)
        if cls in seen:
            continue
        seen.add(cls)
        found = _find_class(cls, own_path, own_tags, imports, index)
        if found is None:
            continue
        path, tags, tag = found
        out.append((path, tags, tag.line, tag.end, name in _SELF))
        queue += bases(_signature(tag.text))
    return out


def member_starts(line_prefix: str, answer: str, names: tuple[str, ...], text: str = "") -> tuple[str, ...]:
    """When `answer` goes on after `receiver.` with a name the receiver is not known to hold
    (a small model invents plausible ones), the rests of the names it does hold that fit what
    is typed after the dot; else () (the answer stands, or nothing is known). `names`: those
    defined for it; the names used after the receiver in `text`, the whole file, count too
    (`self.x` set in a constructor has no tag): looked up only here, off the keystroke path."""
    typed = re.search(r"[\w$]*$", line_prefix).group()
    chosen = typed + re.match(r"[\w$]*", answer).group()
    if not names or chosen in names:
        return ()
    name = receiver(line_prefix)
    used = re.findall(rf"(?<![\w$.]){re.escape(name)}\s*(?:\.|::|->)\s*([A-Za-z_$][\w$]*)", text) if name else []
    held = set(names).union(used)
    if chosen in held:
        return ()
    return tuple(sorted(n[len(typed):] for n in held if n.startswith(typed) and len(n) > len(typed)))
