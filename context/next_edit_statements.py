"""Statement fixes that the language's own rules say other statements need too: the user fixed
one statement, the next statement of the same kind with the same flaw gets the same fix.

- a bare comparison made an assertion (`x == 1` → `assert x == 1`, Python): a comparison
  standing alone as a statement has no effect, so the next one was meant as an assertion too;
- a statement ended with `;` where it relied on automatic semicolon insertion (JavaScript,
  TypeScript), in a file whose lines mostly end with one → the next statements that do (those
  on the lines right below each other, shown as one block); a `;` dropped in a file whose lines
  mostly go without → the next ones';
- a trailing comma added after the last item of a list written one item a line (or dropped)
  → the next list of the same kind written so;
- a stub method's `pass` made `raise NotImplementedError` → the next stub of the same class
  (a base class's methods are all meant to be overridden);
- a declaration keyword given to an assignment of a name declared nowhere (an implicit global,
  JavaScript) → the next such assignment in the same function;
- a function made `async` → `await` on the calls its own `return` statements return, in a file
  whose other functions `return await` (a style: many return the promise bare);
- a declaration's keyword switched (`var` → `const`, or back) → the next declarations written
  with the old keyword (`let` where `const` would break a variable assigned again);
- a loose equality made strict (`==` → `===`) → the next loose one against the same kind of
  operand (never `== null`, which is meant loose);
- the redundant `u` prefix dropped from a Python string → the next string that has it;
- a `print` statement made a call (or back) → the next `print` of the old form, rewritten the
  same mechanical way;
- a test method given its `test_` prefix (the runner skipped it) → the next method of the class
  that reads as a test without one (only `self`, undecorated, public, no hook, called nowhere);
- an explicit `object` base dropped from a class (`class A(object):` → `class A:`, or written)
  → the next class written the old way; `set([a, b])` made `{a, b}`, `return (a, b)` made
  `return a, b` → the next one written the old way; a string holding an escape Python does not
  know made raw (`r'(\\d)+'`) → the next plain string that holds one.

Each proposes the next place below the user's edit, and only when the user's edit was exactly
that fix. Places are found by a text search over the lines below the edit, each looked up in
the parsed tree (next_edit_below), never by walking the tree; the rules live in next_edit_python_fixes,
next_edit_js_fixes, next_edit_keywords, next_edit_literals and next_edit_commas.
"""

from __future__ import annotations

from tree_sitter import Tree

from atelier.context.next_edit_commas import _trailing_comma
from atelier.context.next_edit_hunks import LastEdit, Proposal
from atelier.context.next_edit_js_fixes import _awaited, _declared, _semicolon_added, _semicolon_dropped, _strict_equality
from atelier.context.next_edit_keywords import _keyword_switched
from atelier.context.next_edit_literals import _raw_string, _return_tuple, _set_literal
from atelier.context.next_edit_python_fixes import _assertion, _object_base, _print, _stub, _test_prefix, _unicode_prefix
from atelier.context.next_edit_tree import _bytes


def propose_statement_fix(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """The user's fix of one statement made on the next statement that needs it, or None."""
    if tree is None or "\n" in last.before or "\n" in last.after:
        return None
    nb = _bytes(text)
    for rule in (_assertion, _stub, _semicolon_added, _semicolon_dropped, _trailing_comma, _declared, _awaited,
                 _strict_equality, _keyword_switched, _unicode_prefix, _print, _test_prefix, _object_base, _set_literal,
                 _return_tuple, _raw_string):
        found = rule(text, tree, nb, last)
        if found is not None:
            return found
    return None
