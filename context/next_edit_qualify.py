"""Qualify: a name given a qualifier where it is used (`wrapper(` → `Utils.wrapper(`, `isNil(1)` →
`R.isNil(1)` in a doc comment's example) or its qualifier dropped (`L.DomUtil.get(…)` →
`DomUtil.get(…)`) → the same at its other uses: the module or namespace it is read from moved.
A call's callee replaced by another (`print(x)` → `self.stdout.write(x)`) → the next calls of
the old one in the same function.
"""

from __future__ import annotations

import re

from tree_sitter import Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_calls import _calls_named
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _occurrences, _places
from atelier.context.next_edit_scope import _binding_function, _defined
from atelier.context.next_edit_tree import (
    _CALL_NODES, _bytes, _callee, _enclosing_function, _host, _name_at, _prose, _role, _string_of,
)

# What a name is read from: `Utils.`, `R.`, `L.DomUtil.` (a deeper chain: the whole of it).
_QUALIFIER = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\.\Z")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")


def propose_qualify(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    if tree is None or bool(last.before) == bool(last.after):
        return None  # a qualifier written or deleted, nothing else
    qualifier = last.after or last.before
    name = _NAME.match(text, last.end)
    if not _QUALIFIER.match(qualifier) or name is None or last.start and re.match(r"[\w$.]", text[last.start - 1]):
        return None  # not at the start of a name read on its own (the middle of `a.b.c`)
    name_text = name.group()
    nb = _bytes(text)
    host = _host(tree, nb, name.start())
    root = tree.root_node
    called = text[name.end():name.end() + 1] == "("
    if _prose(host):  # a doc comment's example: the calls of the name in that comment
        host = _string_of(host)
        lo, hi = nb.node(host)
        if not called:
            return None
        read = last.before + name_text  # as the other places read it (the user's own reads otherwise now)
        olds = [at for at in _occurrences(text, read, lo, hi)
                if text[at - 1:at] != "." and text[at + len(read):at + len(read) + 1] == "("]
    elif last.before:  # `L.DomUtil` → `DomUtil`: wherever the file reads it through `L.`
        # (Not where the file names it: `var DomUtil = L.DomUtil` is what the user now reads.)
        alias = re.compile(rf"(?<![\w$.]){re.escape(name_text)}\s*=\s*\Z")
        olds = [at for at in _occurrences(text, last.before + name_text) if text[at - 1:at] != "."
                and not _prose(_host(tree, nb, at)) and not alias.search(text, text.rfind("\n", 0, at) + 1, at)]
    else:
        root_name = qualifier.split(".")[0]
        if not _defined(text, root, nb, root_name):
            return None  # `Utils` must be a name the file has
        olds = []
        for at in _occurrences(text, name_text):
            node = _name_at(root, nb, at, name_text)
            if at == name.start() or node is None or _role(node) != "name" or text[at - 1:at] == "." \
                    or (text[at + len(name_text):at + len(name_text) + 1] == "(") != called:
                continue
            parent = node.parent
            if parent is not None and parent.child_by_field_name("name") == node:
                continue  # its definition, not a use
            fn = _enclosing_function(node)
            if fn is not None and _binding_function(text, root, nb, fn, {name_text})[0] is not None:
                continue  # a variable of that function, not the module's name
            olds.append(at)
    if not olds or len(olds) > MAX_EDITS:
        return None
    if last.before:
        edits = tuple(Edit(at, at + len(last.before), "") for at in olds)
        title = f"read `{name_text}` without `{qualifier}`"
    else:
        edits = tuple(Edit(at, at, qualifier) for at in olds)
        title = f"read `{name_text}` from `{qualifier[:-1]}`"
    return Proposal("repeat", edits, f"{title} ({_places(len(edits))})")


# A callee written as a name or a chain of names (`print`, `self.stdout.write`).
_CALLEE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\Z")


def propose_callee_swap(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """A call's callee replaced, its arguments left as they were (`print(filepath)` →
    `self.stdout.write(filepath)`): the calls of the old callee below, in the same function."""
    if tree is None or "\n" in last.before + last.after:
        return None
    nb = _bytes(text)
    node = tree.root_node.descendant_for_byte_range(nb.byte(last.start), nb.byte(last.start + len(last.after)))
    while node is not None and node.type not in _CALL_NODES:
        node = node.parent
    callee = _callee(node) if node is not None else None
    if callee is None:
        return None
    c0, c1 = nb.node(callee)
    if not (c0 <= last.start and last.start + len(last.after) <= c1):
        return None  # the arguments changed too
    new = text[c0:c1]
    old = new[:last.start - c0] + last.before + new[last.start + len(last.after) - c0:]
    if not _CALLEE.match(old) or not _CALLEE.match(new) or old == new:
        return None
    fn = _enclosing_function(node)
    if fn is None:
        return None  # a module's calls: each its own
    end = nb.node(fn)[1]
    starts = [nb.index(call.start_byte) for call in _calls_named(text, tree.root_node, nb, old)]
    edits = [Edit(at, at + len(old), new) for at in starts if c1 <= at < end]
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("repeat", tuple(edits), f"call `{new}` for `{old}` ({_places(len(edits))})")
