"""Model answers turned into edits that apply cleanly and keep the file parseable.

The model never writes a file's syntax where we can write it ourselves: for documentation it
supplies prose only, and the docstring or doc comment is built here in the language's own
style, at the right place and indentation. Code it does write (fixes, edits) replaces whole
lines and is kept only if tree-sitter parses the result no worse than before.
"""

from __future__ import annotations

import re
import textwrap

import msgspec

from atelier.context.declarations import declaration_at, declaration_name, outer_node
from atelier.context.languages import make_parser
from atelier.context.syntax import error_count

# Doc comments are wrapped to this many columns, indentation included.
WRAP_COLUMNS = 88
# A docstring longer than this is cut at a sentence end: small models ramble.
MAX_DOC_CHARS = 400
MAX_DOC_SENTENCES = 3

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*$", re.MULTILINE)


class Edit(msgspec.Struct, frozen=True):
    """Replace text[start:end] (Python string indices) with `new_text`."""

    start: int
    end: int
    new_text: str

    def apply(self, text: str) -> str:
        return text[: self.start] + self.new_text + text[self.end:]


class EditError(ValueError):
    """The model's answer cannot become an edit; the message says why, for the user."""


# -- model output -------------------------------------------------------------------------

def code_blocks(output: str) -> list[str]:
    """The fenced blocks of a Markdown answer; a block left open (the answer was cut off)
    runs to the end."""
    blocks, opened, start = [], None, 0
    for m in _FENCE.finditer(output):
        if opened is None:
            opened, start = m.group(1), m.end() + 1
        elif m.group(1)[0] == opened[0] and len(m.group(1)) >= len(opened) and not m.group(0).strip()[len(m.group(1)):]:
            blocks.append(output[start: m.start()].rstrip("\n"))
            opened = None
    if opened is not None:
        blocks.append(output[start:].rstrip("\n"))
    return blocks


def block_closed(output: str) -> bool:
    """Whether the answer's first fenced block has ended: what follows is commentary."""
    fences = [m.group(1) for m in _FENCE.finditer(output)]
    return len(fences) >= 2


def strip_fences(output: str) -> str:
    """The code in a model answer: its first fenced block if it has one, else the answer
    with stray fence lines removed."""
    output = output.replace("\r\n", "\n")
    blocks = [b for b in code_blocks(output) if b.strip()]
    if blocks:
        return blocks[0]
    return _FENCE.sub("", output).strip("\n")


def prose(output: str) -> str:
    """The answer without its fenced blocks."""
    kept, inside = [], False
    for line in output.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            inside = not inside
        elif not inside:
            kept.append(line)
    return "\n".join(kept).strip()


def parses_no_worse(language: str | None, before: str, after: str) -> bool:
    parser = make_parser(language)
    if parser is None:
        return True
    return error_count(parser.parse(after.encode())) <= error_count(parser.parse(before.encode()))


# -- documentation -------------------------------------------------------------------------

_COMMENT_MARKS = re.compile(r'^\s*(?:"""|\'\'\'|/\*\*+|\*/|\*(?!\*)|///?|#+|--)\s?')
_CODE_LINE = re.compile(r"^\s*(def |class |return\b|import |from \S+ import|function\b|const |let |var |func |fn |public |private |@|[{}]\s*$)|;\s*$")
_PREAMBLE = re.compile(r"^(here is|here's|sure|certainly|the docstring|docstring)\b[^.]*:\s*$", re.IGNORECASE)


def doc_text(output: str, name: str = "") -> str:
    """Plain documentation prose from a model answer: no fences, no comment markers, no code
    lines, no "Here is the docstring:" preamble; at most a few sentences."""
    text = prose(output)
    if not text:  # only code came back: a docstring inside it is still prose
        inner = re.search(r'"""(.*?)"""|/\*\*(.*?)\*/', output, re.DOTALL)
        text = (inner.group(1) or inner.group(2) or "") if inner else ""
    lines = []
    for line in text.split("\n"):
        line = _COMMENT_MARKS.sub("", line).strip().strip('"').strip()
        if _CODE_LINE.search(line) or _PREAMBLE.match(line):
            continue
        lines.append(line)
    paragraphs = [" ".join(p.split()) for p in "\n".join(lines).split("\n\n")]
    text = "\n\n".join(p for p in paragraphs if p)
    text = text.replace("**", "")  # Markdown bold has no place in a docstring
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    if len(sentences) > MAX_DOC_SENTENCES:
        text = " ".join(sentences[:MAX_DOC_SENTENCES])
    if len(text) > MAX_DOC_CHARS:
        cut = max(text.rfind(". ", 0, MAX_DOC_CHARS), text.rfind(".\n", 0, MAX_DOC_CHARS))
        text = text[: cut + 1] if cut > 0 else text[:MAX_DOC_CHARS].rsplit(" ", 1)[0] + " …"
    text = text.strip()
    if text and text[-1] not in ".!?…:)":
        # The answer stopped mid-sentence: keep the sentences that ended, if any did.
        cut = max(text.rfind(". "), text.rfind(".\n"))
        text = text[: cut + 1] if cut > 0 else text + "."
    return text


def doc_finished(output: str) -> bool:
    """While documentation streams in: whether enough prose has come (a paragraph ended, or
    a code block began after some prose)."""
    text = prose(output)
    finished = text.split("\n\n")[:-1]
    return any(p.strip().endswith((".", "!", "?")) for p in finished) or len(re.findall(r"[.!?]\s", text)) > MAX_DOC_SENTENCES


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _sentences(text: str) -> list[str]:
    return [" ".join(s.split()) for s in _SENTENCE_END.split(text) if s.strip()]


def repeats_itself(output: str) -> bool:
    """Whether the last finished sentence says again what an earlier one said: small models
    loop at temperature 0, and the rest of such an answer is noise."""
    finished = _sentences(prose(output))[:-1]
    return len(finished) >= 2 and len(finished[-1]) > 12 and finished[-1] in finished[:-1]


def without_repeats(output: str) -> str:
    """The answer without sentences it already said (and the unfinished one a loop left)."""
    seen: set[str] = set()
    paragraphs = []
    text = output.strip()
    tail = re.search(r"(?:(?<=[.!?])\s+|\n\n)([^\n.!?`]*)$", text)
    if tail and tail.group(1).strip() and tail.start(1) > 0:  # cut off mid-sentence
        text = text[: tail.start(1)].rstrip()
    for paragraph in text.split("\n\n"):
        if _FENCE.search(paragraph):  # code keeps its layout
            paragraphs.append(paragraph)
            continue
        kept = [s for s in _sentences(paragraph) if not (len(s) > 12 and s in seen) and not seen.add(s)]
        if kept:
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs).strip()


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    for i, para in enumerate(text.split("\n\n")):
        if i:
            out.append("")
        out.extend(textwrap.wrap(para, max(30, width), break_on_hyphens=False) or [""])
    return out


def _python_docstring(text: str, indent: str) -> str:
    # Backslashes and triple quotes inside would end or corrupt the string literal.
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = _wrap(text, WRAP_COLUMNS - len(indent) - 6)
    if lines[-1].endswith('"'):
        lines[-1] = lines[-1][:-1] + '\\"'
    if len(lines) == 1:
        return f'{indent}"""{lines[0]}"""'
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines[1:])
    return f'{indent}"""{lines[0]}\n{body}\n{indent}"""'


def _go_style(text: str, name: str) -> str:
    """Go doc comments start with the name: "The function f returns" and "Return" become
    "F returns"."""
    text = re.sub(r"^(this|the) (function|method|type)( `?\w+`?)?\s+|^it\s+", "", text, flags=re.IGNORECASE)
    word, _, rest = text.partition(" ")
    if word.isalpha() and word[:1].isupper() and word[1:].islower() and not word.endswith("s"):
        # An imperative ("Return") in the third person ("returns").
        word = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else \
            word + ("es" if word.endswith(("sh", "ch", "x", "z", "o")) else "s")
    return f"{name} {word[:1].lower()}{word[1:]} {rest}".rstrip()


def _doc_comment(language: str, text: str, indent: str, name: str) -> str:
    if language == "go" and name and not text.startswith(name + " "):
        text = _go_style(text, name)
    width = WRAP_COLUMNS - len(indent) - 4
    if language in ("go", "rust"):
        mark = "//" if language == "go" else "///"
        return "\n".join(f"{indent}{mark} {line}".rstrip() for line in _wrap(text, width))
    if language == "c_sharp":
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lines = ["<summary>", *_wrap(text, width), "</summary>"]
        return "\n".join(f"{indent}/// {line}".rstrip() for line in lines)
    text = text.replace("*/", "*\\/")  # would close the comment early
    lines = _wrap(text, width)
    return "\n".join([f"{indent}/**", *(f"{indent} * {line}".rstrip() for line in lines), f"{indent} */"])


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _indent_at(text: str, index: int) -> str:
    start = _line_start(text, index)
    line = text[start: text.find("\n", start) if "\n" in text[start:] else len(text)]
    return line[: len(line) - len(line.lstrip())]


def _chars(src: bytes, byte: int) -> int:
    return len(src[:byte].decode(errors="replace"))


def document_edit(text: str, language: str | None, start: int, end: int, doc: str) -> Edit:
    """The edit that documents the declaration at text[start:end] with `doc` (prose): a
    docstring as the first statement of a Python body, a doc comment above the declaration
    elsewhere; an existing one is replaced. Raises EditError."""
    parser = make_parser(language)
    if parser is None or language is None:
        raise EditError(f"documenting needs a grammar for this file's language ({language or 'unknown'})")
    if not doc.strip():
        raise EditError("the model's answer held no documentation text")
    src = text.encode()
    tree = parser.parse(src)
    b_start, b_end = len(text[:start].encode()), len(text[:end].encode())
    decl = declaration_at(tree.root_node, b_start, b_end, language)
    if decl is None:
        raise EditError("no function, method or class at the cursor to document")
    edit = _python_edit(text, src, decl, doc) if language == "python" else _comment_edit(text, src, decl, language, doc)
    if not parses_no_worse(language, text, edit.apply(text)):
        raise EditError("the documentation would break the file's syntax; nothing was changed")
    return edit


def _python_edit(text: str, src: bytes, decl, doc: str) -> Edit:
    body = decl.child_by_field_name("body")
    if body is None:
        raise EditError(f"`{declaration_name(decl)}` has no body to document")
    statements = [c for c in body.named_children if c.type != "comment"]
    first = statements[0] if statements else body
    if first.type == "expression_statement" and first.named_child_count == 1 and first.named_children[0].type in ("string", "concatenated_string"):
        # An existing docstring: replace it where it stands.
        s = _chars(src, first.start_byte)
        return Edit(s, _chars(src, first.end_byte), _python_docstring(doc, _indent_at(text, s)).lstrip())
    at = _chars(src, first.start_byte)
    colon = next((c for c in decl.children if c.type == ":"), None)
    if colon is not None and first.start_point[0] == colon.start_point[0]:
        # `def f(): return 1`: the body starts on the header's line; move it below the docstring.
        indent = _indent_at(text, _chars(src, outer_node(decl).start_byte)) + "    "
        return Edit(_chars(src, colon.end_byte), at, "\n" + _python_docstring(doc, indent) + "\n" + indent)
    # Right below the header, above any comment that opens the body: it reads first.
    line = text.find("\n", _chars(src, colon.end_byte) if colon is not None else at) + 1
    line = min(line, _line_start(text, at)) if line > 0 else _line_start(text, at)
    return Edit(line, line, _python_docstring(doc, _indent_at(text, at)) + "\n")


def _existing_comment(node, language: str):
    """The doc comment directly above `node` (consecutive comment lines), or None."""
    first = last = None
    prev = node.prev_sibling
    row = node.start_point[0]
    while prev is not None and "comment" in prev.type and prev.end_point[0] in (row - 1, row):
        body = prev.text.decode(errors="replace") if prev.text else ""
        doc_like = body.startswith(("/**", "///")) or language == "go"
        if not doc_like:
            break
        first, last = prev, last or prev
        row = prev.start_point[0]
        prev = prev.prev_sibling
    return (first, last) if first is not None else None


def _comment_edit(text: str, src: bytes, decl, language: str, doc: str) -> Edit:
    anchor = outer_node(decl)
    # Decorators (TypeScript) and attributes (Rust) stand in front of the declaration as
    # siblings: the comment goes above them.
    while anchor.prev_sibling is not None and anchor.prev_sibling.type in ("decorator", "attribute_item") \
            and anchor.prev_sibling.end_point[0] >= anchor.start_point[0] - 1:
        anchor = anchor.prev_sibling
    at = _chars(src, anchor.start_byte)
    indent = _indent_at(text, at)
    comment = _doc_comment(language, doc, indent, declaration_name(decl))
    existing = _existing_comment(anchor, language)
    if existing is not None:
        s = _line_start(text, _chars(src, existing[0].start_byte))
        return Edit(s, _chars(src, existing[1].end_byte), comment)
    line = _line_start(text, at)
    if text[line:at].strip():  # something else stands before it on the line: break the line
        return Edit(at, at, "\n" + comment + "\n" + indent)
    return Edit(line, line, comment + "\n")


# -- replacing code (Fix, Edit by instruction) --------------------------------------------

def whole_lines(text: str, start: int, end: int) -> tuple[int, int]:
    """The range widened to whole lines (without the last line's newline)."""
    s = _line_start(text, start)
    if end > start and end > 0 and text[end - 1] == "\n":
        end -= 1  # a selection that ends at column 0 does not include that line
    e = text.find("\n", max(end, s))
    return s, len(text) if e == -1 else e


def reindent(code: str, indent: str) -> str:
    code = textwrap.dedent(code.expandtabs(4) if "\t" in code and " " in indent else code)
    return "\n".join(indent + line if line.strip() else "" for line in code.split("\n"))


def replacement_edit(text: str, language: str | None, start: int, end: int, output: str,
                     scopes: list[tuple[int, int]] = ()) -> Edit:
    """The model's code in place of the whole lines of text[start:end], re-indented to the
    first line's indentation, if the file parses no worse with it. When the answer rewrites
    one of the enclosing declarations `scopes` whole (it starts with that declaration's first
    line), it replaces that declaration instead. Raises EditError."""
    code = strip_fences(output).rstrip()
    if not code.strip():
        raise EditError("the model's answer held no code")
    s, e = whole_lines(text, start, end)
    head = code.lstrip().split("\n", 1)[0].strip()
    for scope in scopes:
        line_end = text.find("\n", scope[0])
        if head and head == text[scope[0]: len(text) if line_end == -1 else line_end].strip():
            s, e = whole_lines(text, *scope)
            break
    indent = _indent_at(text, s)
    new_code = reindent(code, indent)
    edit = Edit(s, e, new_code)
    if new_code == text[s:e]:
        raise EditError("the model's answer is the code as it already is; nothing was changed")
    if not parses_no_worse(language, text, edit.apply(text)):
        raise EditError("the model's code does not parse in place; nothing was changed")
    return edit


def minimal(text: str, edit: Edit) -> Edit | None:
    """`edit` trimmed of what it leaves as it is; None when it changes nothing."""
    old = text[edit.start:edit.end]
    new = edit.new_text
    if old == new:
        return None
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    return Edit(edit.start + p, edit.end - s, new[p:len(new) - s])
