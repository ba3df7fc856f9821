"""Rename: one name replaced at one occurrence → the other occurrences in its scope (and the
keyword arguments of a renamed parameter, the same parameter of the functions beside once its
own function is done, the open files importing this one); a class's (or object literal's)
member → its uses through `self`/`this` (found by next_edit_members); a misspelt call → its
definition, a word respelt in a comment, a name in a doc example, a markup tag (next_edit_words).
The switch of a name to one in use is next_edit_switch's.
"""

from __future__ import annotations

import difflib
import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_calls import _calls_of
from atelier.context.next_edit_hunks import (
    LastEdit, MAX_EDITS, Proposal, _NAME_KEYWORDS, _PARAMETER_DOC, _line_span, _occurrences, _places, _word,
    tokens,
)
from atelier.context.next_edit_members import (
    _clashes, _member_host, _member_owners, _member_uses, _records, _super_calls, _this_aliases,
)
from atelier.context.next_edit_scope import _binds, _defined, _locals_of, _parameter_name, _provided
from atelier.context.next_edit_tree import (
    _Bytes, _DEFINITION_NODES, _bytes, _defines, _enclosing_function, _in_type, _inside, _name_at, _owner, _prose,
    _role, _text,
)
from atelier.context.next_edit_words import (
    _closing_tag, _definition_of, _documented_parameter, _example_rename, _method_of, _respell, _typo,
)


# The most places a rename to a name already in use proposes (more: a name switched in one place).
MAX_IN_USE_PLACES = 4


def renamed_names(text: str, last: LastEdit) -> dict[tuple[str, str], list[int]] | None:
    """{(old name, new name): where the new name now stands} when the user's hunk, read as
    tokens of its lines, replaced names by names (paired by position) and nothing else."""
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
    return pairs or None


def _renamed(text: str, last: LastEdit) -> tuple[str, str, list[int]] | None:
    """(old name, new name, where the new name now stands) when the user's hunk replaced one
    name by another (wherever it stands in the hunk) and nothing else."""
    pairs = renamed_names(text, last)
    if pairs is None or len(pairs) != 1:
        return None
    (old_name, new_name), where = next(iter(pairs.items()))
    return old_name, new_name, where


def _rename_site(text: str, tree: Tree | None, last: LastEdit):
    """(old name, new name, where, the text's bytes, the tree's root) of a one-name change."""
    found = _renamed(text, last)
    if found is None or tree is None:
        return None
    return (*found, _bytes(text), tree.root_node)


def propose_rename(text: str, tree: Tree | None, last: LastEdit, in_use: bool = False) -> Proposal | None:
    site = _rename_site(text, tree, last)
    if site is None:
        return None if in_use else _destructured(text, tree, last)
    old_name, new_name, where, nb, root = site
    if not _one_letter(old_name, new_name) \
            and any((n := _name_at(root, nb, w, new_name)) is not None and _other_import(n) for w in where):
        return None
    if in_use and (_provided(root, old_name) or _declared_again(text, root, nb, where, new_name)):
        return None  # `str` → `Markup` in one annotation: not every `str` of the file
    return rename_pair(text, *site, in_use=in_use)


def propose_rename_in_use(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """The last resort for a name replaced by one already in use where it stands (`if i is None`
    → `if index is None`, `self.reply(channel)` → `self.reply(chan)`), when no other rule
    answers: the old name's other uses follow, if they are few (a switch of one use to another
    variable leaves the rest; a swap of two names is undone at the next line)."""
    found = propose_rename(text, tree, last, in_use=True)
    return found if found is not None and len(found.edits) <= MAX_IN_USE_PLACES else None


def _declared_again(text: str, root: Node, nb: _Bytes, where: list[int], name: str) -> bool:
    """Whether the user's edit made a declaration (`var read = 1`) of a name its function
    already declares: two variables under one name, a clash rather than a rename."""
    edited = [n for w in where if (n := _name_at(root, nb, w, name)) is not None
              and n.parent is not None and n.parent.type == "variable_declarator"]
    if not edited:
        return False
    fn = _enclosing_function(edited[0])
    s0, s1 = nb.node(fn) if fn is not None else (0, len(text))
    return any((n := _name_at(root, nb, at, name)) is not None and n not in edited and _binds(n)
               and _enclosing_function(n) == fn for at in _occurrences(text, name, s0, s1))


def rename_pair(text: str, old_name: str, new_name: str, where: list[int], nb: _Bytes, root: Node,
                in_use: bool = False) -> Proposal | None:
    """The rename of `old_name` to `new_name`, written by the user where `new_name` now stands
    at `where`: its other occurrences in its scope and role (`in_use`: even where `new_name`
    already stands beside them)."""
    edited = [n for w in where if (n := _name_at(root, nb, w, new_name)) is not None]
    if not edited:
        return _respell(text, root, nb, old_name, new_name, where) \
            or _documented_parameter(text, root, nb, old_name, new_name, where) \
            or _example_rename(text, root, nb, old_name, new_name, where) \
            or _closing_tag(text, old_name, new_name, where)
    node = edited[0]
    role = _role(node)
    if role == "shorthand" or _still_bound_beside(node, old_name):
        return None
    olds = [n for at in _occurrences(text, old_name)
            if (n := _name_at(root, nb, at, old_name)) is not None and _role(n) == role and not _defines(n)]
    cls = _member_host(node)
    if cls is not None:  # a method or class attribute: its uses through `self`/`this` in its class
        olds = _member_uses(text, root, nb, cls, node, old_name) + _super_calls(text, root, nb, node, old_name)
    elif role == "member":  # `self.a`: the same attribute of the same object, not every `.a`
        owners = set().union(*(_this_aliases(text, _owner(n)) for n in edited if _role(n) == "member"))
        olds = [n for n in olds if _owner(n) in owners]
    elif role == "key":  # `{a: 1}`: a key of this object; other objects' keys are theirs
        literal = node.parent.parent if node.parent is not None else None
        records = _records(literal)
        olds = [n for n in olds if literal is not None and n.parent is not None and n.parent.parent == literal] \
            or [n for n in olds if n.parent is not None and n.parent.parent in records]
    # `sigletonify(self)` → `singletonify(self)`: a misspelt function's one definition follows its
    # use; and a function's use renamed to a name that nothing defines, not even the language
    # (`wrap_in_sync(x)` → `_synchronize_coroutine(x)`): the function renamed, starting from a call.
    renamed_use = _typo(old_name, new_name) \
        or not _defined(text, root, nb, new_name) and not _provided(root, new_name)
    spelt = _definition_of(root, nb, text, node, old_name) \
        if role == "name" and cls is None and not _defines(node) and renamed_use else None
    if role == "member" and renamed_use and _method_of(root, nb, text, node, new_name) is None:
        spelt = _method_of(root, nb, text, node, old_name)  # `self._get_pagninator()`: its method's definition too
    defined = node.parent if node.parent is not None and node.parent.type in _FUNCTION_DEFINITIONS \
        and node.parent.child_by_field_name("name") == node else None
    mentions = _called_in_comments(text, root, nb, defined, old_name, new_name) if defined is not None else []
    if not olds and spelt is None and not mentions:
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
    targets = [n for n in olds if _inside(n, scope) and not _outer_default(n, scope)] + ([spelt] if spelt is not None else [])
    if scope == root and role == "name" and cls is None:  # a module's name: not where a function has one of its own
        targets = _not_shadowed(text, root, nb, targets, old_name)
    # A name that was already in use here: replacing one use is not a rename.
    s0, s1 = nb.node(scope)
    mine = set(where)
    owners = _member_owners(text, cls) if cls is not None else set()
    if not in_use and any(at not in mine and (n := _name_at(root, nb, at, new_name)) is not None
                          and _clashes(n, role, owners, cls) for at in _occurrences(text, new_name, s0, s1)):
        return None
    if not targets and in_params and role == "name" and len(where) > 1 and fn is not None and not _in_type(node):
        return _sibling_parameters(text, root, nb, fn, old_name, new_name)
    value = _reassigned_from(text, root, nb, node, old_name) if role == "name" else None
    if value is not None:  # `kwargs = {..., params}` for `params = {..., params}`: a new variable from here on
        targets = [n for n in targets if n.start_byte >= value.end_byte]
    if not targets and not mentions or len(targets) > MAX_EDITS:
        return None
    edits = [Edit(*nb.node(_shorthand(text, n, new_name)), new_name) for n in targets] + mentions
    if in_params and role == "name" and fn is not None:
        edits += _keyword_renames(text, root, nb, fn, old_name, new_name) \
            + _parameter_documented(text, root, nb, fn, old_name, new_name)
    return Proposal("rename", tuple(edits), f"rename `{old_name}` → `{new_name}` ({_places(len(edits))})",
                    names=(old_name, new_name) if scope == root and cls is None else ())


def _not_shadowed(text: str, root: Node, nb: _Bytes, nodes: list[Node], name: str) -> list[Node]:
    """Those of `nodes` (occurrences of a module's `name`) that no function around binds anew
    (`var setType = …` in a function is that function's own)."""
    shadows: dict[int, bool] = {}

    def shadowed(fn: Node | None) -> bool:
        if fn is None:
            return False
        if fn.start_byte not in shadows:
            shadows[fn.start_byte] = bool(_locals_of(text, root, nb, fn, {name}, declared=True)) \
                or shadowed(_enclosing_function(fn.parent))
        return shadows[fn.start_byte]

    return [n for n in nodes if not shadowed(_enclosing_function(n))]


# Patterns that bind several names at once (`a, b = …`, `[a, b] = …`, `const {a, b} = …`).
_PATTERNS = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "array_pattern", "object_pattern"})


def _still_bound_beside(node: Node, old_name: str) -> bool:
    """Whether the pattern that binds `node` binds `old_name` too (`query, query` → `params,
    query`: a name bound twice fixed, the other one stays)."""
    parent = node.parent
    return parent is not None and parent.type in _PATTERNS \
        and any(c.type == "identifier" and _text(c) == old_name for c in parent.named_children)


def _reassigned_from(text: str, root: Node, nb: _Bytes, node: Node, old_name: str) -> Node | None:
    """The value assigned to `node` when it reads the old name (`params = {"raw": params}`
    renamed `kwargs = ...`): that value is the old variable's, and the new name a new variable
    from the assignment on, so the uses before it (and in it) keep the old name. Else None."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type in ("assignment", "assignment_expression") and parent.child_by_field_name("left") == node:
        value = parent.child_by_field_name("right")
    elif parent.type == "variable_declarator" and parent.child_by_field_name("name") == node:
        value = parent.child_by_field_name("value")
    else:
        return None
    if value is None:
        return None
    reads = any((n := _name_at(root, nb, at, old_name)) is not None and _role(n) == "name"
                for at in _occurrences(text, old_name, *nb.node(value)))
    return value if reads else None


def _sibling_parameters(text: str, root: Node, nb: _Bytes, fn: Node, old_name: str, new_name: str) -> Proposal | None:
    """A parameter renamed with all its uses in the user's hunk (the function done): the same
    parameter of the functions beside it, where the new name is free."""
    outer = _enclosing_function(fn.parent)
    edits: list[Edit] = []
    seen: set[int] = set()
    for at in _occurrences(text, old_name):
        n = _name_at(root, nb, at, old_name)
        other = _enclosing_function(n) if n is not None else None
        if other is None or other == fn or other.start_byte in seen or _enclosing_function(other.parent) != outer:
            continue
        params = other.child_by_field_name("parameters")
        if params is None or not _inside(n, params) or _role(n) != "name" or _in_type(n):
            continue
        seen.add(other.start_byte)
        o0, o1 = nb.node(other)
        if any(_name_at(root, nb, a, new_name) is not None for a in _occurrences(text, new_name, o0, o1)):
            continue
        uses = [u for a in _occurrences(text, old_name, o0, o1)
                if (u := _name_at(root, nb, a, old_name)) is not None and _role(u) in ("name", "shorthand")]
        if any(_role(u) == "shorthand" for u in uses):
            continue
        edits += [Edit(*nb.node(u), new_name) for u in uses]
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("rename", tuple(edits), f"rename `{old_name}` → `{new_name}` beside ({_places(len(edits))})")


def _outer_default(node: Node, fn: Node) -> bool:
    """Whether `node` stands in a default value or an annotation of the Python function `fn`'s
    parameters, which are read where the function is defined, not in it (`def f(copy=copy.copy)`:
    the module `copy`)."""
    params = fn.child_by_field_name("parameters") if fn.type in ("function_definition", "lambda") else None
    return params is not None and _inside(node, params) and not _parameter_name(node, params)


def _one_letter(old: str, new: str) -> bool:
    """Whether `new` is `old` with one letter more or less (`typings` → `typing`, `text_types` →
    `text_type`): the import's name corrected, not another module or function imported."""
    short, long = sorted((old, new), key=len)
    return len(long) == len(short) + 1 and len(short) >= 3 \
        and any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _other_import(node: Node) -> bool:
    """Whether `node` is what a Python import statement imports, the one name the user changed
    (`import cgi` → `import re`, `from m import iteritems` → `itervalues`: another module or
    function, not the old one under a new name (`cgi.escape` is no `re.escape`). A new module
    with it (`from six.moves import xrange` → `from compat import range_type` is a shim for it."""
    parent = node.parent
    return parent is not None and parent.type == "dotted_name" and parent.parent is not None \
        and parent.parent.type in ("import_statement", "import_from_statement") and parent.named_child_count == 1 \
        and parent.parent.child_by_field_name("module_name") != parent


# `const`/`let`: code written since ES2015, which has shorthand properties too.
_ES2015 = re.compile(r"^\s*(?:export\s+)?(?:const|let)\s", re.M)


def _shorthand(text: str, node: Node, new_name: str) -> Node:
    """What the renamed variable's occurrence `node` becomes `new_name` in: `stdio: stdioOption`
    as a whole where the key is the new name (the shorthand `stdio`, in code of the age that
    has it), else the name itself."""
    pair = node.parent
    if pair is None or pair.type != "pair" or pair.child_by_field_name("value") != node:
        return node
    key = pair.child_by_field_name("key")
    shorthand = key is not None and key.type == "property_identifier" and _text(key) == new_name
    return pair if shorthand and _ES2015.search(text) is not None else node


# Definitions of a function whose comments may mention its call.
_FUNCTION_DEFINITIONS = ("function_definition", "method_definition", "function_declaration")


def _parameter_documented(text: str, root: Node, nb: _Bytes, fn: Node, old_name: str, new_name: str) -> list[Edit]:
    """Where the documentation of the function `fn` names its renamed parameter (`:param old:` in
    its docstring, `@param {T} old` in the JSDoc right above it): the documentation follows."""
    lo, f1 = nb.node(fn)
    holder = fn  # the statement the function starts (an export, an assignment), whose comment is its JSDoc
    while holder.parent is not None and holder.parent.start_byte == holder.start_byte and holder.parent.type != "program":
        holder = holder.parent
    prev = holder.prev_sibling
    if prev is not None and prev.type == "comment" and text.count("\n", nb.index(prev.end_byte), nb.index(holder.start_byte)) <= 1:
        lo = nb.index(prev.start_byte)
    out = []
    for m in _PARAMETER_DOC.finditer(text, lo, f1):
        if m.group(1) == old_name and _prose(root.descendant_for_byte_range(nb.byte(m.start(1)), nb.byte(m.start(1)) + 1)):
            out.append(Edit(m.start(1), m.end(1), new_name))
    return out


def _called_in_comments(text: str, root: Node, nb: _Bytes, fn: Node, old_name: str, new_name: str) -> list[Edit]:
    """In the comments and docstring of the function `fn` renamed where it is defined, the
    mentions of its call (`first time seed() is called`): they speak of this function."""
    out = []
    for at in _occurrences(text, old_name, *nb.node(fn)):
        if text.startswith("(", at + len(old_name)) and _prose(root.descendant_for_byte_range(nb.byte(at), nb.byte(at) + 1)):
            out.append(Edit(at, at + len(old_name), new_name))
    return out


# `: name` written after a destructured key (`{ a }` → `{ a: b }`).
_ALIAS = re.compile(r"\s*:\s*([A-Za-z_$][\w$]*)\s*\Z")


def _destructured(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """`{ a }` → `{ a: b }`: the variable `a` is now called `b`, in the function that
    destructures it."""
    m = _ALIAS.match(last.after)
    if last.before or m is None or tree is None:
        return None
    nb, root, new_name = _bytes(text), tree.root_node, m.group(1)
    node = _name_at(root, nb, last.start + m.start(1), new_name)
    pair = node.parent if node is not None else None
    if pair is None or pair.type != "pair_pattern" or pair.child_by_field_name("value") != node:
        return None
    key = pair.child_by_field_name("key")
    if key is None or key.end_byte != nb.byte(last.start) or not re.fullmatch(r"[A-Za-z_$][\w$]*", _text(key)):
        return None
    old_name = _text(key)
    scope = _enclosing_function(pair) or root
    s0, s1 = nb.node(scope)
    if any(_name_at(root, nb, at, new_name) not in (None, node) for at in _occurrences(text, new_name, s0, s1)):
        return None  # the new name was in use: not a rename
    olds = [n for at in _occurrences(text, old_name, s0, s1)
            if (n := _name_at(root, nb, at, old_name)) is not None and _role(n) == "name" and not _inside(n, pair)]
    if not olds or len(olds) > MAX_EDITS or any(_binds(n) for n in olds):
        return None  # nothing to follow, or another variable of that name
    edits = tuple(Edit(*nb.node(n), new_name) for n in olds)
    return Proposal("rename", edits, f"rename `{old_name}` → `{new_name}` ({_places(len(edits))})")


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
