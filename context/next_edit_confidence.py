"""When a repeat or a same-text change is too unsure to show: what the predictors ask beyond one
matching place (a wrong suggestion costs more than a missing one).

- prose reworded (`reworded`): a comment or docstring whose words were rewritten describes its
  own code; the same sentence in another definition's documentation (`owner`) is left alone
  (a respelling, a code reference requalified are still repeated); the same-change predictor
  also keeps prose for prose and code for code;
- a definition's first line or a signature (`opens_definition`: methods, getters, signatures in
  interfaces, beyond `def`/`function`): its siblings are other functions' own, as for `def`;
- variables (with next_edit_scope): a change that writes a variable of the edited function goes
  only where that variable exists too (same-change and arguments, as the repeat already did);
- a name given anew (`names_anew`: an anonymous function named, an alias nothing reads yet) is
  its place's own: neither repeated nor made the same change elsewhere; so is a name written
  from the words of its function's name (`function_words`: `PINO_TEST_WAIT_WATCHFILE_TIMEOUT`
  in `watchFileCreated`), not written in a function named otherwise (`watchForWrite`).
"""

from __future__ import annotations

import collections
import difflib
import re

from tree_sitter import Node, Tree

from atelier.context.next_edit_hunks import _NAME_WORDS, _word
from atelier.context.next_edit_tree import (
    _CLASS_NODES, _DEFINITION_NODES, _FUNCTION_NODES, _Bytes, _ancestor, _enclosing_function, _function_name, _host,
    _name_at, _text,
)


# What a definition may be wrapped in, between a doc comment and the definition it documents.
_WRAPPERS = frozenset({"decorated_definition", "export_statement", "lexical_declaration", "variable_declaration",
                       "expression_statement"})


_WORD = re.compile(r"[^\W\d]\w*")
# Code in prose: a marked-up reference (``x``, :class:`x`), read as no words.
_CODE = re.compile(r"(?::?\w+:)?`+[^`\n]*`+")
# A dotted name (`a.b.C`), read as its last word: qualifying a name is not rewording.
_DOTTED = re.compile(r"[\w$]+\.(?=[\w$])")
# A word replaced by one this alike is a respelling (`straigh` → `straight`), not a rewording.
RESPELLING = 0.8


def reworded(old: str, new: str) -> bool:
    """Whether rewriting the prose `old` as `new` changed its words: not only punctuation,
    numbers, code references or the spelling of one word."""
    gone, put = (collections.Counter(_WORD.findall(_DOTTED.sub("", _CODE.sub(" ", s)))) for s in (old, new))
    removed, added = list((gone - put).elements()), list((put - gone).elements())
    if not removed and not added:
        return False
    return not (len(removed) == len(added) == 1
                and difflib.SequenceMatcher(None, removed[0].lower(), added[0].lower()).ratio() >= RESPELLING)


def owner(tree: Tree | None, nb: _Bytes, index: int) -> int | None:
    """The definition (function, class) that the text at `index` belongs to, by its start byte:
    the one around it, or for a comment just above a definition, that definition; None at
    module level."""
    node: Node | None = _host(tree, nb, index)
    if node is not None and node.type == "comment":
        after = node.next_named_sibling
        while after is not None and after.type == "comment":
            after = after.next_named_sibling
        if after is not None and (after.type in _DEFINITION_NODES or after.type in _WRAPPERS
                                  and any(c.type in _DEFINITION_NODES for c in after.named_children)):
            return after.start_byte
    while node is not None and node.type not in _DEFINITION_NODES:
        node = node.parent
    return node.start_byte if node is not None else None



# What a line that opens a definition or declares a signature starts (beyond `def`, `function`,
# `class`: methods, getters, signatures in an interface or a declaration file).
_HEADER_NODES = frozenset(_DEFINITION_NODES | {"method_signature", "abstract_method_signature", "function_signature",
                                               "construct_signature", "call_signature"})


def opens_definition(tree: Tree | None, nb: _Bytes, text: str, line_start: int) -> bool:
    """Whether the line starting at `line_start` is a definition's first line or a signature
    (`get json(): T {`, `option(flags: string): this;`): one function's own, as `def` lines are."""
    if tree is None:
        return False
    line_end = text.find("\n", line_start)
    line = text[line_start:len(text) if line_end == -1 else line_end]
    at = line_start + len(line) - len(line.lstrip())
    node: Node | None = _host(tree, nb, at)
    while node is not None and node.start_byte == nb.byte(at):
        if node.type in _HEADER_NODES:
            return True
        node = node.parent
    return False


def names_anew(tree: Tree | None, nb: _Bytes, text: str, written: list, base: int) -> bool:
    """Whether what the edit wrote names a thing anew, a name of its place's own: an anonymous
    function given a name (`function *(){` → `function *responseTime(){`), an alias that nothing
    reads yet (`except KeyError:` → `except KeyError as e:`, for the `raise … from e` to come).
    `written`: the tokens the edit wrote alone, at text[base + token.start]."""
    if tree is None or not written or written[-1].kind != "id":
        return False
    name = written[-1]
    node = _name_at(tree.root_node, nb, base + name.start, name.text)
    if [t.text for t in written] == ["as", name.text]:
        clause = _ancestor(node, ("except_clause", "with_statement", "catch_clause"))
        return clause is not None and len(_word(name.text).findall(text, *nb.node(clause))) == 1
    # (A function expression's name too, which `_defines` does not count: `function *responseTime(){`.)
    parent = node.parent if node is not None and len(written) == 1 else None
    return parent is not None and parent.type in _FUNCTION_NODES | _CLASS_NODES \
        and parent.child_by_field_name("name") == node


# How long a word of a function's name must be to count.
NAME_WORD = 4


def _name_words(name: str) -> set[str]:
    return {w.lower() for w in _NAME_WORDS.findall(name) if len(w) >= NAME_WORD}


def function_words(host: Node | None, written: list, old_block: str) -> set[str]:
    """The words of the name of the function around the user's edit that a name the edit wrote
    (and the line did not have) is built from."""
    name = _named_function(host)
    words = _name_words(_text(name)) if name is not None else set()
    new = " ".join(t.text.lower() for t in written if t.kind in ("id", "lit") and t.text not in old_block)
    return {w for w in words if w in new and w not in old_block.lower()}


def for_another_function(words: set[str], tree: Tree, nb: _Bytes, index: int) -> bool:
    """Whether the function around text[index] is another one, whose name lacks one of `words`."""
    name = _named_function(_host(tree, nb, index))
    return not words <= _name_words(_text(name)) if name is not None else True


def _named_function(node: Node | None) -> Node | None:
    """The name of the nearest named function around `node` (past its anonymous callbacks)."""
    fn = _enclosing_function(node)
    while fn is not None and _function_name(fn) is None:
        fn = _enclosing_function(fn.parent)
    return _function_name(fn) if fn is not None else None
