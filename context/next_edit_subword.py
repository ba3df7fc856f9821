"""Renames of part of an identifier: one segment of a name (a snake_case word, a camelCase hump, a
number) changed, the rest kept. Names of one scheme change together: a qualifier dropped from
the end (or start) of a key or an attribute is dropped from the other keys of that object literal
(attributes of that object) that end (start) with it; a segment changed inside a name changes in
the keys, attributes or definitions of the same literal, object, class or file that share it with
the whole rest of the name on one side and the nearest word on the other; and a test is named
after what it tests, so a segment changed in a test's name changes in its body's names made of
that segment and its neighbours in the test's old name.

Silent when unsure: a change of case or separators only (a style change, not a renaming), a
segment only added (nothing to find it by), a qualifier replaced rather than dropped (it may be
that name's alone), a sibling whose new name is already taken or whose segment before the
qualifier is of another kind (`beta_8_9` is not `chrome_9`'s sibling), a definition used
elsewhere in the file (renaming its definition alone would break the uses), the changed word
alone in a test's body (it may name anything).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _IDENT, _occurrences, _places
from atelier.context.next_edit_rename import _rename_site
from atelier.context.next_edit_tree import (
    _Bytes, _DEFINITION_NODES, _FUNCTION_NODES, _NAME_NODES, _defines, _enclosing_class, _name_at, _owner, _role, _text,
)


# Upper-case runs (`HTML` in `HTMLParser`), humps, lower-case words, numbers, separators.
_SEGMENT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[_$]+|[^\W\d_]+|.")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")
# Names looked up in the tree as candidate siblings (bounded work on large files).
MAX_LOOKUPS = 400


def _segments(name: str) -> list[str]:
    return _SEGMENT.findall(name)


def _kind(segment: str) -> str:
    return "sep" if segment[0] in "_$" else "num" if segment[0].isdigit() else "word"


class _Change(NamedTuple):
    """A name cut into segments: `pre` + `old` + `suf` became `pre` + `new` + `suf`."""

    pre: list[str]
    old: list[str]
    new: list[str]
    suf: list[str]


def _change(old: str, new: str) -> _Change | None:
    a, b = _segments(old), _segments(new)
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and a[-1 - s] == b[-1 - s]:
        s += 1
    ch = _Change(a[:p], a[p:len(a) - s], b[p:len(b) - s], a[len(a) - s:])
    words = lambda segs: [x.lower() for x in segs if _kind(x) != "sep"]  # noqa: E731
    if not ch.old or not words(ch.old) or not any(_kind(x) == "word" for x in ch.pre + ch.suf):
        return None  # a segment only added, or nothing kept to tell the scheme by
    if words(ch.old) == words(ch.new):
        return None  # case or separators changed (`a_b` → `aB`): a style, not a renaming
    return ch


def _affix(segs: list[str], ch: _Change) -> list[str] | None:
    """A sibling's new segments when the edited name lost its last (first) segments, a
    qualifier, and the sibling ends (begins) with them after (before) a segment of the same
    kind. A qualifier replaced (`userId` → `userKey`) may be that name's alone: not followed."""
    n = len(ch.old)
    if ch.new or len(segs) <= n:
        return None
    if not ch.suf and segs[-n:] == ch.old and _kind(segs[-n - 1]) == _kind(ch.pre[-1]):
        return segs[:-n]
    if not ch.pre and segs[:n] == ch.old and _kind(segs[n]) == _kind(ch.suf[0]):
        return segs[n:]
    return None


def _neighbour(segs: list[str], forward: bool) -> int:
    """How many segments reach to the first word (`_format` of `_format_safety`), from the start
    or, backward, from the end."""
    order = range(len(segs)) if forward else range(len(segs) - 1, -1, -1)
    for k, i in enumerate(order):
        if _kind(segs[i]) == "word":
            return k + 1
    return 0


def _infix(segs: list[str], ch: _Change) -> list[str] | None:
    """A sibling's new segments when it shares the edited name's whole prefix, its changed
    segments and the word after them (or, mirrored, the whole suffix and the word before)."""
    p, n = len(ch.pre), len(ch.old)
    if not ch.pre or not ch.suf:
        return None
    k = _neighbour(ch.suf, True)
    if k and segs[:p + n] == ch.pre + ch.old and segs[p + n:p + n + k] == ch.suf[:k]:
        return ch.pre + ch.new + segs[p + n:]
    k, m = _neighbour(ch.pre, False), len(ch.suf)
    if k and len(segs) >= n + m + k and segs[len(segs) - n - m:] == ch.old + ch.suf \
            and segs[len(segs) - n - m - k:len(segs) - n - m] == ch.pre[-k:]:
        return segs[:len(segs) - n - m] + ch.new + ch.suf
    return None


def _renamed_name(segs: list[str], ch: _Change, affix: bool) -> str | None:
    new = (_affix(segs, ch) if affix else None) or _infix(segs, ch)
    name = "".join(new) if new else None
    return name if name and _IDENT.match(name) else None


def propose_subword(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    site = _rename_site(text, tree, last)
    if site is None:
        return None
    old_name, new_name, where, nb, root = site
    ch = _change(old_name, new_name)
    node = _name_at(root, nb, where[0], new_name) if ch is not None else None
    if node is None:
        return None
    if _defines(node):
        edits = _test_body(text, root, nb, node, ch) or _definitions(text, root, nb, node, ch)
    elif (pair := node.parent) is not None and pair.type == "pair" and pair.child_by_field_name("key") == node:
        edits = _keys(nb, node, ch)
    elif _role(node) == "member" and _owner(node):
        edits = _attributes(text, root, nb, node, ch)
    else:
        return None
    if not edits or len(edits) > MAX_EDITS:
        return None
    gone, put = "".join(ch.old), "".join(ch.new)
    return Proposal("rename", tuple(edits), f"rename `{gone}` → `{put}` in names alike ({_places(len(edits))})")


def _keys(nb: _Bytes, node: Node, ch: _Change) -> list[Edit]:
    """The other keys of the object literal that holds the edited key."""
    literal = node.parent.parent if node.parent is not None else None
    if literal is None:
        return []
    keys = [k for pair in literal.named_children if pair.type == "pair"
            and (k := pair.child_by_field_name("key")) is not None and k.type in _NAME_NODES]
    taken = {_text(k) for k in keys}
    edits = []
    for k in keys[:MAX_LOOKUPS]:
        name = _renamed_name(_segments(_text(k)), ch, affix=True)
        if k != node and name is not None and name not in taken:
            edits.append(Edit(*nb.node(k), name))
    return edits


def _attributes(text: str, root: Node, nb: _Bytes, node: Node, ch: _Change) -> list[Edit]:
    """The other attributes read from the same object (as written: `mapping.a`, `self.b`)."""
    owner = _owner(node)
    lo, hi = 0, len(text)
    if owner in ("self", "this", "cls"):  # one class's object: its attributes, not another class's
        cls = _enclosing_class(node)
        lo, hi = nb.node(cls) if cls is not None else (lo, hi)
    pattern = re.compile(rf"(?<![\w$.]){re.escape(owner)}\s*\??\.\s*([A-Za-z_$][\w$]*)")
    places = [(m.start(1), m.group(1)) for m in pattern.finditer(text, lo, hi)]
    taken = {name for _, name in places}
    renamed = {name: new for name in taken
               if (new := _renamed_name(_segments(name), ch, affix=True)) is not None and new not in taken}
    places = [(at, name) for at, name in places if name in renamed]
    if len(places) > MAX_LOOKUPS:
        return []
    edits = []
    for at, name in places:
        attr = _name_at(root, nb, at, name)
        if attr is not None and attr != node and _role(attr) == "member" and _owner(attr) == owner:
            edits.append(Edit(*nb.node(attr), renamed[name]))
    return edits


def _definitions(text: str, root: Node, nb: _Bytes, node: Node, ch: _Change) -> list[Edit]:
    """The other definitions of the same class or file that share the changed segments with
    their neighbours, when nothing else in the file names them."""
    definition = node.parent
    container = definition.parent
    if container is not None and container.type == "decorated_definition":
        container = container.parent
    if container is None:
        return []
    names = []
    for child in container.named_children[:MAX_LOOKUPS]:
        if child.type == "decorated_definition":
            child = child.child_by_field_name("definition") or child
        name = child.child_by_field_name("name") if child.type in _DEFINITION_NODES else None
        if name is not None and name.type in _NAME_NODES:
            names.append(name)
    defined = Counter(_text(n) for n in names)
    renamed = [(n, new) for n in names if n != node
               and (new := _renamed_name(_segments(_text(n)), ch, affix=False)) is not None and new not in defined]
    if not renamed:
        return []
    # Renaming a definition alone would leave its uses behind: only those named nowhere else.
    named = Counter(_WORD.findall(text))
    return [Edit(*nb.node(n), new) for n, new in renamed if named[_text(n)] <= defined[_text(n)]]


def _test_body(text: str, root: Node, nb: _Bytes, node: Node, ch: _Change) -> list[Edit]:
    """A test renamed in part (`test_identify` → `test_authenticated_userid`): in its body, the
    names made of the changed segments with their neighbours in the test's old name, or of its
    whole name but the `test` prefix, take the same change."""
    segs = ch.pre + ch.old + ch.suf
    if segs[0].lower() != "test":
        return []
    lead = 1
    while lead < len(segs) and _kind(segs[lead]) == "sep":
        lead += 1
    p, n = len(ch.pre), len(ch.old)
    body = node.parent.child_by_field_name("body") if node.parent.type in _FUNCTION_NODES else None
    if p < lead or body is None:
        return []
    b0, b1 = nb.node(body)
    named = set(_WORD.findall(text, b0, b1))
    edits = []
    for i in range(lead, p + 1):
        for j in range(p + n, len(segs) + 1):
            run = segs[i:j]
            if _kind(run[0]) == "sep" or _kind(run[-1]) == "sep":
                continue
            if not any(_kind(x) == "word" for x in segs[i:p] + segs[p + n:j]) and (i, j) != (lead, len(segs)):
                continue  # the changed word alone may name anything
            old, new = "".join(run), "".join(segs[i:p] + ch.new + segs[p + n:j])
            if old not in named and old[0].isupper() and new:  # `testLoadItems` tests `loadItems`
                old, new = old[0].lower() + old[1:], new[0].lower() + new[1:]
            if old not in named or new in named or not _IDENT.match(new):
                continue
            edits += [Edit(*nb.node(m), new) for at in _occurrences(text, old, b0, b1)
                      if (m := _name_at(root, nb, at, old)) is not None]
    return edits
