"""What every candidate passes before it is shown (no no-op, no undoing the user's edit, no worse
parse) and how the edits are merged and ordered for showing.
"""

from __future__ import annotations

from tree_sitter import Tree

from atelier.context.edits import Edit, minimal
from atelier.context.languages import make_parser
from atelier.context.syntax import error_count
from atelier.context.next_edit_hunks import LastEdit, apply_edits
from atelier.context.next_edit_tree import _bytes, parse


# Edits on consecutive lines are offered as one, up to this many lines.
MERGE_LINES = 8
# Edits checked one by one when all of them together make the parse worse.
MAX_PARSE_CHECKS = 12


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
