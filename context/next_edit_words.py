"""Renames of words rather than variables: a misspelt name (and the definition a misspelt call
names), a word respelt in a comment, a name in a doc comment's example, a markup tag's closing tag,
a parameter renamed in its documentation (→ the parameter).
"""

from __future__ import annotations

import difflib
import re

from tree_sitter import Node

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import MAX_EDITS, Proposal, _PARAMETER_DOC, _occurrences, _places
from atelier.context.next_edit_members import _member_host, _member_owners
from atelier.context.next_edit_scope import _parameter_names
from atelier.context.next_edit_tree import (
    _Bytes, _FUNCTION_NODES, _defines, _descendants, _enclosing_class, _enclosing_function, _inside, _name_at, _owner,
    _prose, _role, _string_of,
)


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


def _definitions_named(root: Node, nb: _Bytes, text: str, name: str) -> list[Node]:
    """The names of the `def`/`function`/`class` statements of `name` in the file."""
    return [n for at in _occurrences(text, name) if (n := _name_at(root, nb, at, name)) is not None and _defines(n)]


def _definition_of(root: Node, nb: _Bytes, text: str, node: Node, name: str) -> Node | None:
    """The one `def`/`function`/`class` of `name` in the file, where the use `node` sees it."""
    defs = _definitions_named(root, nb, text, name)
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


def _beside(text: str, start: int, end: int) -> str:
    """The characters that stand right before text[start:end] and right after it, spaces skipped."""
    before = start
    while before > 0 and text[before - 1].isspace():
        before -= 1
    after = _SPACES.match(text, end).end()
    return text[before - 1:before] + text[after:after + 1]


_SPACES = re.compile(r"\s*")


def _example_rename(text: str, root: Node, nb: _Bytes, old: str, new: str, where: list[int]) -> Proposal | None:
    """A name renamed in the code example of a docstring or comment (`def handle_request(...)`
    → `handle_response`): its other occurrences in the same docstring or comment."""
    coded = _CODE_WORD.search(old) is not None and _CODE_WORD.search(new) is not None
    if not coded:  # a plain word: only where a line of the example declares it
        line_start = text.rfind("\n", 0, where[0]) + 1
        if text[line_start:where[0]].strip(" \t*#/>") not in ("", "var", "let", "const", "def", "function") \
                or not _EXAMPLE_DECLARATION.match(text, line_start, where[0] + len(new) + 2):
            return None
    host = root.descendant_for_byte_range(nb.byte(where[0]), nb.byte(where[0] + len(new)))
    if not _prose(host):
        return None
    host = _string_of(host)
    if host is None:
        return None
    edits = [Edit(at, at + len(old), new) for at in _occurrences(text, old, *nb.node(host))
             if coded or _EXAMPLE_USE.match(_beside(text, at, at + len(old)))]
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


# How far below its documentation the documented function may start (a decorator, a blank line).
DOCUMENTED_WITHIN = 3


def _documented_parameter(text: str, root: Node, nb: _Bytes, old: str, new: str, where: list[int]) -> Proposal | None:
    """A parameter renamed where its documentation names it (`@param {String} filename` →
    `flnm`, `:ivar alias:` → `:ivar jobstore_alias:`) → that parameter of the function documented
    (the JSDoc's function below it, the class's methods below its docstring, the docstring's own
    function), and its uses there: the documentation says what the signature will be."""
    if len(where) != 1:
        return None
    at = where[0]
    doc = _string_of(root.descendant_for_byte_range(nb.byte(at), nb.byte(at + len(new))))
    if not _prose(doc):
        return None
    line_start = text.rfind("\n", 0, at) + 1
    if not any(m.start(1) == at for m in _PARAMETER_DOC.finditer(text, line_start, at + len(new))):
        return None
    for fn in _documented(text, root, nb, doc):
        if _parameter_names(text, root, nb, fn, {old, new}) != {old}:
            continue
        f0, f1 = nb.node(fn)
        uses = [n for a in _occurrences(text, old, f0, f1)
                if (n := _name_at(root, nb, a, old)) is not None and _role(n) in ("name", "shorthand")]
        if not uses or len(uses) > MAX_EDITS or any(_role(n) == "shorthand" for n in uses):
            return None
        edits = tuple(Edit(*nb.node(n), new) for n in uses)
        return Proposal("rename", edits, f"rename the parameter `{old}` → `{new}` as documented ({_places(len(edits))})")
    return None


def _documented(text: str, root: Node, nb: _Bytes, doc: Node) -> list[Node]:
    """The functions a doc comment or docstring documents, nearest first: a function's docstring,
    that function and those defined in it; a class's docstring, its methods; else the function
    that starts right below the comment (in a declaration, a property, an export)."""
    holder = doc.parent.parent.parent if doc.parent is not None and doc.parent.type == "expression_statement" \
        and doc.parent.parent is not None and doc.parent.parent.type == "block" else None
    if holder is not None and (holder.type in _FUNCTION_NODES or holder.type == "class_definition"):
        inner = [n for n in _descendants(holder) if n.type in _FUNCTION_NODES and n.is_named and n.start_byte > doc.end_byte]
        return ([holder] if holder.type in _FUNCTION_NODES else []) + inner
    end = nb.index(doc.end_byte)
    below = _SPACES.match(text, end).end()
    if below >= len(text) or text.count("\n", end, below) > DOCUMENTED_WITHIN:
        return []
    statement = root.descendant_for_byte_range(nb.byte(below), nb.byte(below))
    while statement is not None and statement.parent is not None and statement.parent.start_byte == statement.start_byte \
            and statement.parent != root:
        statement = statement.parent
    first = next((n for n in _descendants(statement) if n.type in _FUNCTION_NODES and n.is_named), None) \
        if statement is not None else None
    return [first] if first is not None and text.count("\n", below, nb.index(first.start_byte)) <= DOCUMENTED_WITHIN else []
