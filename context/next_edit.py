"""Next-edit prediction without a model: the edits that follow mechanically from the user's
last one (propagation), and the filters every candidate passes, from the model's too.

- rename: one occurrence of an identifier replaced by another name → the other occurrences in
  its scope (the function that binds it, else the file), of the same role (plain name,
  attribute, keyword); a renamed parameter also renames the keyword arguments that name it at
  the function's calls, and once its function is done in the user's hunk, the same parameter
  of the functions beside. A class's method, attribute or field (or an object literal's
  method) renamed where it is defined → its uses through `self`/`this`/`cls` in it and in the
  file's classes that extend it without their own (and its own call of the parent's method,
  `super().setUp()`); an
  attribute of `this` → the prototype's definition too; a misspelt call → its definition
  (through `self`/`this`: its method's, in that class). A
  name switched to one already in use (`json.loads` → `complexjson.loads`) → the other uses
  in the same slot in the same function (when no rule answers, as a last resort, the old
  name's few other uses in its scope); an attribute of `self`/`this` read from a parameter
  instead (`self._app.debug` → `app.debug`) → its other reads in that function. A
  reassignment's target renamed where its value reads the old name (`params = {"raw": params}`
  → `kwargs = …`) → only the uses after it. A markup element renamed in its opening tag (in
  a string, a template) → its closing tag. A misspelt word corrected in a comment or
  docstring → the same word in the other comments;
- several names renamed in one edit (an import list, a destructuring, a parameter list), each
  replaced by one other name → each name's other occurrences, as for one name;
- parameters: a definition that gained, lost or reordered parameters → the matching change at
  its calls in the file (a new required parameter only where the caller has a variable of that
  name; nothing for a new parameter with a default) and in the calls of its body that forward
  all of its parameters (reordered: those that pass them all in the order received; a dropped
  one passed on by name, `g(t, d=d)`, is no longer passed);
- arguments: a call that gained, lost, reordered or changed arguments → the same change at
  the other calls of that function in the file (the same callee, the same old arguments);
- signature: a call to a function defined in the file gained a keyword argument its definition
  does not take → the definition gains that parameter with the default None; a variable passed
  as one argument more than its plain parameters take → the definition gains it (Python);
- repeat: one of several lines (or blocks of up to three lines) of the same shape rewritten →
  the same rewrite on its siblings, their own names substituted (the user's class named in it,
  `super(A, self)`, the sibling's class; none made up in an import; lines that differ by a
  boolean are siblings; a variable the edit assigns anew is not assigned again in the same
  function); lines rewritten into more or fewer lines → the lines around of the same tokens,
  line for line, in the user's new layout with their own names (where the user's lines do not
  stand again identically); identical lines anywhere in the file (but for spaces) get the same rewrite; a
  number changed goes to identical lines only, and to the assertions below in the same test
  that expect it;
- chaining: a `raise` in an `except` clause chained to its exception (`raise X(…) from err`)
  → the next unchained one below (its clause bound `as err` where it binds nothing); a clause
  just bound `as err` → its own raises;
- asserts: a unittest assertion made a bare `assert` (`self.assertEqual(a, b)` → `assert a == b`)
  → the next call of the same assertion method below, its own arguments in the same template;
- fallback: a directive added to an import fallback's `try:` or import (`# type: ignore`,
  `# pragma: no cover`) → its `except` line, the assignment or import standing in for the
  name there;
- statements: one statement fixed in a way the language's rules say others need too (a bare
  comparison made an `assert`, a statement ended with `;` in a file that ends them, a trailing
  comma, a stub made to raise NotImplementedError, an implicit global declared, a function made
  `async`, `==` made `===`, a `u` prefix dropped, a `print` statement made a call, a test method
  given its `test_` prefix) → the next statement (or method) below with the same flaw;
- comments: a call on a line of its own commented out (`console.log(…)` → `//console.log(…)`)
  → the next call of the same function a few lines below, in the same function (its callbacks
  included; a print farther, in any function), commented out the same way; a directive after a line's code rewritten (`# type:
  ignore[misc]` → `# type: ignore[misc,unused-ignore]`, not a code appended) → the lines below
  whose code ends with the same directive; such a directive deleted → deleted after the code of
  the lines below in the same function;
- qualify: a name given a qualifier where it is used (`wrapper(` → `Utils.wrapper(`, a name the
  file has) or its qualifier dropped (`L.DomUtil.get` → `DomUtil.get`) → the same at its other
  uses (not a variable of that name, not the line that names the alias); a call's callee
  replaced, its arguments kept (`print(x)` → `self.stdout.write(x)`) → the old callee's calls
  below in the same function;
- the same text change where the same distinctive text stands in the same surroundings; a
  parameter's default or type changed in a definition (`params=()` → `params=None`) → the
  parameter of that name, written the same, in the other definitions;
- subword: a part of a name changed (a suffix dropped, a word replaced) → the same change in the
  names of the same scheme: the other keys of that object literal, attributes of that object,
  definitions of that class or file sharing the segment with its neighbours; a test renamed in
  part → the names of its body made of the changed part and its neighbours;
- spelling: a misspelt word corrected in a comment, docstring or string → the next misspelt
  word after it in the comments and strings (another word: the next typo of the proofreading).

Each stays silent when unsure: the new name was already in use, a sibling's own information
would be lost, nothing else matches, a repeat's places all lie above the user's edit, an
attribute's value replaced (`self._running = False` → `threading.Event()`) where other methods
set it (at other times: their values are theirs).
Offsets are Python indices into the document's current text; no LSP types here. Work is
bounded: occurrences are found by a text search and looked up in the (already parsed) tree,
never by walking the whole tree; a candidate's effect on the parse is checked by an
incremental re-parse.

This module runs the predictors in turn (`propagate`); each lives in a module of its own:
next_edit_rename (rename, with next_edit_members and next_edit_words), next_edit_switch,
next_edit_multi (several names), next_edit_parameters, next_edit_arguments, next_edit_signature
(a call's new keyword given to its definition), next_edit_asserts (unittest assertions made
bare), next_edit_chaining, next_edit_qualify, next_edit_repeat (lines and blocks, with next_edit_rewrite),
next_edit_statements, next_edit_same_change, next_edit_span (a part of a
line), next_edit_comments (sentence case, lines commented out, trailing directives), next_edit_fallback,
next_edit_subword (a part of a name), next_edit_typos (the next misspelling); what they share
is in next_edit_hunks (the user's hunk, tokens, proposals), next_edit_tree (the parse),
next_edit_scope (variables) and next_edit_calls (argument and parameter lists, calls); the
filters and the ranking in next_edit_filters; the rules
that keep the repeats silent when unsure in next_edit_confidence.
"""

from __future__ import annotations

import time

from tree_sitter import Tree

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit_arguments import propose_arguments
from atelier.context.next_edit_asserts import propose_assert_rewrite
from atelier.context.next_edit_chaining import propose_chaining
from atelier.context.next_edit_comments import propose_comment_out, propose_sentence_case, propose_trailing_comment
from atelier.context.next_edit_fallback import propose_fallback_directive
from atelier.context.next_edit_hunks import LastEdit, Proposal
from atelier.context.next_edit_multi import propose_multi_rename
from atelier.context.next_edit_parameters import propose_parameters
from atelier.context.next_edit_qualify import propose_callee_swap, propose_qualify
from atelier.context.next_edit_rename import propose_rename, propose_rename_in_use
from atelier.context.next_edit_repeat import propose_repeat
from atelier.context.next_edit_same_change import propose_same_change
from atelier.context.next_edit_signature import propose_signature
from atelier.context.next_edit_span import propose_span_repeat
from atelier.context.next_edit_statements import propose_statement_fix
from atelier.context.next_edit_subword import propose_subword
from atelier.context.next_edit_switch import propose_switch
from atelier.context.next_edit_typos import propose_typo
# Also importable from here, where the engine, the bench and the tests find them.
from atelier.context.next_edit_filters import acceptable, line_pieces, rank, reparse
from atelier.context.next_edit_hunks import Token, apply_edits, tokens
from atelier.context.next_edit_rename import rename_elsewhere
from atelier.context.next_edit_tree import _Bytes, parse

__all__ = [
    "BUDGET_MS", "LastEdit", "Proposal", "Token", "_Bytes", "acceptable", "apply_edits", "line_pieces", "parse",
    "propagate", "propose_arguments", "propose_assert_rewrite", "propose_multi_rename", "propose_parameters",
    "propose_rename", "propose_repeat", "propose_same_change", "propose_sentence_case", "propose_signature",
    "propose_span_repeat", "propose_statement_fix", "propose_switch", "propose_typo", "rank", "rename_elsewhere", "reparse", "tokens",
]


# A hunk larger than this (a paste, a reformat) is not an edit that propagates.
MAX_HUNK_CHARS = 2000
# Time the propagation predictors may take together (the later ones are skipped past it).
BUDGET_MS = 25.0


def propagate(text: str, language: str | None, tree: Tree | None, last: LastEdit,
              budget_ms: float = BUDGET_MS) -> Proposal | None:
    """The edit that follows mechanically from `last`, or None when nothing does for sure
    (nor within `budget_ms`: the predictors after it are not run)."""
    if last.before == last.after or len(last.before) + len(last.after) > MAX_HUNK_CHARS:
        return None
    deadline = time.perf_counter() + budget_ms / 1000
    old = last.old_text(text)
    trimmed = minimal(old, Edit(last.start, last.start + len(last.before), last.after))
    if trimmed is not None:  # what the user changed, without what they retyped as it was
        last = LastEdit(trimmed.start, old[trimmed.start:trimmed.end], trimmed.new_text)
    # Calls, like lines, only onward: those alike above the edited one were passed over.
    for propose, onward in ((propose_rename, False), (propose_multi_rename, False), (propose_parameters, False),
                            (propose_arguments, True), (propose_signature, False)):
        found = propose(text, tree, last)
        if onward:
            found = _onward(found, last)
        if found is not None:
            return found
        if time.perf_counter() > deadline:
            return None
    # Before the repeat: its siblings are lines of the same shape, the assertion's any arguments.
    rewrite = propose_assert_rewrite(text, language, tree, last) or propose_chaining(text, tree, last)
    if rewrite is not None:  # (a chaining without edits: the edit was that rule's, nothing follows)
        return _onward(rewrite, last)
    repeat, switch = _onward(propose_repeat(text, last, tree), last), propose_switch(text, tree, last)
    if repeat is not None and switch is not None:  # both read the same edit: every place, the repeat's first
        extra = tuple(e for e in switch.edits if not any(e.start <= r.end and r.start <= e.end for r in repeat.edits))
        return Proposal("repeat", repeat.edits + extra, f"{repeat.title}; {switch.title}") if extra else repeat
    if repeat or switch or time.perf_counter() > deadline:
        return repeat or switch
    return _onward(propose_sentence_case(text, last) or propose_comment_out(text, tree, last)
                   or propose_fallback_directive(text, tree, last)
                   or propose_trailing_comment(text, tree, last)
                   or propose_statement_fix(text, tree, last)
                   or propose_qualify(text, tree, last)
                   or propose_callee_swap(text, tree, last)
                   or propose_same_change(text, last, tree)
                   or (propose_span_repeat(text, last, tree) if time.perf_counter() < deadline else None)
                   or (propose_subword(text, tree, last) if time.perf_counter() < deadline else None)
                   or (propose_typo(text, tree, last) if time.perf_counter() < deadline else None), last) \
        or (propose_rename_in_use(text, tree, last) if time.perf_counter() < deadline else None)


def _onward(proposal: Proposal | None, last: LastEdit) -> Proposal | None:
    """A repeat with a place after the user's edit, else None: lines are rewritten in reading
    order, so lines alike above it that the user passed over were left as they are on purpose."""
    return proposal if proposal is not None and any(e.start >= last.end for e in proposal.edits) else None
