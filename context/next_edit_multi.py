"""Several names renamed in one edit: an edit that replaced two or more names, each by one other
name and nothing else (an import list, a destructuring, a parameter list) renames each of them
→ each name's other occurrences, as a one-name rename would find them.
"""

from __future__ import annotations

import difflib

from tree_sitter import Tree

from atelier.context.next_edit_hunks import (
    LastEdit, MAX_EDITS, Proposal, _NAME_KEYWORDS, _line_span, _places, tokens,
)
from atelier.context.next_edit_rename import rename_pair
from atelier.context.next_edit_tree import _bytes, _name_at, _role

# More names changed at once than this reads as a rewrite, not as renames.
MAX_NAMES = 4


def _renamed_names(text: str, last: LastEdit) -> dict[tuple[str, str], list[int]] | None:
    """{(old, new): where new stands} when the user's hunk, read as tokens of its lines,
    replaced two or more names, each old one always by the same new one (names paired by
    position), and nothing else."""
    old = last.old_text(text)
    ls, le = _line_span(text, last.start, last.end)
    delta = len(last.after) - len(last.before)
    old_tokens, new_tokens = tokens(old[ls:le - delta], ls), tokens(text[ls:le], ls)
    pairs: dict[tuple[str, str], list[int]] = {}
    matcher = difflib.SequenceMatcher(None, [t.text for t in old_tokens], [t.text for t in new_tokens], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace" or i2 - i1 != j2 - j1:
            return None
        for a, b in zip(old_tokens[i1:i2], new_tokens[j1:j2]):
            if not (a.kind == "id" or a.text in _NAME_KEYWORDS) or not (b.kind == "id" or b.text in _NAME_KEYWORDS):
                return None
            pairs.setdefault((a.text, b.text), []).append(b.start)
    olds, news = [p[0] for p in pairs], [p[1] for p in pairs]
    # One to one: a name split into two, or two merged into one, is not a set of renames.
    if not 2 <= len(pairs) <= MAX_NAMES or len(set(olds)) != len(olds) or len(set(news)) != len(news) \
            or set(olds) & set(news):
        return None
    return pairs


def propose_multi_rename(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """Each name the edit renamed: its other occurrences (the one-name rename's scope, roles
    and silences, per name), as one proposal."""
    pairs = _renamed_names(text, last) if tree is not None else None
    if pairs is None:
        return None
    nb, root = _bytes(text), tree.root_node
    # Variables, imports, parameters only: keys and attributes renamed together belong to
    # one object each, which a text search cannot tell apart.
    for (_, new_name), where in pairs.items():
        node = _name_at(root, nb, where[0], new_name)
        if node is None or _role(node) != "name":
            return None
    edits, done = [], []
    for (old_name, new_name), where in pairs.items():
        found = rename_pair(text, old_name, new_name, where, nb, root)
        if found is None:
            continue  # this name has no other use: the others may
        edits += found.edits
        done.append(f"`{old_name}` → `{new_name}`")
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("rename", tuple(edits), f"rename {', '.join(done)} ({_places(len(edits))})")
