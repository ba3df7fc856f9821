"""Functions to write until their tests pass: the stub (or selected function) whose body a
candidate replaces, the prompt a model continues with a body, the candidate cut out of the
model's output, and the test file that exercises the function. Python only; files are only
read here."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

import msgspec

from atelier.context.declarations import declaration_at, declaration_name
from atelier.context.languages import make_parser

# How much of the file before the function, and of the tests, the prompt shows (characters).
PREFIX_CHARS = 3000
TESTS_CHARS = 2000
# A workspace scan for test files looks at this many files at most.
MAX_SCANNED = 5000
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox", "build", "dist"}


class Stub(msgspec.Struct, frozen=True):
    name: str
    start: int  # the declaration (with decorators), indices into the text
    keep_end: int  # the header and docstring end here: the body from here is replaced …
    end: int  # … up to here
    indent: str  # the body's indentation


def _is_stub_statement(node) -> bool:
    text = node.text.decode(errors="replace") if node.text else ""
    if node.type == "pass_statement":
        return True
    if node.type == "expression_statement":
        return text.strip() == "..."
    return node.type == "raise_statement" and "NotImplementedError" in text


def _docstring(body):
    first = next((c for c in body.named_children if c.type != "comment"), None)
    if first is not None and first.type == "expression_statement" and first.named_children \
            and first.named_children[0].type == "string":
        return first
    return None


def find_stub(text: str, start: int, end: int, any_body: bool = False) -> Stub | None:
    """The Python function at text[start:end] whose body is a stub (`...`, `pass`, `raise
    NotImplementedError`, after an optional docstring); with `any_body` (a selection), the
    function around it whatever its body."""
    parser = make_parser("python")
    if parser is None:
        return None
    src = text.encode()
    chars = lambda b: len(src[:b].decode(errors="replace"))  # noqa: E731
    node = declaration_at(parser.parse(src).root_node, len(text[:start].encode()), len(text[:end].encode()), "python")
    while node is not None and node.type != "function_definition":
        node = node.parent
    if node is None:
        return None
    body = node.child_by_field_name("body")
    colon = next((c for c in node.children if c.type == ":"), None)
    if body is None or colon is None:
        return None
    doc = _docstring(body)
    statements = [c for c in body.named_children if c.type != "comment" and c is not doc]
    if not any_body and not (statements and all(_is_stub_statement(s) for s in statements)):
        return None
    line_start = text.rfind("\n", 0, chars(node.start_byte)) + 1
    header_indent = re.match(r"[ \t]*", text[line_start:]).group(0)
    first = doc or (statements[0] if statements else None)
    if first is not None and first.start_point[0] > node.start_point[0]:
        s = chars(first.start_byte)
        indent = text[text.rfind("\n", 0, s) + 1: s]
    else:  # `def f(): pass`
        indent = header_indent + "    "
    outer = node.parent if node.parent is not None and node.parent.type == "decorated_definition" else node
    keep_end = chars(doc.end_byte) if doc is not None else chars(colon.end_byte)
    return Stub(declaration_name(node), chars(outer.start_byte), keep_end, chars(body.end_byte), indent)


def prompt(text: str, stub: Stub, tests: str, tests_path: str) -> str:
    """A prompt the model continues with the function's body: the file up to the function,
    the tests as comments, then the header and docstring."""
    before = text[: stub.start]
    if len(before) > PREFIX_CHARS:
        cut = before.find("\n", len(before) - PREFIX_CHARS)
        before = before[cut + 1:] if cut != -1 else before[-PREFIX_CHARS:]
    shown = tests if len(tests) <= TESTS_CHARS else tests[:TESTS_CHARS].rsplit("\n", 1)[0]
    comment = "".join(f"# {line}\n" if line.strip() else "#\n" for line in shown.rstrip().split("\n"))
    return (f"{before.rstrip()}\n\n\n# {stub.name} must pass these tests ({tests_path}):\n{comment}\n"
            f"{text[stub.start: stub.keep_end]}\n")  # no indentation: a prompt ending in spaces derails models


def cut_body(raw: str, indent: str) -> str:
    """The body the model wrote, indentation included: its lines up to the first one that is
    indented less than `indent` (the function has ended), without blank lines around."""
    lines = raw.split("\n")
    kept: list[str] = []
    for line in lines:
        if line.strip() and not line.startswith(indent):
            break
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept)


def with_body(text: str, stub: Stub, body: str) -> str:
    """The text with the function's body (after its docstring) replaced by `body`."""
    return text[: stub.keep_end] + "\n" + body + text[stub.end:]


def _module_names(source: Path, root: Path) -> set[str]:
    try:
        rel = source.resolve().relative_to(root.resolve()).with_suffix("")
    except ValueError:
        return {source.stem}
    parts = list(rel.parts)
    return {".".join(parts[i:]) for i in range(len(parts))}  # pkg.mod, mod, … as tests import them


def choose_tests(root: Path, source: Path, name: str, allowed: Callable[[Path, str], bool] | None = None) -> Path | None:
    """The test file that exercises `name` from `source`: one that imports the module and
    mentions the function first, then one that mentions the function, then one that imports
    the module; the nearest to `source` among equals. `allowed(path, text)`: whether a file
    may be shown to the model at all (the prompt gate); others are passed over."""
    modules = _module_names(source, root)
    imports = re.compile(r"^\s*(from\s+(%s)\s+import|import\s+(%s)\b)" % (("|".join(map(re.escape, modules)),) * 2), re.M)
    called = re.compile(r"\b%s\b" % re.escape(name))
    best: tuple[tuple[int, int], Path] | None = None
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for file in sorted(files):
            if not (file.endswith(".py") and (file.startswith("test_") or file.endswith("_test.py"))):
                continue
            seen += 1
            if seen > MAX_SCANNED:
                return best[1] if best else None
            path = Path(folder, file)
            try:
                code = path.read_text(encoding="utf-8", errors="replace")[:200_000]
            except OSError:
                continue
            score = 2 * bool(called.search(code)) + bool(imports.search(code))
            if score == 0 or (allowed is not None and not allowed(path, code)):
                continue
            distance = len(os.path.relpath(path, source.parent).split(os.sep))
            key = (-score, distance)
            if best is None or key < best[0]:
                best = (key, path)
    return best[1] if best else None
