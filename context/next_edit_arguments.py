"""Arguments: a call that gained, lost, reordered or changed an argument → the same change at the
other calls of that function in the file (the same callee, the same old arguments; laid out as
the user laid theirs out anew where they were laid out alike).
"""

from __future__ import annotations

from tree_sitter import Tree

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit_calls import (
    MAX_ARGS_CHARS, _args_of, _calls_named, _delete_items, _insert_item, _keyword, _list_change, _norm, _split_args,
)
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _places, tokens
from atelier.context.next_edit_scope import _binding_function, _same_locals
from atelier.context.next_edit_signature import definition_taking
from atelier.context.next_edit_tree import _CALL_NODES, _FUNCTION_NODES, _bytes, _callee, _enclosing_function, _text


# An argument added at one call goes to at most this many others: a function called all over
# the file (`it(...)`, `render(...)`) is given it where the user chooses, call by call.
MAX_INSERTS = 8


def propose_arguments(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    if tree is None:
        return None
    nb = _bytes(text)
    delta = len(last.after) - len(last.before)
    root = tree.root_node
    node = root.descendant_for_byte_range(nb.byte(last.start), nb.byte(last.end))
    call = None
    while node is not None:
        if node.type in _CALL_NODES:
            args = node.child_by_field_name("arguments")
            if args is not None:
                a0, a1 = nb.node(args)
                if a0 <= last.start and last.end <= a1:
                    call = node
                    break
        if node.type in _FUNCTION_NODES or node.type.endswith(("statement", "block", "definition", "declaration")):
            return None  # inside a function or a statement that is itself an argument: not the call's
        node = node.parent
    if call is None or call.child_by_field_name("arguments").end_byte - call.child_by_field_name("arguments").start_byte > MAX_ARGS_CHARS:
        return None
    callee = _callee(call)
    if callee is None or callee.text is None:
        return None
    callee_text = _text(callee)
    args = call.child_by_field_name("arguments")
    if any(c.type == "comment" for c in args.children):
        return None  # arguments are compared and written on one line: a comment would swallow the rest
    a0, a1 = nb.node(args)
    old = last.old_text(text)
    new_spans, old_spans = _split_args(text, a0 + 1, a1 - 1), _split_args(old, a0 + 1, a1 - 1 - delta)
    new_items = [_norm(text[a:b]) for a, b in new_spans]
    old_items = [_norm(old[a:b]) for a, b in old_spans]
    change = _list_change(old_items, new_items)
    if change is None:
        return None
    op, k, value = change
    if op == "change" and (tokens(str(value)) and all(t.kind == "lit" for t in tokens(str(value)))
                           or all(t.kind == "lit" for t in tokens(old_items[k]))):
        return None  # a value changed at one call: the others have their own reasons
    # An argument naming a variable of this function: only calls in functions that have it too.
    written = {t.text for v in ([value] if op == "change" else value if op == "insert" else []) for t in tokens(str(v))
               if t.kind == "id"}
    fn = _enclosing_function(call) if written else None
    local: set[str] | None = None  # looked up at the first call elsewhere that would change
    seen_functions: dict[int, bool] = {}
    edits = []
    old_raw = old[a0:a1 - delta]
    old_layout, new_layout = _separators(old, a0, a1 - delta, old_spans), _separators(text, a0, a1, new_spans)
    for other in _calls_named(text, root, nb, callee_text):
        if other == call:
            continue
        args = other.child_by_field_name("arguments")
        if args is None or args.end_byte - args.start_byte > MAX_ARGS_CHARS:
            continue  # a call with a whole object or function in it: not one to rewrite
        found = _args_of(text, nb, other)
        if found is None:
            continue
        b0, b1, spans = found
        items = [_norm(text[a:b]) for a, b in spans]
        if len(items) != len(old_items):
            continue
        edit: Edit | None = None
        if op == "insert":
            kws = [kw for v in value if (kw := _keyword(v)) is not None]
            if any(_keyword(i) in kws for i in items):
                continue
            edit = _insert_item(text, b0, b1, spans, k, ", ".join(value))
        elif op == "delete":
            if any(items[i] != old_items[i] and not (len(items) > 1 and _is_positional_like(items, old_items, i))
                   for i in range(k, k + value)):
                continue
            dels = _delete_items(spans, set(range(k, k + value)))
            edit = dels[0] if len(dels) == 1 else None
        elif op == "change":
            if items[k] != old_items[k]:
                continue
            # The argument written the same way as the user's was (an object over lines): the
            # user's own text, line breaks and all; else on one line.
            laid_out = text[spans[k][0]:spans[k][1]] == old[old_spans[k][0]:old_spans[k][1]] \
                and _indent(text, spans[k][0]) == _indent(text, new_spans[k][0])
            edit = Edit(spans[k][0], spans[k][1], text[new_spans[k][0]:new_spans[k][1]] if laid_out else str(value))
        elif op == "reorder":
            perm = value
            if "\n" in text[b0:b1]:
                continue
            edit = Edit(spans[0][0], spans[-1][1], ", ".join(text[spans[i][0]:spans[i][1]] for i in perm))
        if edit is not None and text[b0:b1] == old_raw and _indent(text, b0) == _indent(text, a0):
            # The same call, written the same way: the user's own text, line breaks and all.
            edit = Edit(b0, b1, text[a0:a1])
        elif edit is not None and op == "insert" and _indent(text, b0) == _indent(text, a0) \
                and _separators(text, b0, b1, spans) == old_layout != new_layout:
            # Laid out as the user's call was, the user laying theirs out anew (one argument a
            # line, a trailing comma): the same layout, with this call's own arguments.
            edit = Edit(b0, b1, _relaid(text, a0, a1, new_spans, [text[a:b] for a, b in spans], k, len(value)))
        if edit is not None and fn is not None and local is None:
            fn, local = _binding_function(text, root, nb, fn, written)
        if edit is not None and fn is not None and not fn.start_byte <= other.start_byte < fn.end_byte:
            if local and not _same_locals(text, tree, nb, nb.index(other.start_byte), local, seen_functions):
                continue
        if edit is not None and (edit := minimal(text, edit)) is not None:
            edits.append(edit)
    # The function defined here taking no more than the call passed before: it takes the new one too.
    definition = definition_taking(text, root, nb, callee, value, k, len(old_items)) if op == "insert" else None
    if definition is not None:
        edits.append(definition)
    if not edits or len(edits) > MAX_EDITS or op == "insert" and len(edits) > MAX_INSERTS:
        return None
    shown = ", ".join(value) if op == "insert" else value
    what = {"insert": "add `{v}` to", "delete": "remove argument {n} from", "change": "`{v}` in",
            "reorder": "reorder the arguments of"}[op].format(v=shown, n=k + 1)
    whom = f"the other calls of `{callee_text}`" + (" and its definition" if definition is not None else "")
    return Proposal("arguments", tuple(edits), f"{what} {whom} ({_places(len(edits))})")


def _is_positional_like(items: list[str], old_items: list[str], k: int) -> bool:
    """A deleted argument may differ between calls when it is the same keyword."""
    kw = _keyword(old_items[k])
    return kw is not None and _keyword(items[k]) == kw


def _indent(text: str, at: int) -> str:
    """The indentation of the line holding text[at]."""
    ls = text.rfind("\n", 0, at) + 1
    line = text[ls:at]
    return line[:len(line) - len(line.lstrip())]


def _separators(text: str, b0: int, b1: int, spans: list[tuple[int, int]]) -> list[str]:
    """What stands between a call's parentheses and its arguments: its layout."""
    if not spans:
        return [text[b0 + 1:b1 - 1]]
    return [text[b0 + 1:spans[0][0]]] + [text[spans[i][1]:spans[i + 1][0]] for i in range(len(spans) - 1)] \
        + [text[spans[-1][1]:b1 - 1]]


def _relaid(text: str, a0: int, a1: int, new_spans: list[tuple[int, int]], theirs: list[str], k: int, n: int) -> str:
    """The user's new arguments (text[a0:a1]) with another call's own in place of the old ones
    (`theirs`), the n inserted at k kept: that call's arguments in the user's new layout."""
    out, pos = [], a0
    for i, (a, b) in enumerate(new_spans):
        out.append(text[pos:a])
        out.append(text[a:b] if k <= i < k + n else theirs[i if i < k else i - n])
        pos = b
    out.append(text[pos:a1])
    return "".join(out)
