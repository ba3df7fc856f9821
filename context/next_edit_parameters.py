"""Parameters: a definition that gained, lost or reordered parameters → the matching change at its
calls in the file, and in the calls of its body that forward all its parameters (in their order,
for a reorder; a dropped one, in the calls that passed it on by name).
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit_calls import (
    _args_of, _calls_of, _delete_items, _insert_item, _keyword, _keyword_in, _list_change, _norm, _param,
    _split_args, _starred,
)
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal, _NAME_KEYWORDS, _places
from atelier.context.next_edit_scope import _bound
from atelier.context.next_edit_tree import (
    _Bytes, _CALL_NODES, _FUNCTION_NODES, _PARAMETER_NODES, _bytes, _enclosing_function, _function_name, _is_method,
    _text,
)


def _forwards(items: list[str], names: list[str]) -> bool:
    """Whether a call's arguments pass every one of `names` on, as themselves (`a`, `a=a`,
    `*args`, `**kw`, `...rest`)."""
    if not names or not all(n in items or f"{n}={n}" in items for n in names):
        return False
    # One name passed as it is (`urlparse(url)`) is a use, not a wrapper's forwarding.
    return len(names) >= 2 or f"{names[0]}={names[0]}" in items or names[0].startswith(("*", "..."))


def propose_parameters(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """A definition's parameters changed: the matching change at the calls."""
    if tree is None:
        return None
    nb = _bytes(text)
    root = tree.root_node
    node = root.descendant_for_byte_range(nb.byte(last.start), nb.byte(last.end))
    params = None
    while node is not None:
        if node.type in _PARAMETER_NODES:
            params = node
            break
        if node.type in _FUNCTION_NODES or node.type in ("block", "statement_block", "class_body", "module", "program"):
            return None
        node = node.parent
    fn = params.parent if params is not None else None
    if fn is None or fn.type not in _FUNCTION_NODES or _function_name(fn) is None:
        return None
    p0, p1 = nb.node(params)
    if text[p0:p0 + 1] != "(" or text[p1 - 1:p1] != ")" or not (p0 < last.start and last.end < p1):
        return None
    delta = len(last.after) - len(last.before)
    old = last.old_text(text)
    inner_new, inner_old = text[p0 + 1:p1 - 1], old[p0 + 1:p1 - 1 - delta]
    if inner_new.strip().startswith(",") or re.search(r",\s*,", inner_new) or \
            inner_new.rstrip().endswith(",") and not inner_old.rstrip().endswith(","):
        return None  # a parameter half written or half deleted (`f(a, )`): wait for it
    new_p = [_param(text[a:b]) for a, b in _split_args(text, p0 + 1, p1 - 1, angles=True)]
    old_p = [_param(old[a:b]) for a, b in _split_args(old, p0 + 1, p1 - 1 - delta, angles=True)]
    if None in new_p or None in old_p:
        return None
    change = _list_change([p[0] for p in old_p], [p[0] for p in new_p])
    if change is None or change[0] == "change":
        return None
    op, k, value = change
    offset = 1 if _is_method(fn) and old_p and old_p[0][0] in _NAME_KEYWORDS else 0
    if k != -1 and k < offset:
        return None
    fname = _text(_function_name(fn))
    own = [p[0] for p in old_p[offset:]]
    # Parameters that a call may pass by position: those before the first `*`.
    stars = [i for i, p in enumerate(own) if p.startswith("*") or p.startswith("...")]
    positional = own[:stars[0]] if stars else own
    python = fn.type in ("function_definition", "lambda")
    edits: list[Edit] = []
    calls = _calls_of(text, root, nb, fn)
    for call in calls:
        found = _args_of(text, nb, call)
        if found is None:
            continue
        b0, b1, spans = found
        items = [_norm(text[a:b]) for a, b in spans]
        if any(_starred(i) for i in items):
            continue
        npos = next((i for i, it in enumerate(items) if _keyword(it) is not None), len(items))
        if any(_keyword(it) is None for it in items[npos:]) or npos > len(positional):
            continue
        if op == "insert":
            added = new_p[k:k + len(value)]
            if any(opt or n.startswith(("*", ".")) for n, opt in added):
                continue  # a default (or `*args`): the calls need nothing
            names = [n for n, _ in added]
            if any(n in items or _keyword_in(items, n) for n in names):
                continue
            if not all(_bound(text, root, nb, call, n) for n in names):
                continue  # no variable of that name where the call stands: nothing sure to pass
            at = k - offset
            keyword_only = at > len(positional) or (stars and at > stars[0])
            if not keyword_only and at <= npos:
                edits.append(_insert_item(text, b0, b1, spans, at, ", ".join(names)))
            elif python:
                last_kw = next((i for i, it in enumerate(items) if it.startswith("**")), len(items))
                edits.append(_insert_item(text, b0, b1, spans, last_kw, ", ".join(f"{n}={n}" for n in names)))
        elif op == "delete":
            gone = set()
            for i in range(k, k + value):
                name, _ = old_p[i]
                if name.startswith(("*", ".")) or name == "/":
                    gone = None
                    break
                kw = next((j for j, it in enumerate(items) if _keyword(it) == name), None)
                if kw is not None:
                    gone.add(kw)
                elif i - offset < npos and name in positional:
                    gone.add(i - offset)
            if gone is None:
                continue
            if gone and stars and npos > len(positional):
                continue
            edits.extend(_delete_items(spans, gone))
        elif op == "reorder":
            perm = value
            if perm[:offset] != list(range(offset)) or npos != len(own) or stars or "\n" in text[b0:b1]:
                continue
            order = [p - offset for p in perm[offset:]]
            edits.append(Edit(spans[0][0], spans[-1][1], ", ".join(text[spans[i][0]:spans[i][1]] for i in order)))
    at_calls = bool(edits)
    edits += _forwarding(text, root, nb, fn, {c.start_byte for c in calls}, old_p, new_p, offset, op, k, value)
    edits = [e for e in (minimal(text, e) for e in edits) if e is not None]
    if not edits or len(edits) > MAX_EDITS:
        return None
    where = f"the calls of `{fname}`" if at_calls else f"the calls `{fname}` passes its parameters to"
    if op == "insert":
        title = f"pass `{', '.join(n for n, _ in new_p[k:k + len(value)])}` at {where}"
    elif op == "delete":
        title = f"drop `{', '.join(n for n, _ in old_p[k:k + value])}` from {where}"
    else:
        title = f"reorder the arguments at {where}"
    return Proposal("arguments", tuple(edits), f"{title} ({_places(len(edits))})")


def _forwarding(text: str, root: Node, nb: _Bytes, fn: Node, own_calls: set[int], old_p: list, new_p: list,
                offset: int, op: str, k: int, value) -> list[Edit]:
    """The calls in the function's body that pass all its parameters on (a wrapper): the new
    parameter is passed on too, a removed one no longer, reordered ones in their new order
    (where the call passes them all in the order received)."""
    body = fn.child_by_field_name("body")
    if body is None or op not in ("insert", "delete", "reorder"):
        return []
    names = [p[0] for p in old_p[offset:] if p[0] not in ("*", "/")]
    if not names:
        return []
    reordered = [p[0] for p in new_p[offset:]] if op == "reorder" else []
    if op == "reorder" and (len(names) < 2 or len(reordered) != len(names) or value[:offset] != list(range(offset))
                            or any(n.startswith(("*", ".")) for n in names)):
        return []
    b0, b1 = nb.node(body)
    out: list[Edit] = []
    seen = 0
    for m in re.finditer(r"\(", text[b0:b1]):
        at = b0 + m.start()
        node = root.descendant_for_byte_range(nb.byte(at), nb.byte(at + 1))
        args = node.parent if node is not None else None
        call = args.parent if args is not None else None
        if call is None or call.type not in _CALL_NODES or call.child_by_field_name("arguments") != args \
                or _enclosing_function(call) != fn or call.start_byte in own_calls:
            continue
        seen += 1
        if seen > MAX_EDITS:
            break
        found = _args_of(text, nb, call)
        if found is None:
            continue
        a0, a1, spans = found
        items = [_norm(text[a:b]) for a, b in spans]
        if op == "reorder":
            # Passed on in the order received, all of them (a wrapper): in the new order too.
            if items == names:
                out.append(Edit(spans[0][0], spans[-1][1], ", ".join(reordered)))
            continue
        if not _forwards(items, names) and op == "delete":
            # A parameter dropped that a call passed on by name (`eval_token(t, use_decimal=use_decimal)`):
            # that argument goes too, the name no longer exists here.
            gone = {i for i, it in enumerate(items) for name, _ in old_p[k:k + value] if it == f"{name}={name}"}
            out.extend(_delete_items(spans, gone) if gone else [])
            continue
        if not _forwards(items, names):
            # `**kwargs` added last goes on where a call passes the parameter before it last
            # (`_load(value, data)` → `_load(value, data, **kwargs)`; a plain name would be a guess).
            if op == "insert" and k + len(value) == len(new_p) and k > offset and items \
                    and items[-1] == new_p[k - 1][0] and all(n.startswith("**") for n, _ in new_p[k:]):
                out.append(_insert_item(text, a0, a1, spans, len(spans), ", ".join(n for n, _ in new_p[k:])))
            continue
        if op == "insert":
            for j, (name, optional) in enumerate(new_p[k:k + len(value)]):
                if name in items or f"{name}={name}" in items or name in ("*", "/"):
                    continue
                if name.startswith("**"):
                    out.append(_insert_item(text, a0, a1, spans, len(spans), name))
                elif name.startswith(("*", "...")):
                    first_kw = next((i for i, it in enumerate(items) if _keyword(it) is not None or it.startswith("**")), len(items))
                    out.append(_insert_item(text, a0, a1, spans, first_kw, name))
                else:
                    # Next to the parameter before it, as that one is passed (`a` or `a=a`).
                    prev = new_p[k + j - 1][0] if k + j - 1 >= offset else None
                    if prev is not None and f"{prev}={prev}" in items:
                        out.append(_insert_item(text, a0, a1, spans, items.index(f"{prev}={prev}") + 1, f"{name}={name}"))
                    elif prev is not None and prev in items and not prev.startswith("*") and all(
                            _keyword(it) is not None or _starred(it) for it in items[items.index(prev) + 1:]):
                        # Only where no positional argument follows: it would shift them. One with a
                        # default is passed by name: the callee's order past the shared ones is its own.
                        out.append(_insert_item(text, a0, a1, spans, items.index(prev) + 1,
                                                f"{name}={name}" if optional else name))
        else:
            gone = {i for i, it in enumerate(items)
                    for name, _ in old_p[k:k + value] if it == name or it == f"{name}={name}"}
            out.extend(_delete_items(spans, gone))
    return out
