"""One part of a line rewritten → the same rewrite where the same tokens stand on the lines around
(or farther, where its most distinctive token stands), whatever the rest of those lines.
"""

from __future__ import annotations

import difflib

from tree_sitter import Tree

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit_calls import _parameters_changed
from atelier.context.next_edit_confidence import opens_definition
from atelier.context.next_edit_hunks import (
    LastEdit, MAX_EDITS, Proposal, _DIRECTIVE, _header, _line_span, _lines_at, _near_lines, _numbers_only, _occurrences,
    _places, tokens,
)
from atelier.context.next_edit_repeat import SIBLING_LINES
from atelier.context.next_edit_rewrite import _mapping, _rewrite, _theirs
from atelier.context.next_edit_scope import _locals_of, _same_locals
from atelier.context.next_edit_tree import (
    _bytes, _commented, _directive, _enclosing_function, _host, _in_import, _prose,
)


SPAN_CONTEXT = 2  # tokens on each side of the changed ones that a place must share
MAX_SPAN_TOKENS = 12
# A token this long recognises a place anywhere in the file, not only on the lines around;
# at most this many of its lines are looked at.
MIN_MARK = 4
MAX_FAR_LINES = 200


def propose_span_repeat(text: str, last: LastEdit, tree: Tree | None = None) -> Proposal | None:
    """One part of a line rewritten (`_.indexOf(a, b) < 0` → `!_.contains(a, b)`): the same
    rewrite where the same tokens stand, with a few around them alike (names and values
    the place's own), on the lines around and on the lines that hold its most distinctive
    token, whatever the rest of those lines."""
    if "\n" in last.before or "\n" in last.after:
        return None
    old = last.old_text(text)
    delta = len(last.after) - len(last.before)
    ls, le = _line_span(text, last.start, last.end)
    old_line, new_line = old[ls:le - delta], text[ls:le]
    O, N = tokens(old_line), tokens(new_line)
    if _header(O) or opens_definition(tree, _bytes(text), text, ls):
        return None
    ops = [op for op in difflib.SequenceMatcher(None, [t.text for t in O], [t.text for t in N], autojunk=False).get_opcodes()
           if op[0] != "equal"]
    if not ops:
        return None
    i0, i1 = ops[0][1], ops[-1][2]
    removed = [t for op in ops for t in O[op[1]:op[2]]]
    written = [t for op in ops for t in N[op[3]:op[4]]]
    # The change itself: small, and something of its own to recognise (not a comma).
    # A member read inserted after a name (`Symbol(` → `Symbol.for(`) is recognised by the tokens
    # on each side of it (other insertions, an argument, are the calls' own: next_edit_arguments).
    inserted = not removed and len(ops) == 1 and 0 < i0 < len(O) and written[0].text in (".", "?.") \
        and O[i0 - 1].kind == "id"
    anchor = O[i0 - 1:i0 + 1] if inserted else removed
    if i1 - i0 > MAX_SPAN_TOKENS or _numbers_only(removed, written) or not removed and not inserted \
            or not any(t.kind in ("id", "kw", "lit") or len(t.text) > 1 for t in anchor):
        return None
    nb = _bytes(text)
    host = _host(tree, nb, last.start)
    if _prose(host) or _commented(tree, nb, last) or _directive(host) or _DIRECTIVE.search(last.before + last.after) or _parameters_changed(text, tree, nb, last) is not None \
            or len([t for t in removed if t.kind == "id"]) != len([t for t in written if t.kind == "id"]) and _in_import(tree, nb, last.start):
        return None
    a, b = max(0, i0 - SPAN_CONTEXT), min(len(O), i1 + SPAN_CONTEXT)
    pattern = O[a:b]
    if len(pattern) < 4:
        return None
    # The tokens the user replaced stand as they are, but for the names the rewrite writes again
    # (`key in memo` → `memo.hasOwnProperty(key)`): those are the place's own, and carried over.
    carried = {t.text for t in written if t.kind == "id"}
    fixed = {k for op in ops for k in range(op[1] - a, op[2] - a) if not (O[a + k].kind == "id" and O[a + k].text in carried)} \
        if not inserted else {i0 - 1 - a, i0 - a}
    if not any(pattern[k].kind in ("id", "kw", "lit") or len(pattern[k].text) > 1 for k in fixed):
        return None  # nothing of its own left to recognise the place by (`a.b` → `b(a)`)
    n_pattern = N[a:b + len(N) - len(O)]
    span_ops = [(tag, x1 - a, x2 - a, y1 - a, y2 - a) for tag, x1, x2, y1, y2 in ops]
    changed_names = {t.text for t in removed + written if t.kind == "id"}
    fn = _enclosing_function(host) if tree is not None and changed_names else None
    local = _locals_of(text, tree.root_node, nb, fn, changed_names) if fn is not None else set()
    fn_span = nb.node(fn) if local else None
    seen_functions: dict[int, bool] = {}
    edits: list[Edit] = []
    candidates = _near_lines(text, ls, SIBLING_LINES)
    # Farther away, the lines that hold the change's most distinctive token (a name, a value).
    marks = sorted((t.text for t in (pattern[k] for k in fixed)
                    if t.kind in ("id", "lit") and len(t.text.strip("'\"`")) >= MIN_MARK), key=len, reverse=True)
    if marks:
        near = set(candidates)
        far = {text.rfind("\n", 0, at) + 1 for at in _occurrences(text, marks[0])[:MAX_FAR_LINES]} - near - {ls}
        candidates = sorted(near | far)
    for start in candidates:
        line = _lines_at(text, start, 1)[0]
        if fn_span is not None and not fn_span[0] <= start <= fn_span[1]:
            if not _same_locals(text, tree, nb, start + len(line) - len(line.lstrip()), local, seen_functions):
                continue
        S = tokens(line)
        for p in range(0, len(S) - len(pattern) + 1):
            if i0 == 0 and p != 0 or i1 == len(O) and p + len(pattern) != len(S):
                continue  # the change was at a line's start or end: here too
            sub = S[p:p + len(pattern)]
            if any(sub[k].text != pattern[k].text for k in fixed):
                continue
            mapping = _mapping([pattern], [sub])
            if mapping is None or not _theirs([pattern], [n_pattern], [sub], [span_ops], mapping):
                continue
            if all(o.text == s.text for o, s in zip(pattern, sub)) and line.strip() == old_line.strip():
                break  # the same line: the repeat's
            rewritten = _rewrite(line, sub, pattern, n_pattern, new_line, span_ops, mapping, anywhere=True)
            if rewritten is not None and rewritten != line and (edit := minimal(text, Edit(start, start + len(line), rewritten))):
                edits.append(edit)
            break
        if len(edits) > MAX_EDITS:
            return None
    if not edits:
        return None
    return Proposal("repeat", tuple(edits), f"repeat the edit in {_places(len(edits))}")
