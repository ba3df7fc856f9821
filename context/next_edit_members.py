"""A class's (or object literal's) members, for renames: the class or literal a member is defined in,
its uses through `self`/`this`/`cls` (and the names that hold `this`, the prototype; in the classes
of the file that extend it), the parent's
method called through `super()`, the keys of the records written alike.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from atelier.context.next_edit_hunks import _occurrences
from atelier.context.next_edit_tree import (
    _Bytes, _CLASS_NODES, _defines, _enclosing_class, _enclosing_function, _inside, _name_at, _owner, _role, _text,
    per_text,
)


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
    # A method of a base class is called through `self` in the classes of the file that extend
    # it (`self.assertFormRenders(...)` in a test case built on the mixin), where they do not
    # define one of that name themselves.
    for sub in _subclasses(text, root, nb, host):
        uses, own = [], False
        for at in _occurrences(text, old_name, *nb.node(sub)):
            n = _name_at(root, nb, at, old_name)
            if n is not None and _member_host(n) is not None:
                own = True
                break
            if n is not None and _role(n) == "member" and _owner(n) in ("self", "cls", "this") \
                    and _enclosing_class(n) == sub:
                uses.append(n)
        if not own:
            out.extend(uses)
    return out


# Where a class is defined: `class Name` (its bases are read from the tree).
_CLASS = re.compile(r"(?<![\w$.])class\s+([A-Za-z_$][\w$]*)")


def _subclasses(text: str, root: Node, nb: _Bytes, host: Node) -> list[Node]:
    """The classes of the file that extend `host`, directly or through one another."""
    name = _text(host.child_by_field_name("name"))
    if not name or host.type not in _CLASS_NODES:
        return []
    classes = []
    for m in _CLASS.finditer(text):
        n = _name_at(root, nb, m.start(1), m.group(1))
        cls = n.parent if n is not None else None
        if cls is not None and cls.type in _CLASS_NODES and cls.child_by_field_name("name") == n:
            bases = cls.child_by_field_name("superclasses") or next(
                (c for c in cls.children if c.type == "class_heritage"), None)
            names = {b.split(".")[-1] for b in re.findall(r"[A-Za-z_$][\w$.]*", _text(bases))} if bases is not None else set()
            classes.append((cls, m.group(1), names))
    found, names = [], {name}
    while True:
        more = [(c, n) for c, n, bases in classes if bases & names and n not in names and c != host]
        if not more:
            return found
        found += [c for c, _ in more]
        names |= {n for _, n in more}


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
    aliases, prototypes = _aliases_in(text)
    return set(aliases | prototypes) if owner in aliases or owner in prototypes else {owner}


@per_text
def _aliases_in(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names `this` goes by in the file, and its prototypes (three scans of the whole text)."""
    aliases = {m.group(1) for m in _THIS_ALIAS.finditer(text)} | {"this"}
    prototypes = {m.group(1) + ".prototype" for m in _PROTOTYPE.finditer(text)} \
        | {m.group(1) for m in _PROTOTYPE_ALIAS.finditer(text)}
    return frozenset(aliases), frozenset(prototypes)
