"""A file's imports, resolved to files of the workspace.

Only what can be resolved without a build system: relative and package-absolute Python
modules, relative JS/TS specifiers, quoted C/C++ includes, Java imports by path, Go import
paths under the module in go.mod, Rust `mod` and `crate::` paths. Anything else (third-party
packages, the standard library) is left out: the model knows those already.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import msgspec
from tree_sitter import Tree

from atelier.context.languages import SPECS

_IMPORT_NODES = {name: spec.imports for name, spec in SPECS.items() if spec.imports}
_JS_EXTENSIONS = ("", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", "/index.ts", "/index.tsx", "/index.js")
_STRING = re.compile(r"""['"]([^'"]+)['"]""")


class Import(msgspec.Struct, frozen=True):
    path: str  # workspace-relative file
    names: tuple[str, ...] = ()  # the names it brings in, when the statement lists them
    alias: str = ""  # the name the module itself is bound to (`utils` in `utils.parse(`), if any


def _nodes(tree: Tree, types: tuple[str, ...]):
    # Imports sit at the top level (or one level down, in Go's import lists and JS exports).
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in types:
            yield node
        if node.type in ("program", "module", "source_file", "translation_unit", "import_declaration",
                         "import_spec_list", "export_statement", "expression_statement", "lexical_declaration",
                         "variable_declarator", "variable_declaration", "preproc_ifdef", "preproc_if"):
            stack.extend(reversed(node.named_children))


def _existing(root: Path, candidates: list[PurePosixPath]) -> str | None:
    for c in candidates:
        path = root / c
        if path.is_file():
            return str(c)
    return None


def _python(text: str, rel: PurePosixPath, root: Path) -> list[Import]:
    m = re.match(r"from\s+(\.*)([\w.]*)\s+import\s+(.+)", text, re.S)
    if m:
        dots, module, names = m.groups()
        names_list = tuple(n.split(" as ")[0].strip(" ()\n\\") for n in names.split(",") if n.strip(" ()\n\\"))
        bases = [rel.parent.joinpath(*[".."] * (len(dots) - 1))] if dots else [PurePosixPath("."), PurePosixPath("src")]
        found = []
        for base in bases:
            mod = PurePosixPath(str(base), *module.split(".")) if module else PurePosixPath(str(base))
            hit = _existing(root, [mod.with_suffix(".py"), mod / "__init__.py"]) if module else None
            if hit:
                found.append(Import(_norm(hit), names_list))
            if not module or not hit:  # `from . import x` or `from pkg import module`
                for name in names_list:
                    sub = _existing(root, [mod / f"{name}.py", mod / name / "__init__.py"])
                    if sub:
                        found.append(Import(_norm(sub), alias=name))
        return found
    found = []
    for module, alias in re.findall(r"([\w.]+)(?:\s+as\s+(\w+))?", text[len("import"):]):
        for base in (PurePosixPath("."), PurePosixPath("src")):
            mod = PurePosixPath(str(base), *module.split("."))
            hit = _existing(root, [mod.with_suffix(".py"), mod / "__init__.py"])
            if hit:  # `import a.b` binds `a`, not the module: only an alias or a plain name counts
                found.append(Import(_norm(hit), alias=alias or ("" if "." in module else module)))
                break
    return found


def _norm(path: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _javascript(text: str, rel: PurePosixPath, root: Path) -> list[Import]:
    if not re.match(r"(?:(?:const|let|var)\s+[\w$]+\s*=\s*)?(?:(?:import|export)\b|require\s*\(|import\s*\()", text):
        return []
    m = _STRING.search(text)
    if not m or not m.group(1).startswith("."):
        return []
    names = tuple(n.split(" as ")[0].strip() for n in re.findall(r"{([^}]*)}", text)[0].split(",") if n.strip()) if "{" in text else ()
    target = PurePosixPath(_norm(str(rel.parent / m.group(1))))
    hit = _existing(root, [PurePosixPath(str(target) + ext) for ext in _JS_EXTENSIONS])
    bound = re.match(r"(?:const|let|var)\s+([\w$]+)\s*=|import\s+(?:\*\s+as\s+)?([\w$]+)\s*(?:,|from\b)", text)
    alias = next((g for g in bound.groups() if g), "") if bound else ""
    return [Import(_norm(hit), names, alias)] if hit else []


def _c(text: str, rel: PurePosixPath, root: Path) -> list[Import]:
    m = re.search(r'#\s*include\s*"([^"]+)"', text)
    if not m:
        return []
    hit = _existing(root, [PurePosixPath(_norm(str(rel.parent / m.group(1)))), PurePosixPath(m.group(1)),
                           PurePosixPath("include") / m.group(1)])
    return [Import(_norm(hit))] if hit else []


def _java(text: str, rel: PurePosixPath, root: Path) -> list[Import]:
    m = re.match(r"import\s+(?:static\s+)?([\w.]+)\s*;", text)
    if not m:
        return []
    parts = m.group(1).split(".")
    for source_root in ("", "src/main/java", "src"):
        hit = _existing(root, [PurePosixPath(source_root, *parts).with_suffix(".java")])
        if hit:
            return [Import(_norm(hit), (parts[-1],), parts[-1])]
    return []


def _go(text: str, rel: PurePosixPath, root: Path) -> list[Import]:
    m = _STRING.search(text)
    gomod = root / "go.mod"
    if not m or not gomod.is_file():
        return []
    module = re.search(r"^module\s+(\S+)", gomod.read_text(errors="replace"), re.M)
    if not module or not m.group(1).startswith(module.group(1) + "/"):
        return []
    folder = root / m.group(1)[len(module.group(1)) + 1:]
    if not folder.is_dir():
        return []
    named = re.match(r"\s*([\w.]+)\s+\"", text)  # an explicit package name, else the folder's
    alias = named.group(1) if named else folder.name
    return [Import(str(p.relative_to(root)), alias=alias) for p in sorted(folder.glob("*.go")) if not p.name.endswith("_test.go")]


def _rust(text: str, rel: PurePosixPath, root: Path) -> list[Import]:
    m = re.match(r"(?:pub\s+)?mod\s+(\w+)\s*;", text)
    if m:
        base = rel.parent if rel.name in ("mod.rs", "lib.rs", "main.rs") else rel.parent / rel.stem
        hit = _existing(root, [base / f"{m.group(1)}.rs", base / m.group(1) / "mod.rs"])
        return [Import(_norm(hit), alias=m.group(1))] if hit else []
    m = re.match(r"use\s+crate::([\w:]+)", text)
    if not m:
        return []
    parts = m.group(1).split("::")
    for n in range(len(parts), 0, -1):
        mod = PurePosixPath("src", *parts[:n])
        hit = _existing(root, [mod.with_suffix(".rs"), mod / "mod.rs"])
        if hit:
            return [Import(_norm(hit), tuple(parts[n:n + 1]), parts[n - 1] if n == len(parts) else "")]
    return []


_RESOLVERS = {"python": _python, "javascript": _javascript, "typescript": _javascript, "tsx": _javascript,
              "c": _c, "cpp": _c, "java": _java, "go": _go, "rust": _rust}


def _statements(tree: Tree, kinds: tuple[str, ...]):
    """(node, text) of each import statement: `require(...)`/`import(...)` calls are lifted to
    their declaration (`const x = require(...)`: x is the module); other calls are skipped."""
    for node in _nodes(tree, kinds):
        text = node.text.decode(errors="replace")
        if node.type == "call_expression":
            if not text.startswith(("require", "import")):
                continue
            if node.parent is not None and node.parent.type == "variable_declarator":
                node = node.parent.parent
                text = node.text.decode(errors="replace")
        yield node, text


def import_lines(tree: Tree | None, language: str | None) -> tuple[int, str]:
    """The file's import statements as written, all of them (third-party ones too: they name
    what the code may call), and the 0-based line of the first; (-1, "") when there are none."""
    if tree is None or language not in _IMPORT_NODES:
        return -1, ""
    kinds = ("import_declaration",) if language == "go" else _IMPORT_NODES[language]  # the whole block
    found: dict[int, str] = {}  # start byte -> statement
    first = -1
    for node, text in _statements(tree, kinds):
        if node.type == "call_expression" and not text.startswith("require("):
            continue  # a dynamic import() is an expression, not a statement at the top
        if node.type == "export_statement" and " from " not in text:
            continue  # an exported definition, not a re-export
        if not found:
            first = node.start_point[0]  # the walk is in document order
        found.setdefault(node.start_byte, text.strip())
    return first, "\n".join(found[k] for k in sorted(found))


def resolve_imports(tree: Tree | None, language: str | None, rel_path: str, root: Path) -> list[Import]:
    """The workspace files the file at `rel_path` imports, in the order it imports them."""
    resolver = _RESOLVERS.get(language or "")
    if tree is None or resolver is None:
        return []
    rel = PurePosixPath(rel_path)
    found: list[Import] = []
    seen: dict[str, int] = {}  # path -> its place in `found`
    for _, text in _statements(tree, _IMPORT_NODES[language]):
        for imp in resolver(text, rel, root):
            if imp.path == rel_path:
                continue
            if imp.path not in seen:
                seen[imp.path] = len(found)
                found.append(imp)
            elif imp.alias and not found[seen[imp.path]].alias:  # imported twice: keep both facts
                found[seen[imp.path]] = Import(imp.path, found[seen[imp.path]].names, imp.alias)
    return found
