"""Several names renamed in one edit: an edit that replaced two or more names, each by one other
name and nothing else (an import list, a destructuring, a parameter list) renames each of them
→ each name's other occurrences, as a one-name rename would find them.
"""

from __future__ import annotations

from tree_sitter import Tree

from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _places
from atelier.context.next_edit_rename import rename_pair, renamed_names
from atelier.context.next_edit_tree import _bytes, _name_at, _role

# More names changed at once than this reads as a rewrite, not as renames.
MAX_NAMES = 4


def _renamed_names(text: str, last: LastEdit) -> dict[tuple[str, str], list[int]] | None:
    """{(old, new): where new stands} when the user's hunk replaced two or more names and
    nothing else, each old one always by the same new one."""
    pairs = renamed_names(text, last)
    if pairs is None:
        return None
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
