"""JavaScript and TypeScript statement fixes that the next statement with the same flaw needs too:
a `;` added or dropped following the file's style, an implicit global declared, a function made
`async` awaiting what it returns, a loose equality made strict. Listed in next_edit_statements.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_below import MAX_LOOKUPS, _ending_statement, _next, _node_at
from atelier.context.next_edit_hunks import LastEdit, Proposal
from atelier.context.next_edit_tree import _FUNCTION_NODES, _Bytes, _enclosing_function, _inside, _text


# How many times more lines must end one way (with `;` or without) for that to be the file's style.
SEMICOLON_MAJORITY = 2
# JavaScript statements that end with `;`, or without it by automatic semicolon insertion.
_ASI_STATEMENTS = frozenset({
    "expression_statement", "lexical_declaration", "variable_declaration", "return_statement", "throw_statement",
    "break_statement", "continue_statement", "debugger_statement", "import_statement", "export_statement",
    "do_statement", "type_alias_declaration"})
# Where a name is declared: the `name` of these, and any name directly in those.
_NAMED_DECLARATIONS = frozenset({"variable_declarator", "function_declaration", "class_declaration",
                                 "generator_function_declaration", "function_expression", "class", "function"})
_BINDING_PLACES = frozenset({"formal_parameters", "import_specifier", "namespace_import", "import_clause",
                             "catch_clause", "required_parameter", "optional_parameter", "rest_pattern",
                             "array_pattern", "object_pattern", "pair_pattern", "for_in_statement"})
_LOOSE = re.compile(r"(?<![=!<>])(==|!=)(?!=)")
_NULLISH = frozenset({"null", "undefined"})
_RETURN_AWAIT = re.compile(r"\breturn[ \t]+await\b")


# -- semicolons ------------------------------------------------------------------------------

def _terminated(node: Node) -> bool:
    return node.child_count > 0 and node.children[-1].type == ";"


def _asi_statement(node: Node) -> bool:
    """A statement that takes a `;` (not an export of a function or class, which ends with `}`)."""
    declaration = node.child_by_field_name("declaration") if node.type == "export_statement" else None
    return declaration is None or declaration.type in ("lexical_declaration", "variable_declaration")


_ENDS_WITH_SEMICOLON = re.compile(r";[ \t]*$", re.MULTILINE)
_ENDS_WITHOUT = re.compile(r"^(?![ \t]*(?://|/?\*)).*[\w)\]'\"`][ \t]*$", re.MULTILINE)


def _semicolon_style(text: str) -> int:
    """+1 when the file's lines mostly end with `;`, -1 when they mostly end without one (a
    value, a call), 0 when neither does by far (SEMICOLON_MAJORITY times the other)."""
    ended, bare = len(_ENDS_WITH_SEMICOLON.findall(text)), len(_ENDS_WITHOUT.findall(text))
    return 1 if ended > SEMICOLON_MAJORITY * bare else -1 if bare > SEMICOLON_MAJORITY * ended else 0


def _semicolon_added(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.before or last.after != ";" or last.start == 0:
        return None
    statement = _ending_statement(tree, nb, last.start, _ASI_STATEMENTS)
    if statement is None or not _terminated(statement) or text[last.start - 1] in ";{":
        return None
    if _semicolon_style(text) != 1:
        return None  # the statements without one are the file's style, not slips
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        code = text[start:end].rstrip()
        if not code.strip() or code[-1] in ";{,([:" or code.lstrip().startswith(("//", "/*", "*")) \
                or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        at = start + len(code) - 1
        found = _ending_statement(tree, nb, at, _ASI_STATEMENTS)
        if found is None or _terminated(found) or not _asi_statement(found):
            return None
        return Edit(at + 1, at + 1, ";")

    return _next(text, last, find, "end the next statements with `;`", every=True)


def _semicolon_dropped(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.after or last.before != ";" or last.start == 0:
        return None
    statement = _ending_statement(tree, nb, last.start - 1, _ASI_STATEMENTS)
    line_end = text.find("\n", last.start)
    rest_of_line = text[last.start:len(text) if line_end == -1 else line_end]
    if statement is None or _terminated(statement) or rest_of_line.strip():
        return None
    if _semicolon_style(text) != -1:
        return None  # the statements with one are the file's style: this one was dropped for another reason
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        code = text[start:end].rstrip()
        if not code.endswith(";") or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        at = start + len(code) - 1
        found = _ending_statement(tree, nb, at, _ASI_STATEMENTS)
        if found is None or not _terminated(found) or found.type == "do_statement":
            return None
        return Edit(at, at + 1, "")

    return _next(text, last, find, "drop the next statements' `;`", every=True)


# -- implicit globals ------------------------------------------------------------------------

def _declared(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    keyword = last.after.rstrip()
    if last.before or keyword not in ("var", "let", "const") or last.after == keyword:
        return None
    node = _node_at(tree, nb, last.start)
    declaration = node.parent if node is not None else None
    if declaration is None or declaration.type not in ("variable_declaration", "lexical_declaration") \
            or nb.index(declaration.start_byte) != last.start or declaration.named_child_count != 1:
        return None
    name = declaration.named_children[0].child_by_field_name("name")
    if name is None or name.type != "identifier":
        return None
    scope = _enclosing_function(declaration)
    # The name was a global nobody declared: used in this function only, declared only here.
    if not _implicit_global(text, tree, nb, _text(name), scope, allowed=name):
        return None
    body_end = nb.index(scope.end_byte) if scope is not None else len(text)
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        if start >= body_end or lookups[0] >= MAX_LOOKUPS:
            return None
        m = re.match(r"[ \t]*([A-Za-z_$][\w$]*)[ \t]*=(?!=)", text[start:end])
        if m is None:
            return None
        lookups[0] += 1
        at = start + m.start(1)
        target = _node_at(tree, nb, at)
        assignment = target.parent if target is not None else None
        statement = assignment.parent if assignment is not None else None
        if assignment is None or assignment.type != "assignment_expression" or statement is None \
                or statement.type != "expression_statement" or _enclosing_function(statement) != scope \
                or not _implicit_global(text, tree, nb, m.group(1), scope):
            return None
        return Edit(at, at, last.after)

    return _next(text, last, find, f"declare the next undeclared variable with `{keyword}`")


def _implicit_global(text: str, tree: Tree, nb: _Bytes, name: str, scope: Node | None,
                     allowed: Node | None = None) -> bool:
    """Whether `name` is declared nowhere in the file (but at `allowed`) and used only inside
    `scope` (a global that one function alone uses was meant as its variable)."""
    occurrences = [m.start() for m in re.finditer(rf"(?<![\w$.]){re.escape(name)}(?![\w$])", text)]
    if len(occurrences) > MAX_LOOKUPS:
        return False
    for at in occurrences:
        node = _node_at(tree, nb, at)
        if node is None or node.type != "identifier" or _text(node) != name:
            continue
        if allowed is not None and node.start_byte == allowed.start_byte:
            continue
        if scope is not None and not _inside(node, scope) or _declares(node):
            return False
    return True


def _declares(node: Node) -> bool:
    """Whether this occurrence of a name declares it (a variable, a parameter, a function, an import)."""
    parent = node.parent
    if parent is None:
        return False
    if parent.type in _NAMED_DECLARATIONS:
        return parent.child_by_field_name("name") == node
    if parent.type == "assignment_pattern":
        return parent.child_by_field_name("left") == node
    return parent.type in _BINDING_PLACES


# -- a function made async awaits what it returns --------------------------------------------

def _awaited(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.before or last.after != "async " and last.after != "async":
        return None
    node = _node_at(tree, nb, last.start)
    fn = node.parent if node is not None else None
    body = fn.child_by_field_name("body") if fn is not None and fn.type in _FUNCTION_NODES else None
    if body is None or body.type != "statement_block":
        return None
    b0, b1 = nb.node(body)
    if re.search(r"\bawait\b", text[b0:b1]):
        return None  # it awaits already: what else it should await is not for a rule to say
    if not _RETURN_AWAIT.search(text, 0, b0) and not _RETURN_AWAIT.search(text, b1):
        return None  # many return a promise bare from an async function: only where the file awaits it
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        if start >= b1 or lookups[0] >= MAX_LOOKUPS:
            return None
        m = re.match(r"[ \t]*return[ \t]+", text[start:end])
        if m is None:
            return None
        lookups[0] += 1
        statement = _node_at(tree, nb, start + m.start() + len(m.group()) - len(m.group().lstrip()))
        statement = statement.parent if statement is not None else None
        value = statement.named_children[0] if statement is not None and statement.named_child_count == 1 else None
        if statement is None or statement.type != "return_statement" or _enclosing_function(statement) != fn \
                or value is None or value.type != "call_expression":
            return None
        at = nb.index(value.start_byte)
        return Edit(at, at, "await ")

    return _next(text, last, find, "await what the async function returns")


# -- strict equality -------------------------------------------------------------------------

def _operand_kind(node: Node | None) -> str | None:
    if node is None or _text(node) in _NULLISH:
        return None
    if node.type == "unary_expression" and _text(node).startswith("typeof"):
        return "typeof"
    return node.type


def _strict_equality(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.before or last.after != "=":
        return None
    operator = _node_at(tree, nb, last.start)
    compared = operator.parent if operator is not None and operator.type in ("===", "!==") else None
    if compared is None or compared.type != "binary_expression":
        return None
    left, right = compared.child_by_field_name("left"), compared.child_by_field_name("right")
    kinds = (_operand_kind(left), _operand_kind(right))
    if None in kinds:
        return None
    loose = operator.type[:2]
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        for m in _LOOSE.finditer(text, start, end):
            if m.group() != loose or lookups[0] >= MAX_LOOKUPS:
                continue
            lookups[0] += 1
            op = _node_at(tree, nb, m.start())
            other = op.parent if op is not None and op.type == loose else None
            if other is None or other.type != "binary_expression":
                continue
            theirs = tuple(_operand_kind(other.child_by_field_name(f)) for f in ("left", "right"))
            if None in theirs:
                continue
            if theirs[1] == kinds[1] or theirs[0] == kinds[0] == "typeof":
                return Edit(m.end(), m.end(), "=")
        return None

    return _next(text, last, find, f"make the next `{loose}` strict")
