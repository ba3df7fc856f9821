"""Rename: one name replaced at one occurrence → the other occurrences in its scope (and the
keyword arguments of a renamed parameter, the same parameter of the functions beside once its
own function is done, the open files importing this one); a class's (or object literal's)
member → its uses through `self`/`this`; a name switched to one in use → the other uses in the
same slot; an attribute of `self` read from a parameter instead → its other reads in the
function; a markup element renamed in its opening tag → its closing tag; a word respelt in a
comment → the others.
"""

from __future__ import annotations

import difflib
import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_calls import _calls_of
from atelier.context.next_edit_hunks import (
    LastEdit, MAX_EDITS, Proposal, _NAME_KEYWORDS, _line_span, _occurrences, _places, _word, tokens,
)
from atelier.context.next_edit_scope import _binds
from atelier.context.next_edit_tree import (
    _Bytes, _CALL_NODES, _CLASS_NODES, _DEFINITION_NODES, _MEMBER_NODES, _bytes, _callee, _defines, _enclosing_class,
    _enclosing_function, _in_type, _inside, _name_at, _owner, _prose, _role, _text,
)


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


def propose_rename(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    site = _rename_site(text, tree, last)
    if site is None:
        return _destructured(text, tree, last)
    old_name, new_name, where, nb, root = site
    if not _one_letter(old_name, new_name) \
            and any((n := _name_at(root, nb, w, new_name)) is not None and _other_import(n) for w in where):
        return None
    return rename_pair(text, *site)


def rename_pair(text: str, old_name: str, new_name: str, where: list[int], nb: _Bytes, root: Node) -> Proposal | None:
    """The rename of `old_name` to `new_name`, written by the user where `new_name` now stands
    at `where`: its other occurrences in its scope and role."""
    edited = [n for w in where if (n := _name_at(root, nb, w, new_name)) is not None]
    if not edited:
        return _respell(text, root, nb, old_name, new_name, where) \
            or _example_rename(text, root, nb, old_name, new_name, where) \
            or _closing_tag(text, old_name, new_name, where)
    node = edited[0]
    role = _role(node)
    if role == "shorthand":
        return None
    olds = [n for at in _occurrences(text, old_name)
            if (n := _name_at(root, nb, at, old_name)) is not None and _role(n) == role and not _defines(n)]
    cls = _member_host(node)
    if cls is not None:  # a method or class attribute: its uses through `self`/`this` in its class
        olds = _member_uses(text, root, nb, cls, node, old_name) + _super_calls(text, root, nb, node, old_name)
    elif role == "member":  # `self.a`: the same attribute of the same object, not every `.a`
        owners = _this_aliases(text, _owner(node))
        olds = [n for n in olds if _owner(n) in owners]
    elif role == "key":  # `{a: 1}`: a key of this object; other objects' keys are theirs
        literal = node.parent.parent if node.parent is not None else None
        records = _records(literal)
        olds = [n for n in olds if literal is not None and n.parent is not None and n.parent.parent == literal] \
            or [n for n in olds if n.parent is not None and n.parent.parent in records]
    # `sigletonify(self)` → `singletonify(self)`: a misspelt function's one definition follows its use.
    spelt = _definition_of(root, nb, text, node, old_name) \
        if role == "name" and cls is None and not _defines(node) and _typo(old_name, new_name) else None
    if role == "member" and _typo(old_name, new_name):  # `self._get_pagninator()`: its method's definition too
        spelt = _method_of(root, nb, text, node, old_name)
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
    targets = [n for n in olds if _inside(n, scope)] + ([spelt] if spelt is not None else [])
    # A name that was already in use here: replacing one use is not a rename.
    s0, s1 = nb.node(scope)
    mine = set(where)
    owners = _member_owners(text, cls) if cls is not None else set()
    if any(at not in mine and (n := _name_at(root, nb, at, new_name)) is not None and _clashes(n, role, owners, cls)
           for at in _occurrences(text, new_name, s0, s1)):
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
        edits += _keyword_renames(text, root, nb, fn, old_name, new_name)
    return Proposal("rename", tuple(edits), f"rename `{old_name}` → `{new_name}` ({_places(len(edits))})",
                    names=(old_name, new_name) if scope == root and cls is None else ())


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


# A markup tag of a name, opening (`<name`, `<name attr>`) or closing (`</name>`).
_TAG = r"<(/?){name}(?=[\s/>])[^<>]*?(/?)>"


def _closing_tag(text: str, old_name: str, new_name: str, where: list[int]) -> Proposal | None:
    """A markup element renamed in its opening tag (`<jsondata>` → `<content>`, in a string, a
    template) → the tag that closes it (the same elements nested inside counted)."""
    if len(where) != 1 or text[where[0] - 1:where[0]] != "<":
        return None
    opening = re.compile(_TAG.format(name=re.escape(new_name))).match(text, where[0] - 1)
    if opening is None or opening.group(2):
        return None  # not a tag, or one that closes itself
    depth = 1
    for m in re.compile(_TAG.format(name=re.escape(old_name))).finditer(text, opening.end()):
        if m.group(2):
            continue
        depth += -1 if m.group(1) else 1
        if depth == 0:
            at = m.start() + 2
            return Proposal("rename", (Edit(at, at + len(old_name), new_name),), f"close `<{new_name}>`")
    return None


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


def _records(literal: Node | None) -> list[Node]:
    """The object literals beside `literal` in a table of them (`{about: {...}, info: {...}}`,
    `[{...}, {...}]`): records whose keys are one schema."""
    table = literal.parent if literal is not None else None
    if table is not None and table.type == "pair" and table.child_by_field_name("value") == literal:
        table = table.parent
        rows = [p.child_by_field_name("value") for p in table.named_children if p.type == "pair"] \
            if table is not None and table.type == "object" else []
    elif table is not None and table.type == "array":
        rows = list(table.named_children)
    else:
        return []
    return [r for r in rows if r is not None and r.type == "object" and r != literal]


def _one_letter(old: str, new: str) -> bool:
    """Whether `new` is `old` with one letter more or less (`typings` → `typing`, `text_types` →
    `text_type`): the import's name corrected, not another module or function imported."""
    short, long = sorted((old, new), key=len)
    return len(long) == len(short) + 1 and len(short) >= 3 \
        and any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _other_import(node: Node) -> bool:
    """Whether `node` is what a Python import statement imports, the one name the user changed
    (`import cgi` → `import re`, `from m import iteritems` → `itervalues`): another module or
    function, not the old one under a new name (`cgi.escape` is no `re.escape`). A new module
    with it (`from six.moves import xrange` → `from compat import range_type`) is a shim for it."""
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


def _member_host(node: Node) -> Node | None:
    """The class (or JavaScript object literal) whose member `node` names where it is defined:
    a method (`def m(self)`, `m() {}`, `get m() {}`), a class attribute (`x = 1` in a Python
    class body, a JavaScript class field); else None."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type in ("function_definition", "method_definition", "field_definition", "public_field_definition"):
        if parent.child_by_field_name("name") != node and parent.child_by_field_name("property") != node:
            return None
        body = parent.parent.parent if parent.parent is not None and parent.parent.type == "decorated_definition" \
            else parent.parent
        if body is not None and body.type == "object" and parent.type == "method_definition":
            return body  # `Parser.prototype = { get line() {...} }`: its members are read through `this`
    elif parent.type == "assignment" and parent.child_by_field_name("left") == node \
            and parent.parent is not None and parent.parent.type == "expression_statement":
        body = parent.parent.parent  # `null_values = (...)` in a class body
    else:
        return None
    cls = body.parent if body is not None and body.type in ("block", "class_body") else None
    return cls if cls is not None and cls.type in _CLASS_NODES else None


def _member_uses(text: str, root: Node, nb: _Bytes, host: Node, node: Node, old_name: str) -> list[Node]:
    """The uses of the member `old_name` of `host` (a class or object literal) defined at `node`:
    `self.x`, `this.x`, `cls.x` in it, and in a Python class body the bare `x` read there."""
    owners = _member_owners(text, host)
    out = []
    for at in _occurrences(text, old_name, *nb.node(host)):
        n = _name_at(root, nb, at, old_name)
        if n is None or n == node:
            continue
        role = _role(n)
        if role == "member" and _owner(n) in owners:
            out.append(n)
        elif role == "name" and host.type == "class_definition" and not _defines(n) \
                and _enclosing_class(n) == host and not _inside_function_of(n, host):
            out.append(n)  # read in the class body itself, where the attribute is a variable
    return out


# Definitions of a function whose comments may mention its call.
_FUNCTION_DEFINITIONS = ("function_definition", "method_definition", "function_declaration")


def _called_in_comments(text: str, root: Node, nb: _Bytes, fn: Node, old_name: str, new_name: str) -> list[Edit]:
    """In the comments and docstring of the function `fn` renamed where it is defined, the
    mentions of its call (`first time seed() is called`): they speak of this function."""
    out = []
    for at in _occurrences(text, old_name, *nb.node(fn)):
        if text.startswith("(", at + len(old_name)) and _prose(root.descendant_for_byte_range(nb.byte(at), nb.byte(at) + 1)):
            out.append(Edit(at, at + len(old_name), new_name))
    return out


def _super_calls(text: str, root: Node, nb: _Bytes, node: Node, old_name: str) -> list[Node]:
    """In the method defined at `node`, its call of the parent's method of the same name
    (`super().setUp()` in `setUp`): an override renamed extends the parent's method of the new
    name (`setUp` → `_pre_setup`)."""
    fn = node.parent
    if fn is None or fn.type not in ("function_definition", "method_definition"):
        return []
    out = []
    for at in _occurrences(text, old_name, *nb.node(fn)):
        n = _name_at(root, nb, at, old_name)
        if n is not None and n != node and _role(n) == "member" and re.match(r"super\b", _owner(n)):
            out.append(n)
    return out


def _member_owners(text: str, host: Node) -> set[str]:
    """How a class's (or object literal's) methods reach its members: `self`, `this` and its
    aliases, `cls`, the class by name."""
    owners = _this_aliases(text, "this") | {"self", "cls", "type(self)", "self.__class__"}
    cname = _text(host.child_by_field_name("name"))
    return owners | {cname} if cname else owners


def _clashes(n: Node, role: str, owners: set[str], host: Node | None) -> bool:
    """Whether the new name at `n` is already taken where the renamed name lives: an attribute
    of another object or an object's key does not take a variable's name (`cursor.read(...)`
    leaves `read` free), nor a variable a member's (`get line()` with a parameter `line`
    elsewhere)."""
    other = _role(n)
    if role == "name" and host is None:  # a variable
        return other not in ("key", "member")
    if host is None:  # `a.x` → `a.y`: any `y` around says the user switched to a name in use
        return True
    if other == "key":
        return False
    if other == "member":  # (no owner: a member's definition, `m() {}`)
        return not _owner(n) or _owner(n) in owners
    return _member_host(n) is not None or host.type == "class_definition" \
        and _enclosing_class(n) == host and not _inside_function_of(n, host)


def _inside_function_of(node: Node, host: Node) -> bool:
    fn = _enclosing_function(node)
    return fn is not None and _inside(fn, host)


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


# `var self = this`, `, that = this`: a name that holds `this` (not `this.x`).
_THIS_ALIAS = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*=\s*this\b(?!\s*[.\[(])")


# `Client.prototype`, and `var p = Client.prototype`: where methods read through `this` are defined.
_PROTOTYPE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\.prototype\b")
_PROTOTYPE_ALIAS = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*=\s*[A-Za-z_$][\w$]*\.prototype\b(?!\s*[.\[(])")


def _this_aliases(text: str, owner: str) -> set[str]:
    """The names an attribute's object goes by: `this` and the names the file gives it
    (`self._a` in a callback is `this._a` where `var self = this`), and the prototypes that
    define what it reads (`p.pulse = function` where `var p = Client.prototype`), one and the
    same object for a rename; else `owner` alone."""
    aliases = {m.group(1) for m in _THIS_ALIAS.finditer(text)} | {"this"}
    prototypes = {m.group(1) + ".prototype" for m in _PROTOTYPE.finditer(text)} \
        | {m.group(1) for m in _PROTOTYPE_ALIAS.finditer(text)}
    return aliases | prototypes if owner in aliases or owner in prototypes else {owner}


def propose_switch(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """One use of a name switched to another name already in use."""
    site = _rename_site(text, tree, last)
    if site is None:
        return _to_parameter(text, tree, last)
    old_name, new_name, where, nb, root = site
    node = next((n for w in where if (n := _name_at(root, nb, w, new_name)) is not None), None)
    if node is None:
        return None
    olds = [n for at in _occurrences(text, old_name)
            if (n := _name_at(root, nb, at, old_name)) is not None and _role(n) == "name"]
    return _switch(node, olds, old_name, new_name, nb)


# An attribute read through the object (`self._app`, `this.options`): what a parameter can replace.
_MEMBER_CHAIN = re.compile(r"(?:self|this)(?:\.[A-Za-z_$][\w$]*)+")


def _to_parameter(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """`self._app.debug` → `app.debug` in a function taking `app`: the object's attribute read
    from the parameter instead, so its other reads in that function follow (`self._app.config`)."""
    if tree is None or "\n" in last.before + last.after:
        return None
    nb, root = _bytes(text), tree.root_node
    node = root.descendant_for_byte_range(nb.byte(last.start), nb.byte(last.start + len(last.after)))
    if node is None or node.type != "identifier":
        return None
    s, e = nb.node(node)
    delta = len(last.after) - len(last.before)
    old_expr = last.old_text(text)[s:e - delta]
    new_name = _text(node)
    if not (s <= last.start and last.start + len(last.after) <= e) or _MEMBER_CHAIN.fullmatch(old_expr) is None:
        return None
    fn = _enclosing_function(node)
    params = fn.child_by_field_name("parameters") if fn is not None else None
    if params is None or not any(_inside(n, params) for at in _occurrences(text, new_name, *nb.node(params))
                                 if (n := _name_at(root, nb, at, new_name)) is not None):
        return None
    f0, f1 = nb.node(fn)
    edits = []
    for m in re.finditer(re.escape(old_expr) + r"(?![\w$])", text[f0:f1]):
        at = f0 + m.start()
        if at > 0 and re.match(r"[\w$.]", text[at - 1]):
            continue
        host = root.descendant_for_byte_range(nb.byte(at), nb.byte(at + len(old_expr)))
        if host is None or _text(host) != old_expr or host.type not in _MEMBER_NODES:
            continue
        if host.parent is not None and host.parent.type in ("assignment", "assignment_expression") \
                and host.parent.child_by_field_name("left") == host:
            return None  # the attribute is set here too: the object's, not a copy of the parameter
        edits.append(Edit(at, at + len(old_expr), new_name))
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("rename", tuple(edits), f"use `{new_name}` for `{old_expr}` ({_places(len(edits))})")


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


def _misspelling(old: str, new: str) -> bool:
    """Whether `new` corrects the spelling of `old` (a letter or two), not a word changed."""
    lo, ln = old.lower(), new.lower()
    if len(old) < 5 or lo == ln or difflib.SequenceMatcher(None, lo, ln).ratio() < 0.75:
        return False
    # another form of the word (`Return` → `Returns`, `htmlOptions` → `options`), not a misspelling
    return not (ln.startswith(lo) or lo.startswith(ln) or ln.endswith(lo) or lo.endswith(ln))


def _typo(old: str, new: str) -> bool:
    """A misspelt name corrected past its first letter: a letter or two left out or doubled
    (`sigletonify` → `singletonify`), or two swapped (`lenght` → `length`); not another name
    alike (`get_user` → `set_user`, `readFile` → `readLine`)."""
    if not _misspelling(old, new):
        return False
    short, long = sorted((old, new), key=len)
    if 1 <= len(long) - len(short) <= 2:
        cut = len(long) - len(short)
        return any(long[:i] + long[i + cut:] == short for i in range(1, len(long) - cut + 1))
    return len(old) == len(new) and any(
        old[:i] + old[i + 1] + old[i] + old[i + 2:] == new for i in range(1, len(old) - 1))


def _definition_of(root: Node, nb: _Bytes, text: str, node: Node, name: str) -> Node | None:
    """The one `def`/`function`/`class` of `name` in the file, where the use `node` sees it."""
    defs = [n for at in _occurrences(text, name) if (n := _name_at(root, nb, at, name)) is not None and _defines(n)]
    if len(defs) != 1 or _member_host(defs[0]) is not None:
        return None  # (a method is no bare name)
    outer = _enclosing_function(defs[0].parent.parent)
    return defs[0] if outer is None or _inside(node, outer) else None


def _method_of(root: Node, nb: _Bytes, text: str, node: Node, name: str) -> Node | None:
    """The one definition of the method `name` in the class whose `self`/`this` the use `node`
    goes through (`self.name(...)` in a method of that class)."""
    host = _enclosing_class(node)
    if host is None or _owner(node) not in _member_owners(text, host):
        return None
    defs = [n for at in _occurrences(text, name, *nb.node(host))
            if (n := _name_at(root, nb, at, name)) is not None and _defines(n) and _member_host(n) == host]
    return defs[0] if len(defs) == 1 else None


# A word that reads as code, not English: `handle_request`, `readFile`, `utf8`.
_CODE_WORD = re.compile(r"[A-Za-z]_|_[A-Za-z]|[a-z][A-Z]|[A-Za-z]\d")
# A plain word is code in an example where a line of it declares the word (` *  var plus = (a, b) =>`,
# `>>> def plus(`) and where code stands on both sides of it (`R.reduce(plus, 10, numbers)`).
_EXAMPLE_DECLARATION = re.compile(r"[ \t*#/>]*(?:(?:var|let|const|def|function)\s+)?[\w$]+\s*(?:=(?!=)|\()")
_EXAMPLE_USE = re.compile(r"[(,\[=][),;.\[(]")


def _example_rename(text: str, root: Node, nb: _Bytes, old: str, new: str, where: list[int]) -> Proposal | None:
    """A name renamed in the code example of a docstring or comment (`def handle_request(...)`
    → `handle_response`): its other occurrences in the same docstring or comment."""
    coded = _CODE_WORD.search(old) is not None and _CODE_WORD.search(new) is not None
    line_start = text.rfind("\n", 0, where[0]) + 1
    if not coded and not _EXAMPLE_DECLARATION.match(text, line_start, where[0] + len(new) + 2) \
            or not coded and text[line_start:where[0]].strip(" \t*#/>") not in ("", "var", "let", "const", "def", "function"):
        return None
    host = root.descendant_for_byte_range(nb.byte(where[0]), nb.byte(where[0] + len(new)))
    if not _prose(host):
        return None
    while host is not None and host.type in ("string_content", "string_start", "string_end", "escape_sequence"):
        host = host.parent
    if host is None:
        return None
    edits = [Edit(at, at + len(old), new) for at in _occurrences(text, old, *nb.node(host))
             if coded or _EXAMPLE_USE.match(text[:at].rstrip()[-1:] + text[at + len(old):].lstrip()[:1])]
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("rename", tuple(edits), f"rename `{old}` → `{new}` in the example ({_places(len(edits))})")


def _respell(text: str, root: Node, nb: _Bytes, old: str, new: str, where: list[int]) -> Proposal | None:
    """A word corrected in a comment or docstring (a spelling fix, not a rewording): the same
    word in the other comments and docstrings."""
    if not _misspelling(old, new):
        return None
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
