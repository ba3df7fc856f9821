"""Next-edit prediction without a model: the edits that follow mechanically from the user's
last one (propagation), and the filters every candidate passes, from the model's too.

- rename: one occurrence of an identifier replaced by another name → the other occurrences in
  its scope (the function that binds it, else the file), of the same role (plain name,
  attribute, keyword); a renamed parameter also renames the keyword arguments that name it at
  the function's calls. A name switched to one already in use (`json.loads` →
  `complexjson.loads`) → the other uses in the same slot in the same function. A misspelt
  word corrected in a comment or docstring → the same word in the other comments;
- parameters: a definition that gained, lost or reordered parameters → the matching change at
  its calls in the file (a new required parameter only where the caller has a variable of that
  name; nothing for a new parameter with a default) and in the calls of its body that forward
  all of its parameters;
- arguments: a call that gained, lost, reordered or changed arguments → the same change at
  the other calls of that function in the file (the same callee, the same old arguments);
- repeat: one of several lines (or blocks of up to three lines) of the same shape rewritten →
  the same rewrite on its siblings, their own names substituted; identical lines anywhere in
  the file get the same rewrite;
- the same text change where the same distinctive text stands in the same surroundings.

Each stays silent when unsure: the new name was already in use, a sibling's own information
would be lost, nothing else matches. Offsets are Python indices into the document's current
text; no LSP types here. Work is bounded: occurrences are found by a text search and looked
up in the (already parsed) tree, never by walking the whole tree; a candidate's effect on
the parse is checked by an incremental re-parse.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import time
from typing import NamedTuple

import msgspec
from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.languages import make_parser
from atelier.context.syntax import error_count

# Lines around the edited line searched for siblings of a rewritten line.
SIBLING_LINES = 40
MAX_EDITS = 200
# A rewritten block repeated on its siblings: at most this many lines.
MAX_BLOCK_LINES = 3
# Edits on consecutive lines are offered as one, up to this many lines.
MERGE_LINES = 8
# Non-space characters that make a piece of text distinctive enough to repeat a change on.
MIN_CONTEXT = 12
# … and a whole line, the same elsewhere.
MIN_LINE = 10
# Edits checked one by one when all of them together make the parse worse.
MAX_PARSE_CHECKS = 12
# Calls whose arguments are longer than this are not rewritten (and not read).
MAX_ARGS_CHARS = 2000
# A hunk larger than this (a paste, a reformat) is not an edit that propagates.
MAX_HUNK_CHARS = 2000
# A function this share of the file or more is the module's wrapper, not a scope of its own.
MODULE_FUNCTION_SHARE = 0.5
# Occurrences of a name looked up in the tree to judge whether it is a function's variable.
MAX_LOOKUPS = 300
# Time the propagation predictors may take together (the later ones are skipped past it).
BUDGET_MS = 25.0

_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except finally for from "
    "global if import in is lambda nonlocal not or pass raise return try while with yield match case self cls "
    "const let var function new this typeof instanceof void delete throw catch switch default do export extends "
    "static super null undefined true false of get set yield interface type enum implements public private "
    "protected readonly abstract declare namespace module require".split())
# Keywords that make lines alike (an `elif` branch is a sibling of the `if` one).
_ALIKE_KEYWORDS = frozenset({"if", "elif"})
# Keywords to the tokenizer (they shape lines), names to the parser (they can be renamed).
_NAME_KEYWORDS = frozenset({"self", "cls"})
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
_IMPORT_NODES = frozenset({"import_statement", "import_from_statement", "future_import_statement"})
_MEMBER_NODES = frozenset({"attribute", "member_expression"})


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


def _shape(t: Token) -> str:
    """What a sibling's token must share with the edited line's: its kind, and for literals
    whether a number or a string."""
    if t.kind == "lit":
        return "num" if t.text[0].isdigit() else "str"
    return t.kind


class Proposal(msgspec.Struct, frozen=True):
    """A next edit: one or more edits of the current document (best first), and edits of
    other open documents (a rename reaching the files that import this one)."""

    kind: str  # "rename" | "arguments" | "repeat" | "model"
    edits: tuple[Edit, ...]
    title: str
    source: str = "propagation"  # or "model"
    elsewhere: tuple[tuple[str, Edit], ...] = ()  # (uri, edit) in other documents
    names: tuple[str, ...] = ()  # (old, new) of a rename that may reach the files importing this one


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


def _nonspace(s: str) -> int:
    return len(s) - sum(s.count(c) for c in " \t\n\r")


class _Bytes:
    """Python indices of tree-sitter byte offsets and back (a line table for non-ASCII text)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self._table: tuple[list[int], list[int]] | None = None

    def _lines(self) -> tuple[list[int], list[int]]:
        if self._table is None:
            chars, raw, c, b = [], [], 0, 0
            for line in self.text.split("\n"):
                chars.append(c)
                raw.append(b)
                c += len(line) + 1
                b += len(line.encode()) + 1
            self._table = (chars, raw)
        return self._table

    def index(self, byte: int) -> int:
        if self.ascii:
            return byte
        chars, raw = self._lines()
        i = max(0, bisect.bisect_right(raw, byte) - 1)
        line = self.text[chars[i]:chars[i + 1] - 1 if i + 1 < len(chars) else len(self.text)]
        return chars[i] + len(line.encode()[:byte - raw[i]].decode(errors="replace"))

    def byte(self, index: int) -> int:
        if self.ascii:
            return index
        chars, raw = self._lines()
        i = max(0, bisect.bisect_right(chars, index) - 1)
        return raw[i] + len(self.text[chars[i]:index].encode())

    def node(self, node: Node) -> tuple[int, int]:
        return self.index(node.start_byte), self.index(node.end_byte)


_LAST_BYTES: list[_Bytes] = []


def _bytes(text: str) -> _Bytes:
    """The offset table of `text`, built once for the text the predictors are looking at."""
    if _LAST_BYTES and _LAST_BYTES[0].text is text:
        return _LAST_BYTES[0]
    nb = _Bytes(text)
    _LAST_BYTES[:] = [nb]
    return nb


@functools.lru_cache(maxsize=256)
def _word(name: str) -> re.Pattern:
    return re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")


def _occurrences(text: str, name: str, lo: int = 0, hi: int | None = None) -> list[int]:
    """Where `name` stands as a whole word in text[lo:hi]."""
    if not name:
        return []
    return [m.start() for m in _word(name).finditer(text, lo, len(text) if hi is None else hi)]


def _name_at(root: Node, nb: _Bytes, at: int, name: str) -> Node | None:
    """The tree's name node for the word `name` at text index `at`, if it is one."""
    b0 = nb.byte(at)
    b1 = b0 + len(name.encode())
    node = root.descendant_for_byte_range(b0, b1)
    if node is not None and node.start_byte == b0 and node.end_byte == b1 and node.type in _NAME_NODES:
        return node
    return None


def _text(node: Node | None) -> str:
    return node.text.decode(errors="replace") if node is not None and node.text is not None else ""


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
    if parent.type == "pair" and parent.child_by_field_name("key") == node:
        return "key"
    if node.type in ("shorthand_property_identifier", "shorthand_property_identifier_pattern"):
        return "shorthand"  # `{name}`: a key and a variable at once
    return "name"


def _enclosing_function(node: Node | None) -> Node | None:
    while node is not None:
        if node.type in _FUNCTION_NODES:
            return node
        node = node.parent
    return None


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _in_import(tree: Tree | None, nb: _Bytes, index: int) -> bool:
    """Whether text[index] lies among the names an import statement imports (not in the
    module it imports them from)."""
    if tree is None:
        return False
    node = tree.root_node.descendant_for_byte_range(nb.byte(index), nb.byte(index))
    while node is not None:
        if node.type in _IMPORT_NODES:
            source = node.child_by_field_name("module_name") or node.child_by_field_name("source")
            return source is None or not (source.start_byte <= nb.byte(index) <= source.end_byte)
        node = node.parent
    return False


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


def _places(n: int) -> str:
    return f"{n} place{'s' if n != 1 else ''}"


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
            if not (a.kind == "id" or a.text in _NAME_KEYWORDS) or not (b.kind == "id" or b.text in _NAME_KEYWORDS) \
                    or (pair is not None and pair != (a.text, b.text)):
                return None
            pair = (a.text, b.text)
            where.append(b.start)
    return (pair[0], pair[1], where) if pair else None


def _rename_site(text: str, tree: Tree | None, last: LastEdit):
    """(old name, new name, where, the text's bytes, the tree's root) of a one-name change."""
    found = _renamed(text, last)
    if found is None or tree is None:
        return None
    return (*found, _bytes(text), tree.root_node)


def propose_rename(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    site = _rename_site(text, tree, last)
    if site is None:
        return None
    old_name, new_name, where, nb, root = site
    edited = [n for w in where if (n := _name_at(root, nb, w, new_name)) is not None]
    if not edited:
        return _respell(text, root, nb, old_name, new_name, where)
    node = edited[0]
    role = _role(node)
    if role == "shorthand":
        return None
    olds = [n for at in _occurrences(text, old_name)
            if (n := _name_at(root, nb, at, old_name)) is not None and _role(n) == role and not _defines(n)]
    if role == "member":  # `self.a`: the same attribute of the same object, not every `.a`
        owner = _owner(node)
        olds = [n for n in olds if _owner(n) == owner]
    elif role == "key":  # `{a: 1}`: a key of this object; other objects' keys are theirs
        literal = node.parent.parent if node.parent is not None else None
        olds = [n for n in olds if literal is not None and n.parent is not None and n.parent.parent == literal]
    if not olds:
        return None
    scope = root
    fn = _enclosing_function(node)
    parent = node.parent
    is_definition = parent is not None and parent.type in _DEFINITION_NODES and parent.child_by_field_name("name") == node
    params = fn.child_by_field_name("parameters") if fn is not None else None
    in_params = params is not None and _inside(node, params)
    if fn is not None and not is_definition and role == "name":
        inside = [n for n in olds if _inside(n, fn)]
        bound = in_params or (params is not None and any(_inside(n, params) for n in olds)) \
            or _binds(node) or any(_binds(n) for n in inside)
        if bound or (inside and len(inside) == len(olds)):
            scope = fn
    targets = [n for n in olds if _inside(n, scope)]
    # A name that was already in use here: replacing one use is not a rename.
    s0, s1 = nb.node(scope)
    mine = set(where)
    if any(at not in mine and _name_at(root, nb, at, new_name) is not None for at in _occurrences(text, new_name, s0, s1)):
        return None
    if not targets or len(targets) > MAX_EDITS:
        return None
    edits = [Edit(*nb.node(n), new_name) for n in targets]
    if in_params and role == "name" and fn is not None:
        edits += _keyword_renames(text, root, nb, fn, old_name, new_name)
    return Proposal("rename", tuple(edits), f"rename `{old_name}` → `{new_name}` ({_places(len(edits))})",
                    names=(old_name, new_name) if scope == root else ())


def _defines(node: Node) -> bool:
    """Whether this name is the one a `def`/`class`/`function` statement defines (another
    definition of the same name is another function, not a use)."""
    parent = node.parent
    return parent is not None and parent.type in _DEFINITION_NODES and parent.child_by_field_name("name") == node


def _owner(node: Node) -> str:
    """The object an attribute is read from, as written (`self` in `self.a`)."""
    parent = node.parent
    return _text(parent.child_by_field_name("object")) if parent is not None and parent.type in _MEMBER_NODES else ""


def _defined(text: str, root: Node, nb: _Bytes, name: str) -> bool:
    """Whether the file gives `name` a value anywhere (a parameter, an assignment, an import,
    a definition)."""
    for at in _occurrences(text, name):
        node = _name_at(root, nb, at, name)
        if node is None or _role(node) != "name":
            continue
        parent = node.parent
        if _binds(node) or _imported(node) or _defines(node) or parent is not None and (
                parent.type in _PARAMETER_NODES or parent.type in ("as_pattern_target", "default_parameter",
                                                                   "typed_parameter", "typed_default_parameter",
                                                                   "assignment_pattern", "list_splat_pattern",
                                                                   "dictionary_splat_pattern", "rest_pattern")):
            return True
    return False


def propose_switch(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """One use of a name switched to another name already in use."""
    site = _rename_site(text, tree, last)
    if site is None:
        return None
    old_name, new_name, where, nb, root = site
    node = next((n for w in where if (n := _name_at(root, nb, w, new_name)) is not None), None)
    if node is None:
        return None
    olds = [n for at in _occurrences(text, old_name)
            if (n := _name_at(root, nb, at, old_name)) is not None and _role(n) == "name"]
    return _switch(node, olds, old_name, new_name, nb)


def _slot(node: Node) -> tuple[str, ...] | None:
    """Where a name stands when it is used as a module or a function: `x.attr` (the object of
    that attribute) or `x(...)` (the callee)."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type in _MEMBER_NODES and parent.child_by_field_name("object") == node:
        return ("attr", _text(parent.child_by_field_name("attribute") or parent.child_by_field_name("property")))
    if parent.type in _CALL_NODES and _callee(parent) == node:
        return ("call",)
    return None


def _switch(node: Node, olds: list[Node], old_name: str, new_name: str, nb: _Bytes) -> Proposal | None:
    """One use of `old_name` switched to `new_name`, a name already in use: the other uses in
    the same slot (`old.attr`, `old(...)`) of the same function follow (a module alias
    adopted, a copied function's recursive calls)."""
    slot = _slot(node)
    fn = _enclosing_function(node)
    if slot is None or fn is None or _role(node) != "name":
        return None
    params = fn.child_by_field_name("parameters")
    targets = [n for n in olds if _inside(n, fn) and _slot(n) == slot and not (params is not None and _inside(n, params))]
    if not targets or len(targets) > MAX_EDITS:
        return None
    edits = tuple(Edit(*nb.node(n), new_name) for n in targets)
    return Proposal("rename", edits, f"use `{new_name}` for `{old_name}` ({_places(len(edits))})")


def _prose(node: Node | None) -> bool:
    """A comment, or a Python docstring."""
    while node is not None and node.type in ("string_content", "string_start", "string_end", "escape_sequence"):
        node = node.parent
    if node is None:
        return False
    if node.type == "comment":
        return True
    return node.type == "string" and node.parent is not None and node.parent.type == "expression_statement" \
        and node.parent.named_child_count == 1


def _respell(text: str, root: Node, nb: _Bytes, old: str, new: str, where: list[int]) -> Proposal | None:
    """A word corrected in a comment or docstring (a spelling fix, not a rewording): the same
    word in the other comments and docstrings."""
    if len(old) < 5 or old.lower() == new.lower() \
            or difflib.SequenceMatcher(None, old.lower(), new.lower()).ratio() < 0.75:
        return None
    if new.startswith(old) or old.startswith(new) or new.endswith(old) or old.endswith(new):
        return None  # another form of the word (`Return` → `Returns`), not a misspelling
    host = root.descendant_for_byte_range(nb.byte(where[0]), nb.byte(where[0] + len(new)))
    if not _prose(host):
        return None
    edits = []
    for at in _occurrences(text, old):
        if _prose(root.descendant_for_byte_range(nb.byte(at), nb.byte(at + len(old)))):
            edits.append(Edit(at, at + len(old), new))
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("repeat", tuple(edits), f"fix `{old}` → `{new}` in comments ({_places(len(edits))})")


def rename_elsewhere(old_name: str, new_name: str, module: str, others: list[tuple[str, str, Tree | None]]) -> list[tuple[str, Edit]]:
    """The same rename in other open documents (uri, text, tree) that import `module` (this
    file's stem) and use `old_name`."""
    out: list[tuple[str, Edit]] = []
    pattern = re.compile(rf"(?:\bimport\b|\bfrom\b|\brequire\()[^\n]*\b{re.escape(module)}\b")
    for uri, text, tree in others:
        if tree is None or old_name not in text or not pattern.search(text):
            continue
        if _word(new_name).search(text):
            continue
        nb = _bytes(text)
        for at in _occurrences(text, old_name):
            n = _name_at(tree.root_node, nb, at, old_name)
            if n is not None:
                out.append((uri, Edit(*nb.node(n), new_name)))
            if len(out) >= MAX_EDITS:
                return out
    return out


# -- calls ----------------------------------------------------------------------------------

def _split_args(text: str, start: int, end: int, angles: bool = False) -> list[tuple[int, int]]:
    """Spans of the top-level comma-separated items in text[start:end] (inside the parens);
    `angles`: `<…>` after a name nests too (type arguments in a parameter list)."""
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
        elif ch in "([{" or angles and ch == "<" and i > start and (text[i - 1].isalnum() or text[i - 1] in "_$"):
            depth += 1
        elif ch in ")]}" or angles and ch == ">" and depth > 0 and text[i - 1] != "=":
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


def _list_change(old: list[str], new: list[str]) -> tuple[str, int, object] | None:
    """How a list of arguments or parameters changed: ("insert", k, [items]), ("delete", k,
    count), ("reorder", -1, permutation), ("change", k, item); None when otherwise."""
    if len(new) > len(old):
        n = len(new) - len(old)
        for k in range(len(new) - n + 1) if n <= 3 else ():
            if new[:k] + new[k + n:] == old:
                return ("insert", k, new[k:k + n])
    elif len(new) < len(old):
        n = len(old) - len(new)
        for k in range(len(old) - n + 1) if n <= 3 else ():
            if old[:k] + old[k + n:] == new:
                return ("delete", k, n)
    elif len(old) >= 2 and new != old and sorted(new) == sorted(old) and len(set(old)) == len(old):
        return ("reorder", -1, [old.index(a) for a in new])
    else:
        diff = [k for k in range(len(old)) if old[k] != new[k]]
        if len(diff) == 1:
            return ("change", diff[0], new[diff[0]])
    return None


def _keyword(arg: str) -> str | None:
    m = re.match(r"([A-Za-z_]\w*)\s*=(?!=)", arg)
    return m.group(1) if m else None


def _starred(arg: str) -> bool:
    return arg.startswith(("*", "..."))


def _args_of(text: str, nb: _Bytes, call: Node) -> tuple[int, int, list[tuple[int, int]]] | None:
    """(open paren, close paren + 1, item spans) of a call written with parentheses."""
    args = call.child_by_field_name("arguments")
    if args is None:
        return None
    b0, b1 = nb.node(args)
    if text[b0:b0 + 1] != "(" or text[b1 - 1:b1] != ")":
        return None
    return b0, b1, _split_args(text, b0 + 1, b1 - 1)


def _insert_item(text: str, b0: int, b1: int, spans: list[tuple[int, int]], k: int, value: str) -> Edit:
    if not spans:
        return Edit(b0 + 1, b1 - 1, value)
    if k >= len(spans):
        return Edit(spans[-1][1], spans[-1][1], ", " + value)
    return Edit(spans[k][0], spans[k][0], value + ", ")


def _delete_items(spans: list[tuple[int, int]], gone: set[int]) -> list[Edit]:
    """Edits that remove the items `gone` (indices into spans) with their separators."""
    edits, k = [], 0
    while k < len(spans):
        if k not in gone:
            k += 1
            continue
        j = k
        while j + 1 < len(spans) and j + 1 in gone:
            j += 1
        if j + 1 < len(spans):
            edits.append(Edit(spans[k][0], spans[j + 1][0], ""))
        elif k > 0:
            edits.append(Edit(spans[k - 1][1], spans[j][1], ""))
        else:
            edits.append(Edit(spans[0][0], spans[j][1], ""))
        k = j + 1
    return edits


def _calls_named(text: str, root: Node, nb: _Bytes, callee_text: str) -> list[Node]:
    """The calls in the file whose callee reads `callee_text`, found from the occurrences of
    its last name."""
    names = re.findall(r"[A-Za-z_$][\w$]*", callee_text)
    if not names:
        return []
    out = []
    for at in _occurrences(text, names[-1]):
        node = _name_at(root, nb, at, names[-1])
        if node is None:
            continue
        while node.parent is not None and node.parent.end_byte == node.end_byte and node.parent.type in _MEMBER_NODES:
            node = node.parent
        call = node.parent
        if call is not None and call.type in _CALL_NODES and _callee(call) == node and _text(node) == callee_text:
            out.append(call)
        if len(out) > MAX_EDITS:
            break
    return out


# -- arguments ------------------------------------------------------------------------------

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
    a0, a1 = nb.node(args)
    old = last.old_text(text)
    new_items = [_norm(text[a:b]) for a, b in _split_args(text, a0 + 1, a1 - 1)]
    old_items = [_norm(old[a:b]) for a, b in _split_args(old, a0 + 1, a1 - 1 - delta)]
    change = _list_change(old_items, new_items)
    if change is None:
        return None
    op, k, value = change
    if op == "change" and (tokens(str(value)) and all(t.kind == "lit" for t in tokens(str(value)))
                           or all(t.kind == "lit" for t in tokens(old_items[k]))):
        return None  # a value changed at one call: the others have their own reasons
    edits = []
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
    shown = ", ".join(value) if op == "insert" else value
    what = {"insert": "add `{v}` to", "delete": "remove argument {n} from", "change": "`{v}` in",
            "reorder": "reorder the arguments of"}[op].format(v=shown, n=k + 1)
    return Proposal("arguments", tuple(edits), f"{what} the other calls of `{callee_text}` ({_places(len(edits))})")


def _is_positional_like(items: list[str], old_items: list[str], k: int) -> bool:
    """A deleted argument may differ between calls when it is the same keyword."""
    kw = _keyword(old_items[k])
    return kw is not None and _keyword(items[k]) == kw


# -- parameters -----------------------------------------------------------------------------

_PARAM = re.compile(r"(\*\*|\*|\.\.\.)?\s*([A-Za-z_$][\w$]*)?")


def _param(item: str) -> tuple[str, bool] | None:
    """(name, optional) of one parameter as written: `a`, `a: int = 3`, `b = 1`, `c?: T`,
    `*args`, `**kw`, `...rest`, the markers `*` and `/`; None for a pattern or a modifier."""
    item = item.strip()
    if item in ("*", "/"):
        return (item, True)
    m = _PARAM.match(item)
    star, name = m.group(1) or "", m.group(2)
    if not name or name in _KEYWORDS - _NAME_KEYWORDS:
        return None
    rest = item[m.end():].strip()
    if rest and not re.match(r"\??\s*[:=]", rest) and rest != "?":
        return None
    optional = bool(star) or rest.startswith("?") or re.search(r"(?<![=!<>])=(?![=>])", rest) is not None
    return (star + name, optional)


def _function_name(fn: Node) -> Node | None:
    name = fn.child_by_field_name("name")
    if name is None and fn.parent is not None and fn.parent.type == "variable_declarator":
        name = fn.parent.child_by_field_name("name")
    return name if name is not None and name.type in _NAME_NODES else None


def _is_method(fn: Node) -> bool:
    if fn.type == "method_definition":
        return True
    parent = fn.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return parent is not None and parent.type == "block" and parent.parent is not None \
        and parent.parent.type == "class_definition"


def _calls_of(text: str, root: Node, nb: _Bytes, fn: Node) -> list[Node]:
    """The calls of the function `fn` in the file: `name(...)`, or for a method
    `self.name(...)`, `cls.name(...)`, `this.name(...)`."""
    name = _function_name(fn)
    if name is None:
        return []
    fname = _text(name)
    method = _is_method(fn)
    out = []
    for at in _occurrences(text, fname):
        node = _name_at(root, nb, at, fname)
        if node is None or node == name:
            continue
        callee = node
        if method:
            member = node.parent
            if member is None or member.type not in _MEMBER_NODES or _text(member.child_by_field_name("object")) not in ("self", "cls", "this"):
                continue
            callee = member
        call = callee.parent
        if call is not None and call.type in _CALL_NODES and call.type != "new_expression" and _callee(call) == callee:
            out.append(call)
        if len(out) > MAX_EDITS:
            break
    return out


def _imported(node: Node) -> bool:
    parent = node.parent
    for _ in range(4):
        if parent is None:
            return False
        if parent.type in _IMPORT_NODES or parent.type in ("import_specifier", "import_clause", "namespace_import"):
            return True
        parent = parent.parent
    return False


def _bound(text: str, root: Node, nb: _Bytes, call: Node, name: str) -> bool:
    """Whether `name` is a variable of the scope the call stands in (a parameter of its
    function, or given a value there, before the call)."""
    scope = _enclosing_function(call)
    region = scope if scope is not None else root
    s0, s1 = nb.node(region)
    call_at = nb.index(call.start_byte)
    params = scope.child_by_field_name("parameters") if scope is not None else None
    for at in _occurrences(text, name, s0, s1):
        node = _name_at(root, nb, at, name)
        if node is None or _role(node) != "name":
            continue
        if params is not None and _inside(node, params):
            return True
        if at >= call_at or _enclosing_function(node) != scope:
            continue
        parent = node.parent
        if _binds(node) or _imported(node) or parent is not None and (
                parent.type == "as_pattern_target"
                or parent.type in _DEFINITION_NODES and parent.child_by_field_name("name") == node):
            return True
    return False


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
        title = f"reorder the arguments at the calls of `{fname}`"
    return Proposal("arguments", tuple(edits), f"{title} ({_places(len(edits))})")


def _keyword_in(items: list[str], name: str) -> bool:
    return any(_keyword(i) == name for i in items)


def _forwarding(text: str, root: Node, nb: _Bytes, fn: Node, own_calls: set[int], old_p: list, new_p: list,
                offset: int, op: str, k: int, value) -> list[Edit]:
    """The calls in the function's body that pass all its parameters on (a wrapper): the new
    parameter is passed on too, a removed one no longer."""
    body = fn.child_by_field_name("body")
    if body is None or op not in ("insert", "delete"):
        return []
    names = [p[0] for p in old_p[offset:] if p[0] not in ("*", "/")]
    if not names:
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
        if not _forwards(items, names):
            continue
        if op == "insert":
            for j, (name, _) in enumerate(new_p[k:k + len(value)]):
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
                        # Only where no positional argument follows: it would shift them.
                        out.append(_insert_item(text, a0, a1, spans, items.index(prev) + 1, name))
        else:
            gone = {i for i, it in enumerate(items)
                    for name, _ in old_p[k:k + value] if it == name or it == f"{name}={name}"}
            out.extend(_delete_items(spans, gone))
    return out


def _keyword_renames(text: str, root: Node, nb: _Bytes, fn: Node, old_name: str, new_name: str) -> list[Edit]:
    """A parameter renamed: the keyword arguments that name it at the function's calls."""
    out = []
    for call in _calls_of(text, root, nb, fn):
        args = call.child_by_field_name("arguments")
        if args is None:
            continue
        kws = [c.child_by_field_name("name") for c in args.named_children if c.type == "keyword_argument"]
        if any(_text(n) == new_name for n in kws):
            continue
        out += [Edit(*nb.node(n), new_name) for n in kws if _text(n) == old_name]
    return out


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
                           "for_in_statement", "assignment_expression", "named_expression", "for_in_clause") \
                and parent.child_by_field_name(field) == node:
            return True
    return False


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
        out.append(piece)
        pos = t.end
    out.append(span_text[pos - base:])
    return "".join(out)


def _numbers_only(removed: list[Token], written: list[Token]) -> bool:
    """A change of numbers and nothing else: a value, the others keep their own."""
    changed = removed + written
    return bool(changed) and all(t.kind == "lit" and _shape(t) == "num" for t in changed)


_DIRECTIVE = re.compile(r"type:\s*ignore|noqa|pylint:|pragma|eslint-|@ts-|istanbul|prettier-ignore|NOSONAR")


def _host(tree: Tree | None, nb: _Bytes, index: int) -> Node | None:
    return tree.root_node.descendant_for_byte_range(nb.byte(index), nb.byte(index)) if tree is not None else None


def _directive(node: Node | None) -> bool:
    """A comment that tells a tool about its own line (`# type: ignore[...]`, `// eslint-...`)."""
    return node is not None and node.type == "comment" and _DIRECTIVE.search(_text(node)) is not None


def _in_type(node: Node | None) -> bool:
    while node is not None and node.type not in _PARAMETER_NODES and node.type not in _FUNCTION_NODES:
        if node.type in ("type_annotation", "type"):
            return True
        node = node.parent
    return False


def _parameters_of(tree: Tree | None, nb: _Bytes, index: int) -> Node | None:
    """The function whose parameter list holds text[index], if any."""
    node = _host(tree, nb, index)
    while node is not None:
        if node.type in _PARAMETER_NODES:
            return node.parent
        if node.type in _FUNCTION_NODES or node.type in ("block", "statement_block"):
            return None
        node = node.parent
    return None


def _parameters_changed(text: str, tree: Tree | None, nb: _Bytes, last: LastEdit) -> Node | None:
    """The function whose parameters the edit added, dropped or renamed (not one whose types,
    defaults or punctuation it changed), if any."""
    fn = _parameters_of(tree, nb, last.start)
    params = fn.child_by_field_name("parameters") if fn is not None else None
    if params is None:
        return None
    p0, p1 = nb.node(params)
    if not (p0 < last.start and last.end < p1):
        return fn
    old = last.old_text(text)
    delta = len(last.after) - len(last.before)
    new_p = [_param(text[a:b]) for a, b in _split_args(text, p0 + 1, p1 - 1, angles=True)]
    old_p = [_param(old[a:b]) for a, b in _split_args(old, p0 + 1, p1 - 1 - delta, angles=True)]
    if None in new_p or None in old_p:
        return fn
    return fn if [p[0] for p in new_p] != [p[0] for p in old_p] else None


def _same_locals(text: str, tree: Tree, nb: _Bytes, index: int, local: set[str], seen: dict[int, bool]) -> bool:
    """Whether the function around text[index] has the variables `local` too (`seen`: the
    answers so far, by function)."""
    other = _enclosing_function(_host(tree, nb, index))
    if other is None:
        return False
    if other.start_byte not in seen:
        seen[other.start_byte] = _locals_of(text, tree.root_node, nb, other, local) == local
    return seen[other.start_byte]


def _locals_of(text: str, root: Node, nb: _Bytes, fn: Node, names: set[str]) -> set[str]:
    """Those of `names` that are variables of the function `fn` (parameters, or assigned
    there)."""
    s0, s1 = nb.node(fn)
    if s1 - s0 > MODULE_FUNCTION_SHARE * len(text) and len(text) > 5000:
        return set()  # a wrapper around the whole module (an IIFE): its variables are the module's
    params = fn.child_by_field_name("parameters")
    out = set()
    for name in names:
        for n, m in enumerate(_word(name).finditer(text, s0, s1)):
            if n >= MAX_LOOKUPS:
                break
            at = m.start()
            node = _name_at(root, nb, at, name)
            if node is not None and _role(node) == "name" and _enclosing_function(node) == fn \
                    and (_binds(node) or params is not None and _inside(node, params)):
                out.add(name)
                break
    return out


def propose_repeat(text: str, last: LastEdit, tree: Tree | None = None) -> Proposal | None:
    old = last.old_text(text)
    delta = len(last.after) - len(last.before)
    ls, le = _line_span(text, last.start, last.end)
    old_block, new_block = old[ls:le - delta], text[ls:le]
    old_lines, new_lines = old_block.split("\n"), new_block.split("\n")
    k = len(old_lines)
    if k > MAX_BLOCK_LINES or len(new_lines) > 2 * MAX_BLOCK_LINES or not old_block.strip():
        return None
    nb = _bytes(text)
    host = _host(tree, nb, last.start)
    O = [tokens(line) for line in old_lines]
    N = [tokens(line) for line in new_lines]
    if sum(len(o) for o in O) < 2:
        return None
    same_shape = k == len(new_lines)
    ops = [[op for op in difflib.SequenceMatcher(None, [t.text for t in o], [t.text for t in n], autojunk=False).get_opcodes()
            if op[0] != "equal"] for o, n in zip(O, N)] if same_shape else []
    if same_shape and not any(ops):
        return None
    removed_tokens = [t for o, line_ops in zip(O, ops) for op in line_ops for t in o[op[1]:op[2]]]
    written_tokens = [t for n, line_ops in zip(N, ops) for op in line_ops for t in n[op[3]:op[4]]]
    if any(op[0] != "replace" for line_ops in ops for op in line_ops) and _in_import(tree, nb, last.start):
        return None  # a name added to or dropped from one import says nothing about the others
    # Lines of the same shape are siblings; a definition's header, prose (a comment, a
    # docstring), a number changed or lines rewritten into more or fewer: only identical lines.
    defined = _parameters_changed(text, tree, nb, last)
    identical_only = not same_shape or any(_header(o) for o in O) or _prose(host) or defined is not None \
        or _directive(host) or _DIRECTIVE.search(last.before + last.after) is not None
    if _numbers_only(removed_tokens, written_tokens):
        return None  # a count, a size, a version: each line's own, even on a line alike
    if defined is not None:
        # Parameters added, dropped or renamed: only the same definition elsewhere (an
        # override), its name on the line.
        name = _text(_function_name(defined))
        if not name or not _word(name).search(old_block):
            return None
    indents = [len(line) - len(line.lstrip()) for line in old_lines]
    stripped = [line.strip() for line in old_lines]
    distinctive = _nonspace(old_block) >= MIN_LINE and any(t.kind in ("id", "lit") for o in O for t in o)
    if identical_only and not distinctive:
        return None
    # Candidates by where their first line starts: the lines around (near), then the same
    # first line anywhere in the file.
    near = set() if identical_only else set(_near_lines(text, ls, SIBLING_LINES, SIBLING_LINES + k - 1))
    candidates = set(near)
    if distinctive and stripped[0]:
        at = text.find(stripped[0])
        while at != -1 and len(candidates) < 4 * SIBLING_LINES + MAX_EDITS:
            candidates.add(text.rfind("\n", 0, at) + 1)
            at = text.find(stripped[0], at + len(stripped[0]))
    # A variable of this function changed: identical lines in another function hold another
    # variable, unless that function has the same variables.
    changed_names = {t.text for t in removed_tokens + written_tokens if t.kind == "id"} if same_shape else set()
    annotation = _annotates(old, last)
    fn = _enclosing_function(host) if tree is not None and changed_names else None
    local = _locals_of(text, tree.root_node, nb, fn, changed_names) if fn is not None else set()
    fn_span = nb.node(fn) if local else None
    seen_functions: dict[int, bool] = {}
    edits: list[Edit] = []
    for start in sorted(candidates):
        sib = _lines_at(text, start, k)
        end = start + len("\n".join(sib))
        if len(sib) < k or (start <= le and ls <= end):
            continue
        identical = [line.strip() for line in sib] == stripped
        sib_indents = [len(line) - len(line.lstrip()) for line in sib]
        if fn_span is not None and not fn_span[0] <= start <= fn_span[1]:
            if not _same_locals(text, tree, nb, start + sib_indents[0], local, seen_functions):
                continue
        if identical and annotation:
            continue  # a variable's annotation is written once
        if identical and not same_shape:
            new_sib = _reindented(new_lines, old_lines[0][:indents[0]], sib[0][:sib_indents[0]])
        elif identical and distinctive or not identical_only and start in near:
            new_sib = _sibling(sib, O, N, ops, new_lines, identical and distinctive)
        else:
            continue
        if new_sib is None or new_sib == sib:
            continue
        edit = minimal(text, Edit(start, end, "\n".join(new_sib)))
        if edit is not None:
            edits.append(edit)
        if len(edits) > MAX_EDITS:
            return None
    if not edits:
        return None
    return Proposal("repeat", tuple(edits), f"repeat the edit on {len(edits)} similar line{'s' if len(edits) != 1 else ''}")


def _annotates(old: str, last: LastEdit) -> bool:
    """Whether the edit gave an assigned variable a type annotation (`x = 1` → `x: int = 1`)."""
    end0 = last.start + len(last.before)
    return not last.before and re.match(r"\s*:[^=]*\Z", last.after) is not None \
        and re.match(r"\s*=(?!=)", old[end0:end0 + 8]) is not None


def _lines_at(text: str, start: int, k: int) -> list[str]:
    """The k lines from the line starting at `start` (fewer at the end of the text)."""
    out, pos = [], start
    for _ in range(k):
        end = text.find("\n", pos)
        out.append(text[pos:len(text) if end == -1 else end])
        if end == -1:
            break
        pos = end + 1
    return out


def _reindented(lines: list[str], old_indent: str, new_indent: str) -> list[str] | None:
    """`lines`, written at `old_indent`, moved to `new_indent`; None when one is not at it."""
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
        elif line.startswith(old_indent):
            out.append(new_indent + line[len(old_indent):])
        else:
            return None
    return out


def _sibling(sib: list[str], O: list[list[Token]], N: list[list[Token]], ops: list[list[tuple]],
             new_lines: list[str], identical: bool) -> list[str] | None:
    """The sibling lines rewritten as the edited ones were, or None when they are not of the
    same shape or the rewrite would not be theirs."""
    S = [tokens(line) for line in sib]
    if any(len(s) != len(o) for s, o in zip(S, O)):
        return None
    mapping = _mapping(O, S)
    if mapping is None or not identical and not _theirs(O, N, S, ops, mapping):
        return None
    changed = [t for o_line, line_ops in zip(O, ops) for op in line_ops for t in o_line[op[1]:op[2]]] + \
        [t for n_line, line_ops in zip(N, ops) for op in line_ops for t in n_line[op[3]:op[4]]]
    if not identical and changed and all(t.kind == "lit" for t in changed) \
            and all(k == v for k, v in mapping.items() if not k[:1].isdigit() and k[:1] not in "'\"`"):
        return None  # a value changed on a line that differs from its sibling only by values: theirs
    out = []
    for line, s_line, o_line, n_line, new_line, line_ops in zip(sib, S, O, N, new_lines, ops):
        if not line_ops:
            out.append(line)
            continue
        rewritten = _rewrite(line, s_line, o_line, n_line, new_line, line_ops, mapping)
        if rewritten is None:
            return None
        out.append(rewritten)
    return out


def _mapping(O: list[list[Token]], S: list[list[Token]]) -> dict[str, str] | None:
    """The edited lines' names and values → the sibling's, when their tokens are alike (one
    to one); None otherwise."""
    mapping: dict[str, str] = {}
    for o_line, s_line in zip(O, S):
        for o, s in zip(o_line, s_line):
            if _shape(o) != _shape(s) or (o.kind in ("op", "kw") and o.text != s.text
                                          and not {o.text, s.text} <= _ALIKE_KEYWORDS):
                return None
            if mapping.setdefault(o.text, s.text) != s.text:
                return None
    return mapping if len(set(mapping.values())) == len(mapping) else None


def _theirs(O: list[list[Token]], N: list[list[Token]], S: list[list[Token]], ops: list[list[tuple]],
            mapping: dict[str, str]) -> bool:
    """Whether the rewrite, made on the sibling, would still be the sibling's: no value of the
    edited line written over the sibling's own, no name the sibling uses for another thing."""
    for o_line, n_line, s_line, line_ops in zip(O, N, S, ops):
        for tag, i1, i2, j1, j2 in line_ops:
            written = n_line[j1:j2]
            # Values written anew are the edited line's own, unless they replace a value the
            # sibling shares, or spell a token it shares (`x.true` → `x['true']`).
            new_values = [t for t in written if t.kind == "lit" and t.text not in mapping]
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


def _rewrite(line: str, S: list[Token], O: list[Token], N: list[Token], new_line: str,
             ops: list[tuple[str, int, int, int, int]], mapping: dict[str, str]) -> str | None:
    """The sibling line with each of `ops` (O → N) made on its tokens S (those of the whole
    line, or of the part of it the change is in)."""
    pieces, pos = [], 0
    for tag, i1, i2, j1, j2 in ops:
        # Every name of the sibling that the rewrite removes must reappear in what it writes.
        written = N[j1:j2]
        replaced = {o.text for o in O[i1:i2] if o.kind == "id"}  # names a new one may be built from
        for o, s in zip(O[i1:i2], S[i1:i2]):
            if o.text != s.text and not any(o.text == t.text or (o.text in replaced and _derived(o.text, t.text))
                                            for t in written):
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


# -- the same text change elsewhere ----------------------------------------------------------

def propose_same_change(text: str, last: LastEdit, tree: Tree | None = None) -> Proposal | None:
    """The user's change made again where the same text stands in the same surroundings
    (whole tokens on each side, enough of them to be distinctive)."""
    if "\n" in last.before or "\n" in last.after:
        return None
    old = last.old_text(text)
    end0 = last.start + len(last.before)
    ls, le = _line_span(old, last.start, end0)
    line_tokens = tokens(old[ls:le], ls)
    if not line_tokens or _header(line_tokens):
        return None
    # Cut inside a token: the context starts and ends at whole tokens.
    start = min([t.start for t in line_tokens if t.start < last.start < t.end] + [last.start])
    end = max([t.end for t in line_tokens if t.start < end0 < t.end] + [end0])
    covered_old = tokens(old[start:end])
    covered_new = tokens(old[start:last.start] + last.after + old[end0:end])
    if [t.text for t in covered_old] == [t.text for t in covered_new]:
        return None  # only spacing changed
    ops = difflib.SequenceMatcher(None, [t.text for t in covered_old], [t.text for t in covered_new], autojunk=False).get_opcodes()
    gone = [t for op in ops if op[0] != "equal" for t in covered_old[op[1]:op[2]]]
    put = [t for op in ops if op[0] != "equal" for t in covered_new[op[3]:op[4]]]
    if _numbers_only(gone, put):
        return None
    nb = _bytes(text)
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
        if _directive(_host(tree, nb, last.start)) or _DIRECTIVE.search(last.before + last.after):
            return None  # `# type: ignore[code]`: each line's own
        if _parameters_changed(text, tree, nb, last) is not None:
            return None  # one definition's parameters: the others have their own (identical lines are the repeat's)
        renamed = _renamed(text, last)
        if renamed is not None and _defined(text, tree.root_node, nb, renamed[0]) and any(
                (n := _name_at(tree.root_node, nb, w, renamed[1])) is not None and _role(n) == "name" for w in renamed[2]):
            return None  # one variable switched for another: the other uses are the switch's to judge
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
        edits = _same_places(text, last, context, replacement, at_line_start=not n_left and not left,
                             at_line_end=not n_right and not right, keep=keep)
        if edits:
            return Proposal("repeat", tuple(edits), f"make the same change in {_places(len(edits))}")
    return None


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


# -- the same rewrite of a part of a line ----------------------------------------------------

SPAN_CONTEXT = 2  # tokens on each side of the changed ones that a place must share
MAX_SPAN_TOKENS = 12


def propose_span_repeat(text: str, last: LastEdit, tree: Tree | None = None) -> Proposal | None:
    """One part of a line rewritten (`_.indexOf(a, b) < 0` → `!_.contains(a, b)`): the same
    rewrite where the same tokens stand, with a few around them alike (names and values
    the place's own), on the lines around, whatever the rest of those lines."""
    if "\n" in last.before or "\n" in last.after:
        return None
    old = last.old_text(text)
    delta = len(last.after) - len(last.before)
    ls, le = _line_span(text, last.start, last.end)
    old_line, new_line = old[ls:le - delta], text[ls:le]
    O, N = tokens(old_line), tokens(new_line)
    if _header(O):
        return None
    ops = [op for op in difflib.SequenceMatcher(None, [t.text for t in O], [t.text for t in N], autojunk=False).get_opcodes()
           if op[0] != "equal"]
    if not ops:
        return None
    i0, i1 = ops[0][1], ops[-1][2]
    removed = [t for op in ops for t in O[op[1]:op[2]]]
    written = [t for op in ops for t in N[op[3]:op[4]]]
    # The change itself: small, and something of its own to recognise (not a comma).
    if i1 - i0 > MAX_SPAN_TOKENS or _numbers_only(removed, written) or not removed \
            or not any(t.kind in ("id", "kw", "lit") or len(t.text) > 1 for t in removed):
        return None
    nb = _bytes(text)
    host = _host(tree, nb, last.start)
    if _prose(host) or _directive(host) or _DIRECTIVE.search(last.before + last.after) or _parameters_changed(text, tree, nb, last) is not None \
            or len([t for t in removed if t.kind == "id"]) != len([t for t in written if t.kind == "id"]) and _in_import(tree, nb, last.start):
        return None
    a, b = max(0, i0 - SPAN_CONTEXT), min(len(O), i1 + SPAN_CONTEXT)
    pattern = O[a:b]
    if len(pattern) < 4:
        return None
    fixed = {k for op in ops for k in range(op[1] - a, op[2] - a)}  # the tokens the user replaced: as they are
    n_pattern = N[a:b + len(N) - len(O)]
    span_ops = [(tag, x1 - a, x2 - a, y1 - a, y2 - a) for tag, x1, x2, y1, y2 in ops]
    changed_names = {t.text for t in removed + written if t.kind == "id"}
    fn = _enclosing_function(host) if tree is not None and changed_names else None
    local = _locals_of(text, tree.root_node, nb, fn, changed_names) if fn is not None else set()
    fn_span = nb.node(fn) if local else None
    seen_functions: dict[int, bool] = {}
    edits: list[Edit] = []
    for start in _near_lines(text, ls, SIBLING_LINES):
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
            rewritten = _rewrite(line, sub, pattern, n_pattern, new_line, span_ops, mapping)
            if rewritten is not None and rewritten != line and (edit := minimal(text, Edit(start, start + len(line), rewritten))):
                edits.append(edit)
            break
        if len(edits) > MAX_EDITS:
            return None
    if not edits:
        return None
    return Proposal("repeat", tuple(edits), f"repeat the edit in {_places(len(edits))}")


def _near_lines(text: str, ls: int, n: int, below: int | None = None) -> list[int]:
    """Where the n lines above and the n (or `below`) lines below the line starting at `ls` start."""
    out, at = [], ls
    for _ in range(n):
        if at == 0:
            break
        at = text.rfind("\n", 0, at - 1) + 1
        out.append(at)
    at = ls
    for _ in range(n if below is None else below):
        nl = text.find("\n", at)
        if nl == -1:
            break
        at = nl + 1
        out.append(at)
    return sorted(out)


# -- comments in sentence case --------------------------------------------------------------

_COMMENT_START = re.compile(r"^([ \t]*(?:#:?|//+|/?\*+)[ \t]*)([a-z][a-z]*)(?= [A-Za-z`'\"(])", re.MULTILINE)
_COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//|/?\*)")


def _sentence_start(text: str, line_start: int) -> bool:
    """Whether the comment on the line starting at `line_start` starts a sentence: the first
    line of its comment, or the one after a line that ended one."""
    if line_start == 0:
        return True
    prev_start = text.rfind("\n", 0, line_start - 1) + 1
    prev = text[prev_start:line_start - 1]
    return not _COMMENT_LINE.match(prev) or prev.rstrip().endswith((".", "!", "?"))


def propose_sentence_case(text: str, last: LastEdit) -> Proposal | None:
    """The first word of a comment capitalised (`# the` → `# The`): the comments of the file
    that start a sentence in lower case."""
    if len(last.before) != 1 or last.after != last.before.upper() or not last.before.islower():
        return None
    ls = text.rfind("\n", 0, last.start) + 1
    m = _COMMENT_START.match(last.old_text(text), ls)
    if m is None or m.end(1) != last.start or not _sentence_start(text, ls) or _DIRECTIVE.search(text[ls:last.start + 40]):
        return None
    edits = []
    for m in _COMMENT_START.finditer(text):
        line_start = m.start()
        if line_start == ls or not _sentence_start(text, line_start):
            continue
        line_end = text.find("\n", m.end())
        if _DIRECTIVE.search(text[line_start:len(text) if line_end == -1 else line_end]):
            continue
        edits.append(Edit(m.end(1), m.end(1) + 1, text[m.end(1)].upper()))
        if len(edits) > MAX_EDITS:
            return None
    if not edits:
        return None
    return Proposal("repeat", tuple(edits), f"capitalise {_places(len(edits))} comment{'s' if len(edits) != 1 else ''}")


# -- together -------------------------------------------------------------------------------

def propagate(text: str, language: str | None, tree: Tree | None, last: LastEdit,
              budget_ms: float = BUDGET_MS) -> Proposal | None:
    """The edit that follows mechanically from `last`, or None when nothing does for sure
    (nor within `budget_ms`: the predictors after it are not run)."""
    if last.before == last.after or len(last.before) + len(last.after) > MAX_HUNK_CHARS:
        return None
    deadline = time.perf_counter() + budget_ms / 1000
    trimmed = minimal(last.old_text(text), Edit(last.start, last.start + len(last.before), last.after))
    if trimmed is not None:  # what the user changed, without what they retyped as it was
        last = LastEdit(trimmed.start, last.old_text(text)[trimmed.start:trimmed.end], trimmed.new_text)
    for propose in (propose_rename, propose_parameters, propose_arguments):
        found = propose(text, tree, last)
        if found is not None:
            return found
        if time.perf_counter() > deadline:
            return None
    repeat, switch = propose_repeat(text, last, tree), propose_switch(text, tree, last)
    if repeat is not None and switch is not None:  # both read the same edit: every place, the repeat's first
        extra = tuple(e for e in switch.edits if not any(e.start <= r.end and r.start <= e.end for r in repeat.edits))
        return Proposal("repeat", repeat.edits + extra, f"{repeat.title}; {switch.title}") if extra else repeat
    if repeat or switch or time.perf_counter() > deadline:
        return repeat or switch
    return propose_sentence_case(text, last) or propose_same_change(text, last, tree) \
        or (propose_span_repeat(text, last, tree) if time.perf_counter() < deadline else None)


def rank(text: str, edits: tuple[Edit, ...] | list[Edit], cursor: int) -> list[Edit]:
    """Edits merged by line (all of a line's changes as one edit, and those of consecutive
    lines as one block, as a diff shows them) and ordered for showing: the first after the
    cursor first, then on down, then those above."""
    by_line: dict[int, list[Edit]] = {}
    for e in edits:
        by_line.setdefault(text.count("\n", 0, e.start), []).append(e)
    groups: list[list[Edit]] = []
    last_line = first_line = -2
    for line in sorted(by_line):
        group = sorted(by_line[line], key=lambda e: e.start)
        if groups and line == last_line + 1 and line - first_line < MERGE_LINES:
            groups[-1].extend(group)
        else:
            groups.append(group)
            first_line = line
        last_line = text.count("\n", 0, max(e.end for e in group))
    merged = []
    for group in groups:
        start, end = group[0].start, max(e.end for e in group)
        body, pos = [], start
        for e in group:
            if e.start < pos:  # overlapping: not one block
                body = None
                break
            body.append(text[pos:e.start])
            body.append(e.new_text)
            pos = max(pos, e.end)
        if body is None:
            merged.extend(group)
            continue
        body.append(text[pos:end])
        merged.append(Edit(start, end, "".join(body)))
    return sorted(merged, key=lambda e: (e.start < cursor, e.start if e.start >= cursor else -e.start))


def line_pieces(text: str, edit: Edit) -> list[Edit]:
    """An edit of several lines that rewrites them line for line, as one edit per changed line
    (what an inline edit on one line can show); [edit] otherwise."""
    old = text[edit.start:edit.end]
    if "\n" not in old or old.count("\n") != edit.new_text.count("\n"):
        return [edit]
    pieces, at = [], edit.start
    for o, n in zip(old.split("\n"), edit.new_text.split("\n")):
        piece = minimal(text, Edit(at, at + len(o), n))
        if piece is not None:
            pieces.append(piece)
        at += len(o) + 1
    return pieces or [edit]


def reparse(language: str | None, text: str, tree: Tree | None, edits: list[Edit]) -> Tree | None:
    """The tree of `text` with `edits` applied: an incremental re-parse of `tree` when given."""
    parser = make_parser(language)
    if parser is None:
        return None
    new_text = apply_edits(text, edits)
    if tree is None:
        return parser.parse(new_text.encode())
    nb = _bytes(text)
    edited = tree.copy()
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        ls = text.rfind("\n", 0, e.start) + 1
        row = text.count("\n", 0, e.start)
        start_byte, old_end_byte = nb.byte(e.start), nb.byte(e.end)
        start_col = start_byte - nb.byte(ls)
        end_ls = text.rfind("\n", 0, e.end) + 1
        old_end = (text.count("\n", 0, e.end), old_end_byte - nb.byte(end_ls))
        new_lines = e.new_text.split("\n")
        tail = len(new_lines[-1].encode())
        new_end = (row + len(new_lines) - 1, start_col + tail if len(new_lines) == 1 else tail)
        edited.edit(start_byte=start_byte, old_end_byte=old_end_byte, new_end_byte=start_byte + len(e.new_text.encode()),
                    start_point=(row, start_col), old_end_point=old_end, new_end_point=new_end)
    return parser.parse(new_text.encode(), edited)


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
    if make_parser(language) is not None:
        if tree is None:
            tree = parse(language, text)
        base = error_count(tree)
        after = reparse(language, text, tree, kept)
        if after is not None and error_count(after) > base:
            # Keep those that do no harm one by one (the first few: the rest are not shown first).
            kept = [e for e in kept[:MAX_PARSE_CHECKS] if error_count(reparse(language, text, tree, [e])) <= base]
    return kept
