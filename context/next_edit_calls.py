"""Argument and parameter lists: their items, how one changed (insert, delete, reorder, change),
the edits that insert or delete items, and the calls of a function in the file.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, _KEYWORDS, _NAME_KEYWORDS, _SOFT_KEYWORDS, _occurrences
from atelier.context.next_edit_tree import (
    _Bytes, _CALL_NODES, _MEMBER_NODES, _callee, _function_name, _is_method, _name_at, _parameters_of, _text,
)


# Calls whose arguments are longer than this are not rewritten (and not read).
MAX_ARGS_CHARS = 2000


def _split_args(text: str, start: int, end: int, angles: bool = False) -> list[tuple[int, int]]:
    """Spans of the top-level comma-separated items in text[start:end] (inside the parens);
    `angles`: `<…>` after a name nests too (type arguments in a parameter list)."""
    spans, depth, item, i = [], 0, start, start
    quote = None
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{" or angles and ch == "<" and i > start and (text[i - 1].isalnum() or text[i - 1] in "_$"):
            depth += 1
        elif ch in ")]}" or angles and ch == ">" and depth > 0 and text[i - 1] != "=":
            depth -= 1
        elif ch == "," and depth == 0:
            spans.append((item, i))
            item = i + 1
        i += 1
    spans.append((item, end))
    out = []
    for a, b in spans:
        seg = text[a:b]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            out.append((a + lead, a + len(seg.rstrip())))
    return out


def _norm(s: str) -> str:
    return " ".join(s.split())


def _list_change(old: list[str], new: list[str]) -> tuple[str, int, object] | None:
    """How a list of arguments or parameters changed: ("insert", k, [items]), ("delete", k,
    count), ("reorder", -1, permutation), ("change", k, item); None when otherwise."""
    if len(new) > len(old):
        n = len(new) - len(old)
        for k in range(len(new) - n + 1) if n <= 3 else ():
            if new[:k] + new[k + n:] == old:
                return ("insert", k, new[k:k + n])
    elif len(new) < len(old):
        n = len(old) - len(new)
        for k in range(len(old) - n + 1) if n <= 3 else ():
            if old[:k] + old[k + n:] == new:
                return ("delete", k, n)
    elif len(old) >= 2 and new != old and sorted(new) == sorted(old) and len(set(old)) == len(old):
        return ("reorder", -1, [old.index(a) for a in new])
    else:
        diff = [k for k in range(len(old)) if old[k] != new[k]]
        if len(diff) == 1:
            return ("change", diff[0], new[diff[0]])
    return None


def _keyword(arg: str) -> str | None:
    m = re.match(r"([A-Za-z_]\w*)\s*=(?!=)", arg)
    return m.group(1) if m else None


def _starred(arg: str) -> bool:
    return arg.startswith(("*", "..."))


def _args_of(text: str, nb: _Bytes, call: Node) -> tuple[int, int, list[tuple[int, int]]] | None:
    """(open paren, close paren + 1, item spans) of a call written with parentheses."""
    args = call.child_by_field_name("arguments")
    if args is None:
        return None
    b0, b1 = nb.node(args)
    if text[b0:b0 + 1] != "(" or text[b1 - 1:b1] != ")":
        return None
    return b0, b1, _split_args(text, b0 + 1, b1 - 1)


def _insert_item(text: str, b0: int, b1: int, spans: list[tuple[int, int]], k: int, value: str) -> Edit:
    if not spans:
        return Edit(b0 + 1, b1 - 1, value)
    if k >= len(spans):
        return Edit(spans[-1][1], spans[-1][1], ", " + value)
    return Edit(spans[k][0], spans[k][0], value + ", ")


def _delete_items(spans: list[tuple[int, int]], gone: set[int]) -> list[Edit]:
    """Edits that remove the items `gone` (indices into spans) with their separators."""
    edits, k = [], 0
    while k < len(spans):
        if k not in gone:
            k += 1
            continue
        j = k
        while j + 1 < len(spans) and j + 1 in gone:
            j += 1
        if j + 1 < len(spans):
            edits.append(Edit(spans[k][0], spans[j + 1][0], ""))
        elif k > 0:
            edits.append(Edit(spans[k - 1][1], spans[j][1], ""))
        else:
            edits.append(Edit(spans[0][0], spans[j][1], ""))
        k = j + 1
    return edits


def _calls_named(text: str, root: Node, nb: _Bytes, callee_text: str) -> list[Node]:
    """The calls in the file whose callee reads `callee_text`, found from the occurrences of
    its last name."""
    names = re.findall(r"[A-Za-z_$][\w$]*", callee_text)
    if not names:
        return []
    out = []
    for at in _occurrences(text, names[-1]):
        node = _name_at(root, nb, at, names[-1])
        if node is None:
            continue
        while node.parent is not None and node.parent.end_byte == node.end_byte and node.parent.type in _MEMBER_NODES:
            node = node.parent
        call = node.parent
        if call is not None and call.type in _CALL_NODES and _callee(call) == node and _text(node) == callee_text:
            out.append(call)
        if len(out) > MAX_EDITS:
            break
    return out


_PARAM = re.compile(r"(\*\*|\*|\.\.\.)?\s*([A-Za-z_$][\w$]*)?")


def _param(item: str) -> tuple[str, bool] | None:
    """(name, optional) of one parameter as written: `a`, `a: int = 3`, `b = 1`, `c?: T`,
    `*args`, `**kw`, `...rest`, the markers `*` and `/`; None for a pattern or a modifier."""
    item = item.strip()
    if item in ("*", "/"):
        return (item, True)
    m = _PARAM.match(item)
    star, name = m.group(1) or "", m.group(2)
    if not name or name in _KEYWORDS - _NAME_KEYWORDS - _SOFT_KEYWORDS:
        return None
    rest = item[m.end():].strip()
    if rest and not re.match(r"\??\s*[:=]", rest) and rest != "?":
        return None
    optional = bool(star) or rest.startswith("?") or re.search(r"(?<![=!<>])=(?![=>])", rest) is not None
    return (star + name, optional)


def _calls_of(text: str, root: Node, nb: _Bytes, fn: Node) -> list[Node]:
    """The calls of the function `fn` in the file: `name(...)`, or for a method
    `self.name(...)`, `cls.name(...)`, `this.name(...)`."""
    name = _function_name(fn)
    if name is None:
        return []
    fname = _text(name)
    method = _is_method(fn)
    out = []
    for at in _occurrences(text, fname):
        node = _name_at(root, nb, at, fname)
        if node is None or node == name:
            continue
        callee = node
        if method:
            member = node.parent
            if member is None or member.type not in _MEMBER_NODES or _text(member.child_by_field_name("object")) not in ("self", "cls", "this"):
                continue
            callee = member
        call = callee.parent
        if call is not None and call.type in _CALL_NODES and call.type != "new_expression" and _callee(call) == callee:
            out.append(call)
        if len(out) > MAX_EDITS:
            break
    return out


def _keyword_in(items: list[str], name: str) -> bool:
    return any(_keyword(i) == name for i in items)


def _parameters_changed(text: str, tree: Tree | None, nb: _Bytes, last: LastEdit) -> Node | None:
    """The function whose parameters the edit added, dropped or renamed (not one whose types,
    defaults or punctuation it changed), if any."""
    fn = _parameters_of(tree, nb, last.start)
    params = fn.child_by_field_name("parameters") if fn is not None else None
    if params is None:
        return None
    p0, p1 = nb.node(params)
    if not (p0 < last.start and last.end < p1):
        return fn
    old = last.old_text(text)
    delta = len(last.after) - len(last.before)
    new_p = [_param(text[a:b]) for a, b in _split_args(text, p0 + 1, p1 - 1, angles=True)]
    old_p = [_param(old[a:b]) for a, b in _split_args(old, p0 + 1, p1 - 1 - delta, angles=True)]
    if None in new_p or None in old_p:
        return fn
    return fn if [p[0] for p in new_p] != [p[0] for p in old_p] else None
