"""The same text change again where the same distinctive text stands in the same surroundings;
a parameter's default or type changed → the same parameter, written the same, in the other definitions.
"""

from __future__ import annotations

import difflib
import re

from tree_sitter import Tree

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit_calls import _parameters_changed
from atelier.context.next_edit_confidence import (
    for_another_function, function_words, names_anew, owner, reworded,
)
from atelier.context.next_edit_hunks import (
    LastEdit, MAX_EDITS, Proposal, _annotates, _header, _line_span, _nonspace, _numbers_only, _places,
    _sets_state, _shape, tokens,
)
from atelier.context.next_edit_rename import _renamed
from atelier.context.next_edit_scope import _binding_function, _binds, _defined, _same_locals
from atelier.context.next_edit_tree import (
    _Bytes, _CALL_NODES, _FUNCTION_NODES, _bytes, _callee, _commented, _directive, _enclosing_function, _host,
    _in_import, _in_type, _name_at, _parameter_at, _parameter_typed, _parameters_of, _prose, _role, _text,
)


# Non-space characters that make a piece of text distinctive enough to repeat a change on.
MIN_CONTEXT = 12


def propose_same_change(text: str, last: LastEdit, tree: Tree | None = None) -> Proposal | None:
    """The user's change made again where the same text stands in the same surroundings
    (whole tokens on each side, enough of them to be distinctive)."""
    if "\n" in last.before or "\n" in last.after:
        return None
    old = last.old_text(text)
    end0 = last.start + len(last.before)
    ls, le = _line_span(old, last.start, end0)
    line_tokens = tokens(old[ls:le], ls)
    if line_tokens and _header(line_tokens):
        return _same_parameter_change(text, last, tree)
    if not line_tokens:
        return None
    # Cut inside a token: the context starts and ends at whole tokens.
    start = min([t.start for t in line_tokens if t.start < last.start < t.end] + [last.start])
    end = max([t.end for t in line_tokens if t.start < end0 < t.end] + [end0])
    # Or a token the edit makes (`3` → `3.5`): a number is read whole, before and after.
    new_tokens = [t for t in tokens(old[ls:last.start] + last.after + old[end0:le], ls) if _shape(t) == "num"]
    start = min([t.start for t in new_tokens if t.start < last.start < t.end] + [start])
    new_end = last.start + len(last.after)
    end = max([t.end - new_end + end0 for t in new_tokens if t.start < new_end < t.end] + [end])
    covered_old = tokens(old[start:end])
    covered_new = tokens(old[start:last.start] + last.after + old[end0:end])
    if [t.text for t in covered_old] == [t.text for t in covered_new]:
        return None  # only spacing changed
    ops = difflib.SequenceMatcher(None, [t.text for t in covered_old], [t.text for t in covered_new], autojunk=False).get_opcodes()
    gone = [t for op in ops if op[0] != "equal" for t in covered_old[op[1]:op[2]]]
    put = [t for op in ops if op[0] != "equal" for t in covered_new[op[3]:op[4]]]
    if _numbers_only(gone, put):
        return None
    if len(gone) == len(put) == 1 and _shape(gone[0]) == _shape(put[0]) == "str" \
            and text.count(put[0].text) > 1:
        return None  # one value switched for another already in use: the others keep theirs
    nb = _bytes(text)
    if not gone and names_anew(tree, nb, text, put, start):
        return None
    if tree is not None and any(t.kind == "id" and t.text not in {g.text for g in gone} and
                                (n := _name_at(tree.root_node, nb, start + t.start, t.text)) is not None and _binds(n)
                                for t in put):
        return None  # a variable declared under a new name: the others are other variables
    if len([t for t in gone if t.kind == "id"]) != len([t for t in put if t.kind == "id"]) \
            and _in_import(tree, nb, last.start):
        return None
    if _annotates(old, last):
        return None  # a variable's annotation is written once, not at each assignment
    if tree is not None:
        if _directive(_host(tree, nb, last.start)):
            return None  # `# type: ignore[code]`: each line's own
        if _parameters_changed(text, tree, nb, last) is not None:
            return None  # one definition's parameters: the others have their own (identical lines are the repeat's)
        renamed = _renamed(text, last)
        if renamed is not None and _defined(text, tree.root_node, nb, renamed[0]) and any(
                (n := _name_at(tree.root_node, nb, w, renamed[1])) is not None and _role(n) == "name" for w in renamed[2]):
            return None  # one variable switched for another: the other uses are the switch's to judge
    callee = _callee_around(tree, nb, last.start) if any(t.text == "," for t in gone + put) else None
    in_prose = tree is not None and _prose(_host(tree, nb, last.start))
    # Prose whose words were rewritten: only in the documentation of the same definition.
    prose_owner = owner(tree, nb, last.start) if tree is not None and reworded(old[ls:le], text[ls:le + len(last.after) - len(last.before)]) \
        and (in_prose or _commented(tree, nb, last)) else False
    # A variable of this function changed: the same text in another function names another
    # variable, unless that function has the same variables (as for the repeat).
    changed_names = {t.text for t in gone + put if t.kind == "id"}
    fn = _enclosing_function(_host(tree, nb, last.start)) if tree is not None and changed_names else None
    fn, local = _binding_function(text, tree.root_node, nb, fn, changed_names) if fn is not None else (None, set())
    fn_span = nb.node(fn) if local else None
    seen_functions: dict[int, bool] = {}
    param = _parameter_typed(tree, nb, last.start) if tree is not None else None
    state = tree is not None and _sets_state(old, last)
    state_fn = _enclosing_function(_host(tree, nb, last.start)) if state else None
    named_for = function_words(_host(tree, nb, last.start), put, old[ls:le]) if tree is not None else set()
    left = [t for t in line_tokens if t.end <= start]
    right = [t for t in line_tokens if t.start >= end]
    between = start == end  # an insertion between two tokens
    long_literal = len(covered_old) == 1 and covered_old[0].kind == "lit"
    pairs = sorted(((a, b) for a in range(min(6, len(left)) + 1) for b in range(min(6, len(right)) + 1) if a + b <= 6),
                   key=lambda p: (p[0] + p[1], abs(p[0] - p[1])))
    for n_left, n_right in pairs:
        if n_left + n_right == 0 and not long_literal:
            continue
        if between and (n_left == 0 and left or n_right == 0 and right):
            continue
        a = left[-n_left].start if n_left else start
        b = right[n_right - 1].end if n_right else end
        context = old[a:b]
        if _nonspace(context) < MIN_CONTEXT:
            continue
        replacement = old[a:last.start] + last.after + old[end0:b]
        # In the same kind of place (not a call's arguments for a parameter list's …).
        # A parameter list's change is for parameter lists, a call's for calls (a type is a type).
        where = _parameters_of(tree, nb, a if n_left else last.start) is not None if tree is not None else False
        keep = None if tree is None or _in_type(_host(tree, nb, last.start)) else \
            (lambda at: (_parameters_of(tree, nb, at) is not None) == where)
        if param is not None:  # a parameter's type or default: not another parameter's (`version` for `expires_days`)
            keep = (lambda at, a=a, ok=keep: (ok is None or ok(at)) and _same_parameter(_parameter_typed(tree, nb, at + last.start - a), param))
        if keep is not None and callee is not None:  # an argument added or dropped: the same function's calls
            keep = (lambda at, a=a, where_ok=keep: where_ok(at) and _callee_around(tree, nb, at + last.start - a) == callee)
        if prose_owner is not False:
            keep = (lambda at, a=a, ok=keep: (ok is None or ok(at)) and owner(tree, nb, at + last.start - a) == prose_owner)
        if tree is not None:  # prose (a comment, a docstring) for prose, code for code
            keep = (lambda at, a=a, ok=keep: (ok is None or ok(at)) and _prose(_host(tree, nb, at + last.start - a)) == in_prose)
        if state:  # the attribute's value set elsewhere: at another time, in another method
            keep = (lambda at, a=a, ok=keep: (ok is None or ok(at))
                    and _enclosing_function(_host(tree, nb, at + last.start - a)) == state_fn)
        if fn_span is not None:
            keep = (lambda at, a=a, ok=keep: (ok is None or ok(at)) and (
                fn_span[0] <= at <= fn_span[1] or _same_locals(text, tree, nb, at + last.start - a, local, seen_functions)))
        if named_for:  # a name written from its function's name: not into a function named otherwise
            keep = (lambda at, a=a, ok=keep: (ok is None or ok(at))
                    and not for_another_function(named_for, tree, nb, at + last.start - a))
        edits = _same_places(text, last, context, replacement, at_line_start=not n_left and not left,
                             at_line_end=not n_right and not right, keep=keep)
        if edits:
            return Proposal("repeat", tuple(edits), f"make the same change in {_places(len(edits))}")
    return None


def _same_parameter_change(text: str, last: LastEdit, tree: Tree | None) -> Proposal | None:
    """A parameter's default or type changed in a definition (`params=()` → `params=None`,
    `timeout: int` → `timeout: Number`) → the parameter of the same name, written the same,
    in the other definitions: one convention for one parameter (a mutable default fixed, a type
    widened). The rest of a signature says nothing about the neighbours' (see `_header`)."""
    if tree is None:
        return None
    nb = _bytes(text)
    name = _parameter_typed(tree, nb, last.start)
    if name is None or _parameters_changed(text, tree, nb, last) is not None:
        return None
    node = _parameter_at(tree, nb, last.start)
    if node is None:
        return None
    s, e = nb.node(node)
    if not (s <= last.start and last.start + len(last.after) <= e):
        return None
    new = text[s:e]
    old = new[:last.start - s] + last.before + new[last.start - s + len(last.after):]
    if "\n" in old or "\n" in new or not old.startswith(name):
        return None
    keep = lambda at: _parameter_typed(tree, nb, at + len(name) + 1) == name \
        and _parameter_typed(tree, nb, at + len(old) - 1) == name
    edits = _same_places(text, last, old, new, at_line_start=False, at_line_end=False, keep=keep)
    if edits:
        return Proposal("repeat", tuple(edits), f"make the same change in {_places(len(edits))}")
    return None


def _same_parameter(name: str | None, param: str) -> bool:
    """Whether a place in parameter `name` (None: in no parameter) may take a change made in
    parameter `param`'s type or default: `ignoreExpr` is `ignore_expr` spelt otherwise."""
    return name is None or name.replace("_", "").lower() == param.replace("_", "").lower()


def _same_places(text: str, last: LastEdit, context: str, replacement: str, at_line_start: bool,
                 at_line_end: bool, keep=None) -> list[Edit]:
    edits: list[Edit] = []
    word_start = re.match(r"[\w$]", context) is not None
    word_end = re.match(r"[\w$]", context[-1:]) is not None
    at = text.find(context)
    while at != -1:
        stop = at + len(context)
        ok = not (stop >= last.start and last.end >= at)
        if ok and word_start and at > 0 and re.match(r"[\w$]", text[at - 1]):
            ok = False
        if ok and word_end and re.match(r"[\w$]", text[stop:stop + 1]):
            ok = False
        if ok and at_line_start and text[text.rfind("\n", 0, at) + 1:at].strip():
            ok = False
        if ok and at_line_end:
            line_end = text.find("\n", stop)
            ok = not text[stop:len(text) if line_end == -1 else line_end].strip()
        # Already changed here: the replacement stands where the context was found.
        if ok and (text.startswith(replacement, at)
                   or stop >= len(replacement) and text.startswith(replacement, stop - len(replacement))):
            ok = False
        if ok and keep is not None and not keep(at):
            ok = False
        if ok and (edit := minimal(text, Edit(at, stop, replacement))) is not None:
            edits.append(edit)
            if len(edits) > MAX_EDITS:
                return []
        at = text.find(context, at + 1)
    return edits


def _callee_around(tree: Tree | None, nb: _Bytes, index: int) -> str | None:
    """The callee, as written, of the call whose arguments hold text[index]; None when none."""
    node = _host(tree, nb, index)
    while node is not None and node.type not in _FUNCTION_NODES and not node.type.endswith(("statement", "block")):
        if node.type in _CALL_NODES:
            args = node.child_by_field_name("arguments")
            if args is not None and args.start_byte < nb.byte(index) < args.end_byte:
                return _text(_callee(node))
        node = node.parent
    return None
