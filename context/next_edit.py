"""Next-edit prediction without a model: the edits that follow mechanically from the user's
last one (propagation), and the filters every candidate passes, from the model's too.

- rename: one occurrence of an identifier replaced by another name → the other occurrences in
  its scope (the function that binds it, else the file), of the same role (plain name,
  attribute, keyword);
- arguments: a call that gained, lost, reordered or changed one argument → the same change at
  the other calls of that function in the file (the same callee, the same old arguments);
- repeat: one of several lines of the same shape rewritten → the same rewrite on its
  siblings, their own names substituted.

Each stays silent when unsure: the new name was already in use, a sibling's own information
would be lost, nothing else matches. Offsets are Python indices into the document's current
text; no LSP types here.
"""

from __future__ import annotations

import difflib
import re
from typing import NamedTuple

import msgspec
from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.languages import make_parser
from atelier.context.syntax import error_count

# Lines around the edited line searched for siblings of a rewritten line.
SIBLING_LINES = 40
MAX_EDITS = 200

_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except finally for from "
    "global if import in is lambda nonlocal not or pass raise return try while with yield match case self cls "
    "const let var function new this typeof instanceof void delete throw catch switch default do export extends "
    "static super null undefined true false of get set yield interface type enum implements public private "
    "protected readonly abstract declare namespace module require".split())
_TOKEN = re.compile(
    r"""(?P<id>[A-Za-z_$][\w$]*)|(?P<lit>\d[\w.]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(?P<op>\S)""")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*\Z")
_NAME_NODES = frozenset({"identifier", "property_identifier", "shorthand_property_identifier", "type_identifier",
                         "field_identifier", "shorthand_property_identifier_pattern", "private_property_identifier"})
_FUNCTION_NODES = frozenset({"function_definition", "lambda", "function_declaration", "function_expression",
                             "arrow_function", "method_definition", "function", "generator_function_declaration",
                             "generator_function", "method_declaration", "function_item"})
_DEFINITION_NODES = frozenset({"function_definition", "class_definition", "function_declaration", "class_declaration",
                               "method_definition", "generator_function_declaration"})
_CALL_NODES = frozenset({"call", "call_expression", "new_expression", "method_invocation"})
_PARAMETER_NODES = frozenset({"parameters", "formal_parameters", "lambda_parameters"})


class Token(NamedTuple):
    kind: str  # "id" (a name, not a keyword), "kw", "lit", "op"
    text: str
    start: int
    end: int


def tokens(text: str, offset: int = 0) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "op"
        if kind == "id" and m.group() in _KEYWORDS:
            kind = "kw"
        out.append(Token(kind, m.group(), m.start() + offset, m.end() + offset))
    return out


class Proposal(msgspec.Struct, frozen=True):
    """A next edit: one or more edits of the current document (best first), and edits of
    other open documents (a rename reaching the files that import this one)."""

    kind: str  # "rename" | "arguments" | "repeat" | "model"
    edits: tuple[Edit, ...]
    title: str
    source: str = "propagation"  # or "model"
    elsewhere: tuple[tuple[str, Edit], ...] = ()  # (uri, edit) in other documents


class LastEdit(NamedTuple):
    """The user's last hunk: `before` replaced by what now lies at text[start:start+after_len]."""

    start: int
    before: str
    after: str

    @property
    def end(self) -> int:
        return self.start + len(self.after)

    def old_text(self, text: str) -> str:
        return text[:self.start] + self.before + text[self.end:]


# -- helpers --------------------------------------------------------------------------------

def _line_span(text: str, start: int, end: int) -> tuple[int, int]:
    """[first line start, last line end) of the lines holding text[start:end]."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    return ls, len(text) if le == -1 else le


def _byte(text: str, index: int) -> int:
    return len(text[:index].encode()) if not text.isascii() else index


class _Bytes:
    """Python indices of tree-sitter byte offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self._raw = None if self.ascii else text.encode()

    def index(self, byte: int) -> int:
        return byte if self.ascii else len(self._raw[:byte].decode(errors="replace"))

    def node(self, node: Node) -> tuple[int, int]:
        return self.index(node.start_byte), self.index(node.end_byte)


def _walk(node: Node):
    cursor = node.walk()
    visited = False
    while True:
        if not visited:
            yield cursor.node
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited = False
            continue
        if not cursor.goto_parent():
            return
        visited = True


def _role(node: Node) -> str:
    parent = node.parent
    if parent is None:
        return "name"
    if parent.type == "attribute" and parent.child_by_field_name("attribute") == node:
        return "member"
    if node.type in ("property_identifier", "field_identifier", "private_property_identifier"):
        return "member"
    if parent.type == "keyword_argument" and parent.child_by_field_name("name") == node:
        return "keyword"
    return "name"


def _enclosing_function(node: Node | None) -> Node | None:
    while node is not None:
        if node.type in _FUNCTION_NODES:
            return node
        node = node.parent
    return None


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def parse(language: str | None, text: str) -> Tree | None:
    parser = make_parser(language)
    return parser.parse(text.encode()) if parser is not None else None


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        text = e.apply(text)
    return text


def minimal(text: str, edit: Edit) -> Edit | None:
    """`edit` trimmed of what it leaves as it is; None when it changes nothing."""
    old = text[edit.start:edit.end]
    new = edit.new_text
    if old == new:
        return None
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    return Edit(edit.start + p, edit.end - s, new[p:len(new) - s])


# -- rename ---------------------------------------------------------------------------------

def _renamed(text: str, last: LastEdit) -> tuple[str, str, list[int]] | None:
    """(old name, new name, where the new name now stands) when the user's hunk, read as
    tokens of its lines, replaced one name by another and nothing else."""
    old = last.old_text(text)
    ls, le = _line_span(text, last.start, last.end)
    delta = len(last.after) - len(last.before)
    old_tokens, new_tokens = tokens(old[ls:le - delta], ls), tokens(text[ls:le], ls)
    pair, where = None, []
    matcher = difflib.SequenceMatcher(None, [t.text for t in old_tokens], [t.text for t in new_tokens], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace" or i2 - i1 != j2 - j1:
            return None
        for a, b in zip(old_tokens[i1:i2], new_tokens[j1:j2]):
            if a.kind != "id" or b.kind != "id" or (pair is not None and pair != (a.text, b.text)):
                return None
            pair = (a.text, b.text)
            where.append(b.start)
    return (pair[0], pair[1], where) if pair else None


def propose_rename(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    found = _renamed(text, last)
    if found is None or tree is None:
        return None
    old_name, new_name, where = found
    nb = _Bytes(text)
    root = tree.root_node
    edited = [root.descendant_for_byte_range(_byte(text, w), _byte(text, w + len(new_name))) for w in where]
    edited = [n for n in edited if n is not None and n.type in _NAME_NODES]
    if not edited:
        return None
    node = edited[0]
    role = _role(node)
    names = [n for n in _walk(root) if n.type in _NAME_NODES and n.text is not None]
    olds = [n for n in names if n.text.decode(errors="replace") == old_name and _role(n) == role]
    if not olds:
        return None
    scope = root
    fn = _enclosing_function(node)
    parent = node.parent
    is_definition = parent is not None and parent.type in _DEFINITION_NODES and parent.child_by_field_name("name") == node
    if fn is not None and not is_definition and role == "name":
        params = fn.child_by_field_name("parameters")
        in_params = params is not None and _inside(node, params)
        inside = [n for n in olds if _inside(n, fn)]
        bound = in_params or (params is not None and any(_inside(n, params) for n in olds)) \
            or _binds(node) or any(_binds(n) for n in inside)
        if bound or (inside and len(inside) == len(olds)):
            scope = fn
        elif inside and not bound:
            scope = root
    targets = [n for n in olds if _inside(n, scope)]
    # A name that was already in use here: replacing one use is not a rename.
    old = last.old_text(text)
    s0, s1 = nb.node(scope)
    region = old[s0:s1 - (len(last.after) - len(last.before))] if s1 >= last.end else old
    if any(t.kind == "id" and t.text == new_name for t in tokens(region)):
        return None
    if not targets or len(targets) > MAX_EDITS:
        return None
    edits = [Edit(*nb.node(n), new_name) for n in targets]
    n_places = len(edits)
    return Proposal("rename", tuple(edits), f"rename `{old_name}` → `{new_name}` ({n_places} place{'s' if n_places != 1 else ''})")


def rename_elsewhere(old_name: str, new_name: str, module: str, others: list[tuple[str, str, Tree | None]]) -> list[tuple[str, Edit]]:
    """The same rename in other open documents (uri, text, tree) that import `module` (this
    file's stem) and use `old_name`."""
    out: list[tuple[str, Edit]] = []
    pattern = re.compile(rf"(?:\bimport\b|\bfrom\b|\brequire\()[^\n]*\b{re.escape(module)}\b")
    for uri, text, tree in others:
        if tree is None or old_name not in text or not pattern.search(text):
            continue
        if re.search(rf"(?<![\w$]){re.escape(new_name)}(?![\w$])", text):
            continue
        nb = _Bytes(text)
        for n in _walk(tree.root_node):
            if n.type in _NAME_NODES and n.text is not None and n.text.decode(errors="replace") == old_name:
                out.append((uri, Edit(*nb.node(n), new_name)))
    return out[:MAX_EDITS]


# -- arguments ------------------------------------------------------------------------------

def _split_args(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the top-level comma-separated items in text[start:end] (inside the parens)."""
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
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
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


def _callee(node: Node) -> Node | None:
    return node.child_by_field_name("function") or node.child_by_field_name("constructor") or node.child_by_field_name("name")


def _arg_change(old: list[str], new: list[str]) -> tuple[str, int, object] | None:
    if len(new) == len(old) + 1:
        for k in range(len(new)):
            if new[:k] + new[k + 1:] == old:
                return ("insert", k, new[k])
    elif len(new) == len(old) - 1:
        for k in range(len(old)):
            if old[:k] + old[k + 1:] == new:
                return ("delete", k, None)
    elif len(new) == len(old) and len(old) >= 2 and sorted(new) == sorted(old) and len(set(old)) == len(old):
        return ("reorder", -1, [old.index(a) for a in new])
    elif len(new) == len(old):
        diff = [k for k in range(len(old)) if old[k] != new[k]]
        if len(diff) == 1:
            return ("change", diff[0], new[diff[0]])
    return None


def _keyword(arg: str) -> str | None:
    m = re.match(r"([A-Za-z_]\w*)\s*=(?!=)", arg)
    return m.group(1) if m else None


def propose_arguments(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    if tree is None:
        return None
    nb = _Bytes(text)
    delta = len(last.after) - len(last.before)
    node = tree.root_node.descendant_for_byte_range(_byte(text, last.start), _byte(text, last.end))
    call = None
    while node is not None:
        if node.type in _CALL_NODES:
            args = node.child_by_field_name("arguments")
            if args is not None:
                a0, a1 = nb.node(args)
                if a0 <= last.start and last.end <= a1:
                    call = node
                    break
        node = node.parent
    if call is None:
        return None
    callee = _callee(call)
    if callee is None or callee.text is None:
        return None
    callee_text = callee.text.decode(errors="replace")
    args = call.child_by_field_name("arguments")
    a0, a1 = nb.node(args)
    old = last.old_text(text)
    new_items = [_norm(text[a:b]) for a, b in _split_args(text, a0 + 1, a1 - 1)]
    old_items = [_norm(old[a:b]) for a, b in _split_args(old, a0 + 1, a1 - 1 - delta)]
    change = _arg_change(old_items, new_items)
    if change is None:
        return None
    op, k, value = change
    if op == "change" and (tokens(str(value)) and all(t.kind == "lit" for t in tokens(str(value)))
                           or all(t.kind == "lit" for t in tokens(old_items[k]))):
        return None  # a value changed at one call: the others have their own reasons
    edits = []
    for other in _walk(tree.root_node):
        if other.type not in _CALL_NODES or other == call:
            continue
        c = _callee(other)
        o_args = other.child_by_field_name("arguments")
        if c is None or o_args is None or c.text is None or c.text.decode(errors="replace") != callee_text:
            continue
        b0, b1 = nb.node(o_args)
        if text[b0:b0 + 1] != "(" or text[b1 - 1:b1] != ")":
            continue
        spans = _split_args(text, b0 + 1, b1 - 1)
        items = [_norm(text[a:b]) for a, b in spans]
        if len(items) != len(old_items):
            continue
        edit = None
        if op == "insert":
            kw = _keyword(str(value))
            if kw is not None and any(_keyword(i) == kw for i in items):
                continue
            if not spans:
                edit = Edit(b0 + 1, b1 - 1, str(value))
            elif k == len(spans):
                edit = Edit(spans[-1][1], spans[-1][1], ", " + str(value))
            else:
                edit = Edit(spans[k][0], spans[k][0], str(value) + ", ")
        elif op == "delete":
            if items[k] != old_items[k] and not (len(items) > 1 and _is_positional_like(items, old_items, k)):
                continue
            if len(spans) == 1:
                edit = Edit(spans[0][0], spans[0][1], "")
            elif k == len(spans) - 1:
                edit = Edit(spans[k - 1][1], spans[k][1], "")
            else:
                edit = Edit(spans[k][0], spans[k + 1][0], "")
        elif op == "change":
            if items[k] != old_items[k]:
                continue
            edit = Edit(spans[k][0], spans[k][1], str(value))
        elif op == "reorder":
            perm = value
            if "\n" in text[b0:b1]:
                continue
            edit = Edit(spans[0][0], spans[-1][1], ", ".join(text[spans[i][0]:spans[i][1]] for i in perm))
        if edit is not None and (edit := minimal(text, edit)) is not None:
            edits.append(edit)
    if not edits or len(edits) > MAX_EDITS:
        return None
    what = {"insert": "add `{v}` to", "delete": "remove argument {n} from", "change": "`{v}` in",
            "reorder": "reorder the arguments of"}[op].format(v=value, n=k + 1)
    return Proposal("arguments", tuple(edits), f"{what} the other calls of `{callee_text}` ({len(edits)} place{'s' if len(edits) != 1 else ''})")


def _is_positional_like(items: list[str], old_items: list[str], k: int) -> bool:
    """A deleted argument may differ between calls when it is the same keyword."""
    kw = _keyword(old_items[k])
    return kw is not None and _keyword(items[k]) == kw


# -- repeat ---------------------------------------------------------------------------------

def _header(line_tokens: list[Token]) -> bool:
    """A definition's first line: changing one test's or function's signature says nothing
    about its neighbours'."""
    return bool(line_tokens) and line_tokens[0].text in ("def", "function", "class", "async", "public", "private",
                                                         "protected", "static", "export", "func", "fn")


def _derived(old: str, name: str) -> bool:
    """Whether `name` is built from the name `old` (`a` → `_a`, `name` → `get_name`)."""
    return old == name.lstrip("_$") or (len(old) >= 3 and old in name)


def _binds(node: Node) -> bool:
    """Whether this occurrence of a name gives it a value (a local variable)."""
    parent = node.parent
    while parent is not None and parent.type in ("pattern_list", "tuple_pattern", "list_pattern", "array_pattern",
                                                 "object_pattern", "tuple", "expression_list"):
        node, parent = parent, parent.parent
    if parent is None:
        return False
    for field in ("left", "name"):
        if parent.type in ("assignment", "augmented_assignment", "variable_declarator", "for_statement",
                           "for_in_statement", "assignment_expression", "named_expression") \
                and parent.child_by_field_name(field) == node:
            return True
    return False


def _substitute(span_tokens: list[Token], span_text: str, base: int, mapping: dict[str, str]) -> str | None:
    """The text of a rewritten span with the sibling's names in place of the edited line's."""
    out, pos = [], base
    for t in span_tokens:
        out.append(span_text[pos - base:t.start - base])
        piece = t.text
        if t.kind in ("id", "lit") and t.text in mapping:
            piece = mapping[t.text]
        elif t.kind == "id":
            # A new name built from an old one (`a` → `_a`, `name` → `get_name`).
            for old in sorted((o for o in mapping if _IDENT.match(o) and mapping[o] != o), key=len, reverse=True):
                if _derived(old, t.text):
                    piece = t.text.replace(old, mapping[old])
                    break
        out.append(piece)
        pos = t.end
    out.append(span_text[pos - base:])
    return "".join(out)


def propose_repeat(text: str, last: LastEdit) -> Proposal | None:
    old = last.old_text(text)
    delta = len(last.after) - len(last.before)
    ls, le = _line_span(text, last.start, last.end)
    old_line, new_line = old[ls:le - delta], text[ls:le]
    if "\n" in old_line or "\n" in new_line or not old_line.strip():
        return None
    O, N = tokens(old_line), tokens(new_line)
    if len(O) < 2 or _header(O):
        return None
    ops = [op for op in difflib.SequenceMatcher(None, [t.text for t in O], [t.text for t in N], autojunk=False).get_opcodes()
           if op[0] != "equal"]
    if not ops:
        return None
    line_no = text.count("\n", 0, ls)
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    indent = len(old_line) - len(old_line.lstrip())
    edits: list[Edit] = []
    for n in range(max(0, line_no - SIBLING_LINES), min(len(lines), line_no + SIBLING_LINES + 1)):
        if n == line_no:
            continue
        line = lines[n]
        if len(line) - len(line.lstrip()) != indent:
            continue
        S = tokens(line)
        if len(S) != len(O):
            continue
        mapping: dict[str, str] = {}
        ok = True
        for o, s in zip(O, S):
            if o.kind != s.kind or (o.kind in ("op", "kw") and o.text != s.text):
                ok = False
                break
            if mapping.setdefault(o.text, s.text) != s.text:
                ok = False
                break
        if not ok or len(set(mapping.values())) != len(mapping):
            continue
        if any(o.text != s.text for o, s in zip(O, S)) and all(o.text == mapping[o.text] for o in O if o.kind == "id"):
            continue  # only literals differ: the sibling's values are its own
        if line.strip() != old_line.strip() and any(t.kind == "lit" and t.text not in mapping
                                                    for op in ops for t in N[op[3]:op[4]]):
            continue  # values written anew would not be this sibling's own
        new_line_sib = _rewrite(line, S, O, N, new_line, ops, mapping)
        if new_line_sib is None or new_line_sib == line:
            continue
        edit = minimal(text, Edit(starts[n], starts[n] + len(line), new_line_sib))
        if edit is not None:
            edits.append(edit)
    if not edits:
        return None
    return Proposal("repeat", tuple(edits), f"repeat the edit on {len(edits)} similar line{'s' if len(edits) != 1 else ''}")


def _rewrite(line: str, S: list[Token], O: list[Token], N: list[Token], new_line: str,
             ops: list[tuple[str, int, int, int, int]], mapping: dict[str, str]) -> str | None:
    pieces, pos = [], 0
    for tag, i1, i2, j1, j2 in ops:
        # Every name of the sibling that the rewrite removes must reappear in what it writes.
        written = N[j1:j2]
        for o, s in zip(O[i1:i2], S[i1:i2]):
            if o.text != s.text and not any(o.text == t.text or (o.kind == "id" and _derived(o.text, t.text))
                                            for t in written):
                return None
        s_from = S[i1 - 1].end if i1 > 0 else S[0].start
        s_to = S[i2].start if i2 < len(S) else len(line)
        n_from = N[j1 - 1].end if j1 > 0 else (N[0].start if N else 0)
        n_to = N[j2].start if j2 < len(N) else len(new_line)
        if i1 == 0 and j1 == 0:
            s_from, n_from = min(s_from, S[0].start), N[0].start if N else 0
        span = new_line[n_from:n_to]
        sub = _substitute([t for t in N[j1:j2]], span, n_from, mapping)
        if sub is None:
            return None
        pieces.append(line[pos:s_from])
        pieces.append(sub)
        pos = s_to
    pieces.append(line[pos:])
    return "".join(pieces)


# -- the same text change elsewhere ----------------------------------------------------------

def propose_same_change(text: str, last: LastEdit) -> Proposal | None:
    """The user's change made again where the same text stands in the same surroundings
    (whole tokens on each side, enough of them to be distinctive)."""
    old = last.old_text(text)
    ls, le = _line_span(old, last.start, last.start + len(last.before))
    if "\n" in last.before or "\n" in last.after:
        return None
    line_tokens = tokens(old[ls:le], ls)
    if _header(line_tokens):
        return None
    left = [t for t in line_tokens if t.end <= last.start]
    right = [t for t in line_tokens if t.start >= last.start + len(last.before)]
    # Cut inside a token: the context starts and ends at whole tokens.
    start = min([t.start for t in line_tokens if t.start < last.start < t.end] + [last.start])
    end = max([t.end for t in line_tokens if t.start < last.start + len(last.before) < t.end] + [last.start + len(last.before)])
    left = [t for t in left if t.end <= start]
    right = [t for t in right if t.start >= end]
    for k in range(1, 4):
        a = left[-k].start if len(left) >= k else start
        b = right[k - 1].end if len(right) >= k else end
        context = old[a:b]
        if len(re.sub(r"\s", "", context)) >= 12 and len(left) + len(right) >= 1:
            break
    else:
        return None
    if len(re.sub(r"\s", "", context)) < 12:
        return None
    replacement = old[a:last.start] + last.after + old[last.start + len(last.before):b]
    edits = []
    at = text.find(context)
    while at != -1 and len(edits) <= MAX_EDITS:
        edit = minimal(text, Edit(at, at + len(context), replacement))
        if edit is not None and not (edit.start <= last.end and last.start <= edit.end):
            edits.append(edit)
        at = text.find(context, at + 1)
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("repeat", tuple(edits), f"make the same change in {len(edits)} other place{'s' if len(edits) != 1 else ''}")


# -- together -------------------------------------------------------------------------------

def propagate(text: str, language: str | None, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """The edit that follows mechanically from `last`, or None when nothing does for sure."""
    if last.before == last.after:
        return None
    trimmed = minimal(last.old_text(text), Edit(last.start, last.start + len(last.before), last.after))
    if trimmed is not None:  # what the user changed, without what they retyped as it was
        last = LastEdit(trimmed.start, last.old_text(text)[trimmed.start:trimmed.end], trimmed.new_text)
    for propose in (propose_rename, propose_arguments):
        found = propose(text, tree, last)
        if found is not None:
            return found
    return propose_repeat(text, last) or propose_same_change(text, last)


def rank(text: str, edits: tuple[Edit, ...] | list[Edit], cursor: int) -> list[Edit]:
    """Edits merged by line (all of a line's changes as one edit) and ordered for showing:
    the first after the cursor first, then on down, then those above."""
    by_line: dict[int, list[Edit]] = {}
    for e in edits:
        by_line.setdefault(text.count("\n", 0, e.start), []).append(e)
    merged = []
    for group in by_line.values():
        group.sort(key=lambda e: e.start)
        start, end = group[0].start, max(e.end for e in group)
        body, pos = [], start
        for e in group:
            body.append(text[pos:e.start])
            body.append(e.new_text)
            pos = max(pos, e.end)
        body.append(text[pos:end])
        merged.append(Edit(start, end, "".join(body)))
    return sorted(merged, key=lambda e: (e.start < cursor, e.start if e.start >= cursor else -e.start))


def acceptable(text: str, language: str | None, edits: list[Edit], last: LastEdit | None,
               tree: Tree | None = None) -> list[Edit]:
    """The edits left once the filters have run: no no-ops, nothing that undoes the user's
    last edit, nothing that makes the file parse worse than it does now."""
    kept = []
    for e in edits:
        e2 = minimal(text, e)
        if e2 is None:
            continue
        if last is not None and e2.start <= last.end and last.start <= e2.end:
            region_after = apply_edits(text, [e2])[last.start:last.start + len(last.before) + (len(e2.new_text) - (e2.end - e2.start))]
            if region_after == last.before or last.before and last.before in e2.new_text and last.after not in e2.new_text:
                continue  # it puts back what the user just replaced
        kept.append(e2)
    if not kept:
        return []
    if last is not None and apply_edits(text, kept) == last.old_text(text):
        return []
    if tree is not None or make_parser(language) is not None:
        base = error_count(tree) if tree is not None else error_count(parse(language, text))
        after = parse(language, apply_edits(text, kept))
        if after is not None and error_count(after) > base:
            # Keep those that do no harm one by one.
            kept = [e for e in kept if error_count(parse(language, apply_edits(text, [e]))) <= base]
    return kept
