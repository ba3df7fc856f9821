"""Repeat: one of several lines (or blocks of up to three lines) of the same shape rewritten → the
same rewrite on its siblings, their own names substituted (lines rewritten into more or fewer:
the siblings of the same tokens, line for line); identical lines anywhere in the file get the
same rewrite.
"""

from __future__ import annotations

import difflib
import re

from tree_sitter import Tree

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit_calls import _parameters_changed
from atelier.context.next_edit_confidence import (
    for_another_function, function_words, names_anew, opens_definition, owner, reworded,
)
from atelier.context.next_edit_hunks import (
    LastEdit, MAX_EDITS, Proposal, _COMMENT_LINE, _DIRECTIVE, _PARAMETER_DOC, _annotates, _header, _line_span, _lines_at, _near_lines,
    _nonspace, _numbers_only, _sets_state, _word, tokens,
)
from atelier.context.next_edit_rewrite import _reshaped, _sibling
from atelier.context.next_edit_scope import _binding_function, _parameter_names, _same_locals
from atelier.context.next_edit_tree import (
    _bytes, _commented, _directive, _enclosing_class, _enclosing_function, _function_name, _host, _in_import,
    _parameters_of, _prose, _text,
)


# Lines around the edited line searched for siblings of a rewritten line.
SIBLING_LINES = 40
# A rewritten block repeated on its siblings: at most this many lines.
MAX_BLOCK_LINES = 3
# A line rewritten among more lines of its shape than this (a field of a long class, one of a
# constructor's many assignments): that one was meant, not the shape (measured: of the sets'
# repeats onto six siblings or more, fewer than half were the developer's next edit).
MAX_SIBLINGS = 5
# Non-space characters that make a line distinctive enough to repeat a change on where it stands
# again elsewhere in the file.
MIN_LINE = 10
# A definition's line up to its name (`    def name`, `async function name`).
_DEF_NAME = re.compile(r"([ \t]*(?:async\s+)?(?:def|function)\s+)[\w$]+")
# The end of a callback and the delay after it (`}, 1000);`, `}, 2e3)`): short, but the same delay
# again is the same wait (a timer, a test's timeout), which changes together.
_DELAY = re.compile(r"\}\)?,\s*[\d_.e]+\s*\)+;?\Z")
# A name that checks a test's result (`assert`, `assertEqual`, `expect`).
_ASSERTION = re.compile(r"assert|expect", re.I)


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
    if k == 1 and not removed_tokens and names_anew(tree, nb, text, written_tokens, ls):
        return None
    # Lines of the same shape are siblings; a definition's header, prose (a comment, a
    # docstring, a note added at a line's end), a directive's own text, a number changed or
    # lines rewritten into more or fewer: only identical lines (a directive dropped or added
    # with the code, `"\s*$"  # noqa: W605` → `r"\s*$"`, goes to the siblings with it).
    defined = _parameters_changed(text, tree, nb, last)
    directive = _DIRECTIVE.search(last.before + last.after) is not None  # `# type: ignore` added or changed
    in_parameter = _parameters_of(tree, nb, last.start) is not None
    header = any(_header(o) for o in O) or opens_definition(tree, nb, text, ls)  # a definition's line
    guarded = header or _prose(host) or _commented(tree, nb, last) or defined is not None or _directive(host) or in_parameter
    identical_only = not same_shape or guarded
    # Rewritten into more or fewer lines: also the blocks around of the same tokens.
    reshape = not same_shape and not guarded
    if _numbers_only(removed_tokens, written_tokens):
        # A count, a size, a version: each line's own, even on a line alike; the same line
        # again (a loop's count, a timeout) is the same setting, but not a value an assertion
        # expects: each test's own.
        if any(_ASSERTION.match(t.text) for line in O for t in line if t.kind in ("id", "kw")):
            return None
        if (expected := _expected_value(text, tree, nb, host, last, removed_tokens, written_tokens)) is not None:
            return expected
        identical_only = True
    if defined is not None:
        # Parameters added, dropped or renamed: only the same definition elsewhere (an
        # override), its name on the line; an anonymous callback, where it is written the same
        # way (`.end(function(res){`: the same API's callbacks).
        name = _text(_function_name(defined))
        if name and not _word(name).search(old_block):
            return None
    indents = [len(line) - len(line.lstrip()) for line in old_lines]
    stripped = [line.strip() for line in old_lines]
    distinctive = _nonspace(old_block) >= MIN_LINE and any(t.kind in ("id", "lit") for o in O for t in o) \
        or k == 1 and _DELAY.match(stripped[0]) is not None
    if identical_only and not distinctive:
        return None
    # Candidates by where their first line starts: the lines around (near), then the same
    # first line anywhere in the file.
    near = set() if identical_only and not reshape else set(_near_lines(text, ls, SIBLING_LINES, SIBLING_LINES + k - 1))
    candidates = set(near)
    if distinctive and stripped[0] and O[0]:
        # (Written the same but for spaces, `function(err,res)` and `function(err, res)`: the same line.)
        first = re.compile(r"\s*".join(re.escape(t.text) for t in O[0]))
        for m in first.finditer(text):
            if len(candidates) >= 4 * SIBLING_LINES + MAX_EDITS:
                break
            candidates.add(text.rfind("\n", 0, m.start()) + 1)
    # A parameter's type or default changed (not a name, not the return type: that is the
    # function's own): the definitions that differ from it by their name alone take the same
    # (`def split_after(leaf: Leaf, previous: Leaf = None)` and `def split_before(...)` alike).
    twin = _DEF_NAME.match(old_lines[0]) if k == 1 and same_shape and defined is None and in_parameter else None
    if twin is not None and ops[0] and all(op[1] > 1 for op in ops[0]):
        rest = old_lines[0][twin.end():]
        at = text.find(rest)
        while at != -1 and len(candidates) < 4 * SIBLING_LINES + MAX_EDITS:
            line_start = text.rfind("\n", 0, at) + 1
            if (m := _DEF_NAME.match(text, line_start)) is not None and m.end() == at:
                candidates.add(line_start)
            at = text.find(rest, at + len(rest))
    else:
        twin = None
    # A variable of this function changed: identical lines in another function hold another
    # variable, unless that function has the same variables.
    if same_shape:
        changed_names = {t.text for t in removed_tokens + written_tokens if t.kind == "id"}
    else:  # rewritten into more or fewer lines: the names it wrote anew or dropped (`n = len(x)`)
        old_ids, new_ids = ({t.text for line in lines for t in line if t.kind == "id"} for lines in (O, N))
        changed_names = old_ids ^ new_ids
    if defined is not None and not any(t.kind == "id" for t in removed_tokens):
        # Parameters only added: the same definition elsewhere binds them itself (a renamed
        # one still asks for the sibling's body to have the old name).
        changed_names -= _parameter_names(text, tree.root_node, nb, defined, changed_names)
    annotation = _annotates(old, last)
    # Prose whose words were rewritten: only in the documentation of the same definition (a
    # directive, `# pragma: no cover`, is no documentation: it goes on identical lines).
    reworded_prose = tree is not None and (_prose(host) or _commented(tree, nb, last)) \
        and reworded(old_block, new_block) and not directive and not _directive(host)
    prose_owner = owner(tree, nb, last.start) if reworded_prose else False
    # (Code the user wrote a comment on, `self.obj,` → `# issue 596` above it: where it stands again, the
    # same; not a definition's line, whose note is that definition's own.)
    code = prose_owner is not False and not header and not _prose(host) \
        and not any(_COMMENT_LINE.match(line) for line in old_lines)
    # (Words of prose that spell a variable's name are no use of it.)
    fn = _enclosing_function(host) if tree is not None and changed_names and not _prose(host) else None
    fn, local = _binding_function(text, tree.root_node, nb, fn, changed_names) if fn is not None else (None, set())
    fn_span = nb.node(fn) if local else None
    if fn_span is not None and ls <= fn_span[0] and fn_span[1] <= le:
        fn_span = None  # a lambda written on the edited lines binds its names itself: so does the sibling's
    seen_functions: dict[int, bool] = {}
    # The class the user's lines stand in, named in what they wrote (`super(GenericTranslator, self)`):
    # a sibling in another class names its own.
    cls = _enclosing_class(host) if tree is not None else None
    cls_name = cls.child_by_field_name("name") if cls is not None else None
    own_class = _text(cls_name) if cls_name is not None and _word(_text(cls_name)).search(new_block) \
        and not _word(_text(cls_name)).search(old_block) else None
    in_import = _in_import(tree, nb, last.start)
    bound = tree is not None and same_shape and _binds_anew(O, N, ops)
    state = tree is not None and _sets_state(old, last)
    here = _enclosing_function(host) if state or bound else None  # the user's lines' function
    # Words of the user's function's name that a name written anew is built from.
    named_for = function_words(host, written_tokens, old_block) if tree is not None else set()
    old_texts = [[t.text for t in o] for o in O]  # (a sibling written the same but for spaces has these)
    edits: list[Edit] = []
    reshaped: list[Edit] = []  # (offered only where no line is the user's again)
    alike = 0  # siblings rewritten that are not the user's line again
    for start in sorted(candidates):
        sib = _lines_at(text, start, k)
        end = start + len("\n".join(sib))
        if len(sib) < k or (start <= le and ls <= end):
            continue
        same_text = [line.strip() for line in sib] == stripped
        identical = same_text or [[t.text for t in tokens(line)] for line in sib] == old_texts
        sib_indents = [len(line) - len(line.lstrip()) for line in sib]
        if fn_span is not None and not fn_span[0] <= start <= fn_span[1]:
            if not _same_locals(text, tree, nb, start + sib_indents[0], local, seen_functions):
                continue
        if identical and annotation:
            continue  # a variable's annotation is written once
        # (A parameter several functions take is documented alike in each: a rewording of it goes to
        # the identical lines of the others' documentation too.)
        if prose_owner is not False and owner(tree, nb, start + sib_indents[0]) != prose_owner \
                and not (identical and (_PARAMETER_DOC.match(stripped[0]) or code)):
            continue
        if identical and not same_shape:
            new_sib = _reindented(new_lines, old_lines[0][:indents[0]], sib[0][:sib_indents[0]])
        elif identical and distinctive and sib_indents == indents and same_text:
            # The same lines at the same indentation: the user's own text, continuation lines and all.
            new_sib = new_lines
        elif identical and distinctive or not identical_only and start in near:
            new_sib = _sibling(sib, O, N, ops, new_lines, identical and distinctive)
        elif reshape and start in near and not identical:
            new_sib = _reshaped(sib, O, old_block, _reindented(new_lines, old_lines[0][:indents[0]], sib[0][:sib_indents[0]]))
        elif twin is not None and (m := _DEF_NAME.match(sib[0])) is not None and sib[0][m.end():] == old_lines[0][twin.end():] \
                and m.group(1) == twin.group(1):
            new_sib = [m.group(0) + new_lines[0][twin.end():]]
        else:
            continue
        theirs = _enclosing_function(_host(tree, nb, start + sib_indents[0])) if new_sib is not None and (
            identical and state or not identical and bound) else None
        if new_sib is not None and identical and state and theirs != here:
            continue  # `self._running = False` → `threading.Event()` in `__init__`: `stop()` sets its own state
        if new_sib is not None and not identical and bound and theirs == here:
            continue  # `token = recording.set(False)`: `token = ` again below would overwrite it
        if new_sib is not None and not identical and in_import and _invents_name(sib, new_sib, new_lines):
            continue  # `import render` → `render_to_response`: no `Panel_to_response` to import
        if new_sib is not None and own_class is not None:
            new_sib = _own_class(new_sib, own_class, tree, nb, start + sib_indents[0])
        if new_sib is not None and named_for and for_another_function(named_for, tree, nb, start + sib_indents[0]):
            continue  # `PINO_TEST_WAIT_WATCHFILE_TIMEOUT` written in `watchFileCreated`: not for `watchForWrite`
        if new_sib is None or new_sib == sib:
            continue
        edit = minimal(text, Edit(start, end, "\n".join(new_sib)))
        if edit is not None and reshape and not identical:
            reshaped.append(edit)
        elif edit is not None:
            edits.append(edit)
            alike += not identical
        if alike > MAX_SIBLINGS or len(edits) > MAX_EDITS:
            return None
    edits = edits or (reshaped if len(reshaped) <= MAX_SIBLINGS else [])
    if not edits:
        return None
    return Proposal("repeat", tuple(edits), f"repeat the edit on {len(edits)} similar line{'s' if len(edits) != 1 else ''}")


def _binds_anew(O: list, N: list, ops: list) -> bool:
    """Whether the edit made a line assign a name it did not have (`token = ` put before a call)."""
    return any(line_ops and line_ops[0][0] == "insert" and line_ops[0][3] == 0 and len(n_line) > 2
               and n_line[0].kind == "id" and n_line[1].text == "=" != n_line[2].text and n_line[0].text not in {t.text for t in o_line}
               for o_line, n_line, line_ops in zip(O, N, ops))


def _invents_name(sib: list[str], new_sib: list[str], new_lines: list[str]) -> bool:
    """Whether the rewritten sibling names what neither it nor the user's lines named: a name
    made up from the sibling's own (an import names what exists)."""
    ids = lambda lines: {t.text for line in lines for t in tokens(line) if t.kind == "id"}
    return not ids(new_sib) - ids(sib) <= ids(new_lines)


def _own_class(lines: list[str], name: str, tree: Tree, nb, index: int) -> list[str] | None:
    """`lines` with the user's class `name` replaced by that of the class holding text[index]
    (None outside any class: nothing to name there)."""
    cls = _enclosing_class(_host(tree, nb, index))
    own = cls.child_by_field_name("name") if cls is not None else None
    if own is None:
        return None
    return [_word(name).sub(_text(own), line) for line in lines]


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


def _expected_value(text: str, tree: Tree | None, nb, host, last: LastEdit, removed: list, written: list) -> Proposal | None:
    """A number a test sets up changed (`status=418` → `419`): the assertions below in the same
    test that expect it (`assert resp.status_code == 418`) expect the new one."""
    if tree is None or len(removed) != 1 or len(written) != 1:
        return None
    fn = _enclosing_function(host)
    if fn is None:
        return None
    if fn.parent is not None and fn.parent.type in ("arguments", "argument_list") \
            and not any(_ASSERTION.match(t.text) for t in tokens(_text(fn)) if t.kind in ("id", "kw")):
        # A handler the test sets up (`app.get('/', function (req, res) {…})`): the test around it checks.
        fn = _enclosing_function(fn.parent) or fn
    end = nb.index(fn.end_byte)
    edits = []
    for m in re.finditer(r"(?<![\w.])" + re.escape(removed[0].text) + r"(?![\w.])", text[last.end:end]):
        at = last.end + m.start()
        line_end = text.find("\n", at, end)
        line = text[text.rfind("\n", 0, at) + 1:end if line_end == -1 else line_end]
        if any(_ASSERTION.match(t.text) for t in tokens(line) if t.kind in ("id", "kw")):
            edits.append(Edit(at, at + len(removed[0].text), written[0].text))
    if not edits or len(edits) > MAX_EDITS:
        return None
    return Proposal("repeat", tuple(edits), f"expect {written[0].text} where {removed[0].text} was expected")
