"""A rewrite of tokens made again on a sibling: the sibling's names and values mapped to the edited
line's, and the rewrite refused when it would not be the sibling's own.
"""

from __future__ import annotations

import difflib

from atelier.context.next_edit_hunks import Token, _ALIKE_KEYWORDS, _IDENT, _derived, _shape, tokens


def _substitute(span_tokens: list[Token], span_text: str, base: int, mapping: dict[str, str],
                replaced: set[str]) -> str:
    """The text of a rewritten span with the sibling's names in place of the edited line's."""
    out, pos = [], base
    for t in span_tokens:
        out.append(span_text[pos - base:t.start - base])
        piece = t.text
        if t.kind in ("id", "lit") and t.text in mapping:
            piece = mapping[t.text]
        elif t.kind == "id":
            # A new name built from one the edit replaced (`a` → `_a`, `name` → `get_name`).
            for old in sorted((o for o in mapping if o in replaced and _IDENT.match(o) and mapping[o] != o),
                              key=len, reverse=True):
                if _derived(old, t.text):
                    piece = t.text.replace(old, mapping[old])
                    break
            else:
                piece = _recased(t.text, mapping) or piece
        out.append(piece)
        pos = t.end
    out.append(span_text[pos - base:])
    return "".join(out)


def _recased(name: str, mapping: dict[str, str]) -> str | None:
    """The sibling's name for a new name that is one of the edited line's in another case
    (`Tuple` → `List` there, so the `tuple` written beside it is `list`), or None."""
    for old, new in mapping.items():
        if old == name or old.lower() != name.lower() or new == old or not _IDENT.match(old) or not _IDENT.match(new):
            continue
        for case in (str.lower, str.upper, lambda w: w[:1].lower() + w[1:], lambda w: w[:1].upper() + w[1:]):
            if case(old) == name:
                return case(new)
    return None


def _sibling(sib: list[str], O: list[list[Token]], N: list[list[Token]], ops: list[list[tuple]],
             new_lines: list[str], identical: bool) -> list[str] | None:
    """The sibling lines rewritten as the edited ones were, or None when they are not of the
    same shape or the rewrite would not be theirs."""
    S = [tokens(line) for line in sib]
    aligned = _aligned(O, N, S, ops)
    if aligned is None:
        return None
    O, N, S, ops = aligned
    if any(len(s) != len(o) for s, o in zip(S, O)):
        return None
    mapping, changed = _mapped(O, N, S, ops)
    if mapping is None or not identical and not _theirs(O, N, S, ops, mapping):
        return None
    if not identical and changed and all(t.kind == "lit" for t in changed) \
            and all(k == v for k, v in mapping.items() if not k[:1].isdigit() and k[:1] not in "'\"`"):
        return None  # a value changed on a line that differs from its sibling only by values: theirs
    if not identical and any(tag == "insert" and i1 > 0 and o_line[i1 - 1].kind == "id" and n_line[j1].text in _POSTFIX
                             and mapping.get(o_line[i1 - 1].text, o_line[i1 - 1].text) != o_line[i1 - 1].text
                             for o_line, n_line, line_ops in zip(O, N, ops) for tag, i1, _, j1, _ in line_ops):
        return None  # `.slice()` after `mixin.attributeBlocks`: that value's own, not `mixin.name`'s
    out = []
    for line, s_line, o_line, n_line, new_line, line_ops in zip(sib, S, O, N, new_lines, ops):
        if not line_ops:
            out.append(line)
            continue
        # Tokens only put in another order (`a == b` → `b == a`, `(app, req)` → `(req, app)`): a
        # name the rewrite removes in one place it writes in another.
        reordered = sorted(t.text for _, i1, i2, _, _ in line_ops for t in o_line[i1:i2]) \
            == sorted(t.text for _, _, _, j1, j2 in line_ops for t in n_line[j1:j2])
        rewritten = _rewrite(line, s_line, o_line, n_line, new_line, line_ops, mapping, anywhere=reordered)
        if rewritten is None:
            return None
        out.append(rewritten)
    return out


# Values spelt as keywords: lines that differ by one are siblings, as by a number (`recording(False)`,
# `recording(True)`); each keeps its own.
_BOOLEANS = frozenset({"True", "False", "true", "false"})


# What, written right after a name, works on that name's value: a member, a call, an index, type
# arguments, an alias (`except E as e`); a comparison (`x is not None`) is no such thing.
_POSTFIX = frozenset({".", "?.", "(", "[", "<", "as", "!"})


def _else_if(line: list[Token]) -> int:
    """How many tokens open the line before its `if` in a chain (`else if`, `} else if`): 0 when none."""
    texts = [t.text for t in line[:3]]
    if texts[:2] == ["else", "if"]:
        return 1
    return 2 if texts == ["}", "else", "if"] else 0


def _aligned(O: list[list[Token]], N: list[list[Token]], S: list[list[Token]], ops: list[list[tuple]]):
    """The lines' tokens without what opens one branch of an if/else-if chain and not the
    other (`if (a in x) {` is a sibling of `} else if (a in y) {`), the ops moved with them;
    None when the edit changed that opening itself."""
    O, N, S, ops = list(O), list(N), list(S), list(ops)
    for i, (o, s) in enumerate(zip(O, S)):
        po, ps = _else_if(o), _else_if(s)
        if po == ps:
            continue
        if any(op[1] < po or op[3] < po for op in ops[i]):
            return None
        O[i], N[i], S[i] = o[po:], N[i][po:], s[ps:]
        ops[i] = [(tag, i1 - po, i2 - po, j1 - po, j2 - po) for tag, i1, i2, j1, j2 in ops[i]]
    return O, N, S, ops


def _mapped(O: list[list[Token]], N: list[list[Token]], S: list[list[Token]],
            ops: list[list[tuple]]) -> tuple[dict[str, str] | None, list[Token]]:
    """(`_mapping` of the edited lines to the sibling's, the values the edit left alone loose;
    the tokens the edit removed and wrote)."""
    changed = [t for o_line, line_ops in zip(O, ops) for op in line_ops for t in o_line[op[1]:op[2]]] + \
        [t for n_line, line_ops in zip(N, ops) for op in line_ops for t in n_line[op[3]:op[4]]]
    values = {t.text for line in O for t in line if t.kind == "lit"} - {t.text for t in changed}
    return _mapping(O, S, frozenset(values)), changed


def _mapping(O: list[list[Token]], S: list[list[Token]], untouched: frozenset[str] = frozenset()) -> dict[str, str] | None:
    """The edited lines' names and values → the sibling's, when their tokens are alike (one
    to one); None otherwise. A value of `untouched` (one the edit neither removed nor wrote)
    may stand for several of the sibling's (`Buffer([ 1 ])` twice, `Buffer([ 0 ])` and
    `Buffer([ 1 ])` there): it is left out, the sibling keeps its own values."""
    mapping: dict[str, str] = {}
    loose: set[str] = set()
    for o_line, s_line in zip(O, S):
        for o, s in zip(o_line, s_line):
            if _shape(o) != _shape(s) or (o.kind in ("op", "kw") and o.text != s.text
                                          and not {o.text, s.text} <= _ALIKE_KEYWORDS
                                          and not {o.text, s.text} <= _BOOLEANS):
                return None
            if mapping.setdefault(o.text, s.text) != s.text:
                if o.kind != "lit" or o.text not in untouched:
                    return None
                loose.add(o.text)
    for value in loose:
        del mapping[value]
    return mapping if len(set(mapping.values())) == len(mapping) else None


# What puts a fallback after a value (`x or ''`, `x || {}`, `x ?? 0`).
_FALLBACK_OPERATORS = frozenset({"or", "||", "??"})


def _theirs(O: list[list[Token]], N: list[list[Token]], S: list[list[Token]], ops: list[list[tuple]],
            mapping: dict[str, str]) -> bool:
    """Whether the rewrite, made on the sibling, would still be the sibling's: no value of the
    edited line written over the sibling's own, no name the sibling uses for another thing."""
    for o_line, n_line, s_line, line_ops in zip(O, N, S, ops):
        replaced = {t.text for _, i1, i2, _, _ in line_ops for t in o_line[i1:i2] if t.kind == "id"}
        # The line's own names, where the sibling has its own (`target` there `href`).
        own = [k.lower() for k, v in mapping.items() if k != v and k not in replaced and len(k) >= 3 and _IDENT.match(k)]
        for tag, i1, i2, j1, j2 in line_ops:
            written = n_line[j1:j2]
            # (The same name in another case is the sibling's in that case: see `_recased`.)
            if any(t.kind == "id" and t.text not in mapping and _built_from(t.text.lower(), own) for t in written):
                return False  # `target?: string` → `HTMLAttributeAnchorTarget`: a type made for that line's name
            # Values written anew are the edited line's own, unless they replace a value the
            # sibling shares, or spell a token it shares (`x.true` → `x['true']`).
            new_values = [t for t in written if t.kind == "lit" and t.text not in mapping]
            if new_values and tag == "insert" and written[0].text in _FALLBACK_OPERATORS:
                new_values = []  # `x` → `x or ''`, `x || {}`: a fallback for a value, not a value of the line's own
            if new_values:
                pairs = list(zip(o_line[i1:i2], s_line[i1:i2]))
                shared = {o.text for o, s in pairs if o.text == s.text}
                replaced = [(o, s) for o, s in pairs if o.kind == "lit"]
                if tag != "replace" or not (replaced and all(o.text == s.text for o, s in replaced)
                                            or all(t.text[1:-1] in shared for t in new_values)):
                    return False
            for t in written:
                if t.kind == "id" and t.text not in mapping and any(v == t.text and key != v for key, v in mapping.items()):
                    return False
    return True


def _built_from(name: str, parts: list[str]) -> bool:
    """Whether `name` holds one of `parts` and is more than it."""
    return any(part in name and part != name for part in parts)


def _rewrite(line: str, S: list[Token], O: list[Token], N: list[Token], new_line: str,
             ops: list[tuple[str, int, int, int, int]], mapping: dict[str, str], anywhere: bool = False) -> str | None:
    """The sibling line with each of `ops` (O → N) made on its tokens S (those of the whole
    line, or of the part of it the change is in)."""
    pieces, pos = [], 0
    moved = {t.text for _, _, _, j1, j2 in ops for t in N[j1:j2] if t.kind == "id"} if anywhere else set()
    # A name the edit removed in one place but kept in another in the same role (`if (a.close)
    # a.close()` → `a.close()`): the sibling's own name stays where the edited line's does
    # (not `.EventEmitter` dropped beside `const EventEmitter =`: the sibling's module is its own).
    kept = {(N[i - 1].text if i else "", t.text) for i, t in enumerate(N) if t.kind == "id"}
    for tag, i1, i2, j1, j2 in ops:
        # Every name of the sibling that the rewrite removes must reappear in what it writes
        # (here; with `anywhere`, elsewhere in the line too: `key in memo` → `memo.hasOwnProperty(key)`).
        written = N[j1:j2]
        replaced = {o.text for o in O[i1:i2] if o.kind == "id"}  # names a new one may be built from
        for i, (o, s) in enumerate(zip(O[i1:i2], S[i1:i2]), i1):
            if o.text != s.text and not any(o.text == t.text or (o.text in replaced and _derived(o.text, t.text))
                                            for t in written) and o.text not in moved \
                    and (O[i - 1].text if i else "", o.text) not in kept:
                return None
        s_from = S[i1 - 1].end if i1 > 0 else (S[0].start if S else 0)
        s_to = S[i2].start if i2 < len(S) else len(line)
        n_from = N[j1 - 1].end if j1 > 0 else (N[0].start if N else 0)
        n_to = N[j2].start if j2 < len(N) else len(new_line)
        span = new_line[n_from:n_to]
        pieces.append(line[pos:s_from])
        pieces.append(_substitute(list(written), span, n_from, mapping, replaced))
        pos = s_to
    pieces.append(line[pos:])
    return "".join(pieces)


def _reshaped(sib: list[str], O_lines: list[list[Token]], old_block: str, new_lines: list[str] | None) -> list[str] | None:
    """Lines rewritten into more or fewer lines, made again on sibling lines of the same tokens,
    line for line (names and values their own): the user's new lines (`new_lines`, at the
    sibling's indentation), the sibling's names in them; None when the rewrite is not its own."""
    if new_lines is None or [len(tokens(line)) for line in sib] != [len(o) for o in O_lines]:
        return None
    sib_text, new_block = "\n".join(sib), "\n".join(new_lines)
    O, N, S = tokens(old_block), tokens(new_block), tokens(sib_text)
    ops = [op for op in difflib.SequenceMatcher(None, [t.text for t in O], [t.text for t in N], autojunk=False).get_opcodes()
           if op[0] != "equal"]
    old_names = {t.text for t in O}
    if any(t.kind == "id" and t.text not in old_names and n.text == "=" and _opens_statement(new_block, t.start)
           for t, n in zip(N, N[1:])):
        return None  # a name assigned anew (`n = len(data)`): the user's lines have it now
    mapping, _ = _mapped([O], [N], [S], [ops])
    # (What the rewrite of a line refuses, a name of the sibling dropped and not written again, too.)
    if mapping is None or all(k == v for k, v in mapping.items()) or not _theirs([O], [N], [S], [ops], mapping) \
            or _rewrite(sib_text, S, O, N, new_block, ops, mapping) is None:
        return None
    replaced = {t.text for op in ops for t in O[op[1]:op[2]] if t.kind == "id"}
    # (The sibling's own booleans too: `False, layout=False` there where `True, layout=False` here.)
    N = [t._replace(kind="lit") if t.text in _BOOLEANS else t for t in N]
    return _substitute(N, new_block, 0, mapping, replaced).split("\n")


def _opens_statement(text: str, at: int) -> bool:
    """Whether text[at] starts its line's statement (after `const`, `let` or `var`)."""
    return text[text.rfind("\n", 0, at) + 1:at].strip() in ("", "const", "let", "var")
