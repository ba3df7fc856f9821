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
- a loose equality made strict (`==` → `===`) → the next loose one against the same kind of
  operand (never `== null`, which is meant loose);
- the redundant `u` prefix dropped from a Python string → the next string that has it;
- a `print` statement made a call (or back) → the next `print` of the old form, rewritten the
  same mechanical way.

Each proposes the next place below the user's edit, and only when the user's edit was exactly
that fix. Places are found by a text search over the lines below the edit, each looked up in
the parsed tree (at most MAX_LOOKUPS of them), never by walking the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from tree_sitter import Node, Tree

from atelier.context.edits import Edit
from atelier.context.next_edit_hunks import LastEdit, MAX_EDITS, Proposal
from atelier.context.next_edit_tree import _FUNCTION_NODES, _Bytes, _bytes, _enclosing_function, _inside, _text


# Candidate places looked up in the tree, past which a rule gives up (keeps it bounded).
MAX_LOOKUPS = 400
# How many times more lines must end one way (with `;` or without) for that to be the file's style.
SEMICOLON_MAJORITY = 2
# Lines below the user's edit searched at most.
MAX_LINES = 4000

# JavaScript statements that end with `;`, or without it by automatic semicolon insertion.
_ASI_STATEMENTS = frozenset({
    "expression_statement", "lexical_declaration", "variable_declaration", "return_statement", "throw_statement",
    "break_statement", "continue_statement", "debugger_statement", "import_statement", "export_statement",
    "do_statement", "type_alias_declaration"})
# Bracketed lists whose items may be followed by a trailing comma.
_LISTS = frozenset({"array", "object", "arguments", "formal_parameters", "named_imports", "object_pattern",
                    "array_pattern", "list", "dictionary", "tuple", "set", "argument_list", "parameters",
                    "object_type", "tuple_type", "enum_body"})
# Items after which a trailing comma is a syntax error.
_NO_COMMA_AFTER = frozenset({"rest_pattern", "rest_parameter", "generator_expression", "comment"})
# Where a name is declared: the `name` of these, and any name directly in those.
_NAMED_DECLARATIONS = frozenset({"variable_declarator", "function_declaration", "class_declaration",
                                 "generator_function_declaration", "function_expression", "class", "function"})
_BINDING_PLACES = frozenset({"formal_parameters", "import_specifier", "namespace_import", "import_clause",
                             "catch_clause", "required_parameter", "optional_parameter", "rest_pattern",
                             "array_pattern", "object_pattern", "pair_pattern", "for_in_statement"})
_LOOSE = re.compile(r"(?<![=!<>])(==|!=)(?!=)")
_BARE_COMPARISON = re.compile(r"==|!=|<|>|\bin\b|\bis\b")
_NULLISH = frozenset({"null", "undefined"})
_RETURN_AWAIT = re.compile(r"\breturn[ \t]+await\b")


def propose_statement_fix(text: str, tree: Tree | None, last: LastEdit) -> Proposal | None:
    """The user's fix of one statement made on the next statement that needs it, or None."""
    if tree is None or "\n" in last.before or "\n" in last.after:
        return None
    nb = _bytes(text)
    for rule in (_assertion, _stub, _semicolon_added, _semicolon_dropped, _trailing_comma, _declared, _awaited,
                 _strict_equality, _unicode_prefix, _print):
        found = rule(text, tree, nb, last)
        if found is not None:
            return found
    return None


# -- shared --------------------------------------------------------------------------------

def _node_at(tree: Tree, nb: _Bytes, index: int) -> Node | None:
    b = nb.byte(index)
    return tree.root_node.descendant_for_byte_range(b, b + 1)


def _lines_below(text: str, index: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each line after the one holding text[index]."""
    nl = text.find("\n", index)
    while nl != -1:
        start = nl + 1
        nl = text.find("\n", start)
        yield start, len(text) if nl == -1 else nl


def _next(text: str, last: LastEdit, find: Callable[[int, int], Edit | None], title: str,
          every: bool = False) -> Proposal | None:
    """The first edit `find` makes on a line below the user's edit (`every`: and those on the
    lines right after it, shown with it as one block) as a proposal; `find` gets each line's
    start and end."""
    edits: list[Edit] = []
    for n, (start, end) in enumerate(_lines_below(text, last.end)):
        if n >= MAX_LINES:
            break
        edit = find(start, end)
        if edit is None and edits:
            break
        if edit is not None:
            edits.append(edit)
            if not every or len(edits) >= MAX_EDITS:
                break
    return Proposal("repeat", tuple(edits), title) if edits else None


def _ending_statement(tree: Tree, nb: _Bytes, index: int, types: frozenset[str]) -> Node | None:
    """The innermost statement of one of `types` that ends with the character text[index]."""
    node = _node_at(tree, nb, index)
    end = nb.byte(index + 1)
    while node is not None and node.end_byte == end:
        if node.type in types:
            return node
        node = node.parent
    return None


def _terminated(node: Node) -> bool:
    return node.child_count > 0 and node.children[-1].type == ";"


def _asi_statement(node: Node) -> bool:
    """A statement that takes a `;` (not an export of a function or class, which ends with `}`)."""
    declaration = node.child_by_field_name("declaration") if node.type == "export_statement" else None
    return declaration is None or declaration.type in ("lexical_declaration", "variable_declaration")


# -- Python: a bare comparison is a forgotten assertion ----------------------------------------

def _assertion(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.before or last.after.rstrip() != "assert" or last.after == "assert":
        return None
    node = _node_at(tree, nb, last.start)
    statement = node.parent if node is not None else None
    if statement is None or statement.type != "assert_statement" or nb.index(statement.start_byte) != last.start \
            or statement.named_child_count != 1 or statement.named_children[0].type != "comparison_operator":
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        line = text[start:end]
        code = line.lstrip()
        if not code or code.startswith("#") or not _BARE_COMPARISON.search(code) or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        at = end - len(code)
        found = _node_at(tree, nb, at)
        while found is not None and found.type != "expression_statement" and nb.index(found.start_byte) == at:
            found = found.parent
        if found is None or found.type != "expression_statement" or nb.index(found.start_byte) != at \
                or found.named_child_count != 1 or found.named_children[0].type != "comparison_operator":
            return None
        return Edit(at, at, last.after)

    return _next(text, last, find, "assert the next bare comparison")


# -- Python: a base class's stubs raise NotImplementedError --------------------------------------

def _only_statement(block: Node | None) -> Node | None:
    """The one statement of a function's body, a docstring aside; None when there are more."""
    statements = [c for c in block.named_children if c.type != "comment"] if block is not None else []
    if len(statements) == 2 and statements[0].type == "expression_statement" \
            and statements[0].named_child_count == 1 and statements[0].named_children[0].type == "string":
        statements = statements[1:]
    return statements[0] if len(statements) == 1 else None


def _method_of(statement: Node) -> Node | None:
    """The method whose body is this statement alone, if it is one."""
    block = statement.parent
    fn = block.parent if block is not None and block.type == "block" else None
    if fn is None or fn.type != "function_definition" or _only_statement(block) != statement:
        return None
    holder = fn.parent.parent if fn.parent is not None and fn.parent.type == "decorated_definition" else fn.parent
    return fn if holder is not None and holder.type == "block" and holder.parent is not None \
        and holder.parent.type == "class_definition" else None


def _stub(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.before != "pass" or not re.fullmatch(r"raise NotImplementedError(\(\))?", last.after):
        return None
    node = _node_at(tree, nb, last.start)
    while node is not None and node.type != "raise_statement":
        node = node.parent
    method = _method_of(node) if node is not None and nb.index(node.start_byte) == last.start else None
    if method is None:
        return None
    class_end = nb.index(method.parent.end_byte)  # the class's body
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        code = text[start:end].strip()
        if start >= class_end or code != "pass" or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        at = end - len(text[start:end].lstrip())
        found = _node_at(tree, nb, at)  # the keyword; its statement above it
        found = found.parent if found is not None and found.type == "pass" else found
        other = _method_of(found) if found is not None and found.type == "pass_statement" else None
        if other is None or other.parent != method.parent:
            return None
        return Edit(at, at + len("pass"), last.after)

    return _next(text, last, find, "make the next stub method raise NotImplementedError")


# -- JavaScript: semicolons ------------------------------------------------------------------

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


# -- trailing commas -------------------------------------------------------------------------

def _items(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type != "comment"]


def _item_a_line(listed: Node, items: list[Node]) -> bool:
    """Whether the list's last item starts a line of its own (below the opening bracket and the
    item before it): lists wrapped onto one indented line take no trailing comma."""
    above = items[-2].end_point[0] if len(items) > 1 else listed.start_point[0]
    return items[-1].start_point[0] > above


def _trailing_comma(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if (last.before, last.after) not in (("", ","), (",", "")):
        return None
    added = last.after == ","
    if added:
        comma = _node_at(tree, nb, last.start)
        listed = comma.parent if comma is not None and comma.type == "," else None
        row = comma.start_point[0] if listed is not None else 0
    else:  # the comma's place: just after the list's last item now
        before = _node_at(tree, nb, last.start - 1) if last.start > 0 else None
        while before is not None and before.parent is not None and before.parent.type not in _LISTS:
            before = before.parent
        listed = before.parent if before is not None else None
        row = before.end_point[0] if listed is not None else 0
    if listed is None or listed.type not in _LISTS:
        return None
    items = _items(listed)
    # After the last item, with the closing bracket on a line of its own below.
    if not items or nb.index(items[-1].end_byte) > last.start or listed.children[-1].start_point[0] <= row \
            or not added and nb.index(items[-1].end_byte) != last.start or not _item_a_line(listed, items):
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        code = text[start:end].lstrip()
        if not code or code[0] not in ")]}" or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        bracket = _node_at(tree, nb, end - len(code))
        other = bracket.parent if bracket is not None else None
        if other is None or other.type != listed.type or other.children[-1] != bracket:
            return None
        items = _items(other)
        if not items or items[-1].type in _NO_COMMA_AFTER or items[-1].end_point[0] >= bracket.start_point[0] \
                or not _item_a_line(other, items):
            return None
        after = items[-1].next_sibling
        if added:
            at = nb.index(items[-1].end_byte)
            return Edit(at, at, ",") if after is None or after.type != "," else None
        if after is None or after.type != ",":
            return None
        at = nb.index(after.start_byte)
        return Edit(at, at + 1, "")

    title = "add a trailing comma to the next list" if added else "drop the trailing comma of the next list"
    return _next(text, last, find, title)


# -- JavaScript: implicit globals --------------------------------------------------------------

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


# -- JavaScript: a function made async awaits what it returns -------------------------------------

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


# -- JavaScript: strict equality ---------------------------------------------------------------

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


# -- Python: redundant u prefixes -----------------------------------------------------------------

def _unicode_prefix(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    if last.after or last.before not in ("u", "U") or text[last.start:last.start + 1] not in ("'", '"'):
        return None
    node = _node_at(tree, nb, last.start)
    while node is not None and node.type != "string":
        node = node.parent if node.type in ("string_start", '"', "'") else None
    if node is None or nb.index(node.start_byte) != last.start:
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        for m in re.finditer(r"(?<![\w\"'])[uU](?=['\"])", text[start:end]):
            if lookups[0] >= MAX_LOOKUPS:
                return None
            lookups[0] += 1
            at = start + m.start()
            found = _node_at(tree, nb, at)
            if found is not None and found.type == "string_start" and found.parent is not None \
                    and found.parent.type == "string" and nb.index(found.start_byte) == at:
                return Edit(at, at + 1, "")
        return None

    return _next(text, last, find, "drop the next redundant `u` prefix")


# -- Python: print statement ↔ print() ----------------------------------------------------------

def _as_call(statement: str) -> str | None:
    """`print a, b` → `print(a, b)`, `print >> f, a` → `print(a, file=f)` (2to3's rewrite);
    None for a form it does not rewrite plainly (a trailing comma)."""
    m = re.fullmatch(r"print(?:\s*>>\s*([^,]+),)?\s+(.*?)\s*", statement, re.S)
    if m is None or m.group(2).endswith(","):
        return None
    return f"print({m.group(2)}, file={m.group(1).strip()})" if m.group(1) else f"print({m.group(2)})"


def _as_statement(call: str) -> str | None:
    m = re.fullmatch(r"print\s*\((.*)\)", call, re.S)
    return f"print {m.group(1)}" if m is not None and m.group(1).strip() else None


def _print(text: str, tree: Tree, nb: _Bytes, last: LastEdit) -> Proposal | None:
    old = last.old_text(text)
    ls = text.rfind("\n", 0, last.start) + 1
    if not text[ls:].lstrip().startswith("print"):
        return None
    at = ls + len(text[ls:]) - len(text[ls:].lstrip())
    node = _node_at(tree, nb, at)
    while node is not None and node.type not in ("print_statement", "expression_statement") \
            and nb.index(node.start_byte) == at:
        node = node.parent
    if node is None or nb.index(node.start_byte) != at:
        return None
    s0, s1 = nb.node(node)
    if not (s0 <= last.start and last.end <= s1):
        return None
    now = text[s0:s1]
    was = old[s0:s1 - len(last.after) + len(last.before)]
    if node.type == "expression_statement" and _as_call(was) == now:
        wanted, rewrite = "print_statement", _as_call
    elif node.type == "print_statement" and _as_statement(was) == now:
        wanted, rewrite = "expression_statement", _as_statement
    else:
        return None
    lookups = [0]

    def find(start: int, end: int) -> Edit | None:
        code = text[start:end].lstrip()
        if not code.startswith("print") or lookups[0] >= MAX_LOOKUPS:
            return None
        lookups[0] += 1
        found = _node_at(tree, nb, end - len(code))
        while found is not None and found.type != wanted and nb.index(found.start_byte) == end - len(code):
            found = found.parent
        if found is None or found.type != wanted or nb.index(found.start_byte) != end - len(code):
            return None
        call = found.named_children[0] if wanted == "expression_statement" and found.named_child_count == 1 else None
        if wanted == "expression_statement" and (call is None or call.type != "call" or any(
                a.type == "keyword_argument" for a in (call.child_by_field_name("arguments") or call).named_children)):
            return None  # `print(a, file=f)` has no plain statement form
        f0, f1 = nb.node(found)
        new = rewrite(text[f0:f1])
        return Edit(f0, f1, new) if new is not None and "\n" not in text[f0:f1] else None

    return _next(text, last, find, "rewrite the next `print` the same way")
