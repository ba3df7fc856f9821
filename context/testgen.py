"""Generate tests: the project's test framework (read from the workspace), where a new test
file goes, what it starts with, and its code: the parseable head of the model's answer, or a
skeleton that calls the function when nothing usable came back. Files are only read here."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import msgspec

from atelier.context.declarations import declaration_at, declaration_name, is_declaration, is_function
from atelier.context.edits import code_blocks, strip_fences
from atelier.context.languages import make_parser
from atelier.context.syntax import error_count

TEST_LANGUAGES = ("python", "javascript", "typescript", "tsx", "go", "rust", "java")

# How far up from the source file to look for project files when no root is known.
_MAX_LEVELS = 8

_TEST_MARK = {
    "pytest": r"^\s*def test_\w*\s*\(",
    "unittest": r"^\s*def test_\w*\s*\(self",
    "go test": r"func Test\w*\s*\(\s*\w+ \*testing\.T\)",
    "cargo test": r"#\[test\]",
    "JUnit 5": r"@Test\b",
    "JUnit 4": r"@Test\b",
}
_JS_TEST_MARK = r"\b(test|it)\s*\("


class Target(msgspec.Struct, frozen=True):
    """The function or type to test, as the skeleton needs it."""

    name: str
    params: list[tuple[str, str]]  # (name, type or "")
    owner: str = ""  # the class, impl type or Go receiver type of a method
    is_type: bool = False
    is_static: bool = False  # Java: a static method needs no instance
    returns: bool = True  # whether a result can be bound (Go, Java)


class Plan(msgspec.Struct, frozen=True):
    framework: str
    path: str  # the new test file
    header: str  # what it starts with: package, imports
    language: str


# -- what to test --------------------------------------------------------------------------

def describe_target(text: str, language: str, start: int, end: int) -> Target | None:
    parser = make_parser(language)
    if parser is None:
        return None
    root = parser.parse(text.encode()).root_node
    b_start, b_end = len(text[:start].encode()), len(text[:end].encode())
    node = declaration_at(root, b_start, b_end, language)
    if node is None:
        return None
    owner, parent = "", node.parent
    while parent is not None and not owner:
        if is_declaration(parent, language):
            owner = declaration_name(parent)
        parent = parent.parent
    if node.type == "method_declaration" and language == "go":
        recv = node.child_by_field_name("receiver")
        decl = recv.named_children[0] if recv is not None and recv.named_children else None
        kind = decl.child_by_field_name("type") if decl is not None else None
        owner = kind.text.decode().lstrip("*") if kind is not None and kind.text else ""
    mods = next((c for c in node.children if c.type == "modifiers"), None)
    result = node.child_by_field_name("result" if language == "go" else "type")
    returns = result is not None and result.type != "void_type" if language in ("go", "java") else True
    return Target(
        declaration_name(node),
        _parameters(node, language),
        owner,
        not is_function(node, language),
        bool(mods is not None and mods.text and b"static" in mods.text),
        returns,
    )


def _parameters(node, language: str) -> list[tuple[str, str]]:
    value = next((d.child_by_field_name("value") for d in node.named_children if d.type == "variable_declarator"), None)
    params = (value or node).child_by_field_name("parameters")
    if params is None:
        return []
    out: list[tuple[str, str]] = []
    text = lambda n: n.text.decode(errors="replace") if n is not None and n.text else ""  # noqa: E731
    for p in params.named_children:
        if language == "python":
            if p.type == "identifier":
                out.append((text(p), ""))
            elif p.type == "typed_parameter":
                out.append((text(p.named_children[0]), text(p.child_by_field_name("type"))))
        elif language in ("javascript", "typescript", "tsx"):
            if p.type == "identifier":
                out.append((text(p), ""))
            elif p.type == "required_parameter":
                out.append((text(p.child_by_field_name("pattern")), text(p.child_by_field_name("type")).lstrip(": ")))
        elif language == "go" and p.type == "parameter_declaration":
            out += [(text(n), text(p.child_by_field_name("type"))) for n in p.children_by_field_name("name")]
        elif language in ("rust", "java") and p.type in ("parameter", "formal_parameter"):
            out.append((text(p.child_by_field_name("pattern") or p.child_by_field_name("name")), text(p.child_by_field_name("type"))))
    if language == "python" and out and out[0][0] in ("self", "cls"):
        out = out[1:]
    return [(n, t) for n, t in out if re.fullmatch(r"\w+", n)]


# -- the project's framework ---------------------------------------------------------------

def _upwards(source: Path, root: Path | None) -> list[Path]:
    folders, folder = [], source.parent
    for _ in range(_MAX_LEVELS):
        folders.append(folder)
        if (root is not None and folder == root) or folder.parent == folder:
            break
        folder = folder.parent
    return folders


def _read(path: Path, limit: int = 200_000) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return f.read(limit)
    except OSError:
        return ""


def _nearest(folders: list[Path], *names: str) -> Path | None:
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None


def detect_framework(language: str, source: Path, root: Path | None = None) -> str | None:
    """The test framework the project uses for `language`, from its files: pytest or
    unittest; vitest, jest or mocha (package.json); go test; cargo test; JUnit 5 or 4."""
    folders = _upwards(source, root)
    if language == "python":
        if _nearest(folders, "pytest.ini", "conftest.py"):
            return "pytest"
        config = " ".join(_read(folder / name) for folder in folders
                          for name in ("pyproject.toml", "setup.cfg", "tox.ini", "requirements-dev.txt", "requirements.txt"))
        if "pytest" in config:
            return "pytest"
        existing = [p for folder in folders[:2] for d in (folder, folder / "tests")
                    for p in sorted(d.glob("test_*.py"))[:10] if d.is_dir()]
        sources = " ".join(_read(p, 4000) for p in existing)
        return "unittest" if "unittest" in sources and "pytest" not in sources else "pytest"
    if language in ("javascript", "typescript", "tsx"):
        package = _package_json(folders)
        deps = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
        script = str((package.get("scripts") or {}).get("test", ""))
        for name in ("vitest", "jest", "mocha"):
            if name in deps or name in script:
                return name
        return "jest"
    if language == "go":
        return "go test"
    if language == "rust":
        return "cargo test"
    if language == "java":
        build = " ".join(_read(folder / name) for folder in folders for name in ("pom.xml", "build.gradle", "build.gradle.kts"))
        if "junit-jupiter" in build or "org.junit.jupiter" in build:
            return "JUnit 5"
        return "JUnit 4" if re.search(r"junit:junit|<artifactId>junit</artifactId>", build) else "JUnit 5"
    return None


def _package_json(folders: list[Path]) -> dict:
    found = _nearest(folders, "package.json")
    try:
        data = json.loads(_read(found)) if found else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


# -- the new file --------------------------------------------------------------------------

def _fresh(make) -> Path:
    """The first of make(""), make("2"), make("3") … that does not exist yet."""
    for i in range(1, 100):
        path = make("" if i == 1 else str(i))
        if not path.exists():
            return path
    return make("_atelier")


def plan_tests(language: str, source: Path, source_text: str, target: Target, root: Path | None = None) -> Plan | None:
    framework = detect_framework(language, source, root)
    if framework is None:
        return None
    folders = _upwards(source, root)
    top = target.owner or target.name
    stem, ext = source.stem, source.suffix
    if language == "python":
        tests = (root or source.parent) / "tests"
        in_tests = tests.is_dir()
        path = _fresh(lambda s: (tests if in_tests else source.parent) / f"test_{stem}{s}.py")
        module = stem
        if in_tests and root is not None:
            rel = source.with_suffix("").relative_to(root).parts if source.is_relative_to(root) else (stem,)
            module = ".".join(rel[1:] if rel[0] == "src" and len(rel) > 1 else rel)
        header = ("import unittest\n\n" if framework == "unittest" else "") + f"from {module} import {top}\n"
    elif language in ("javascript", "typescript", "tsx"):
        base = source.parent
        if framework == "mocha" and root is not None and (root / "test").is_dir():
            base = root / "test"
        path = _fresh(lambda s: base / f"{stem}{s}.test{ext}")
        rel = os.path.relpath(source.with_suffix(""), path.parent).replace(os.sep, "/")
        rel = rel if rel.startswith(".") else "./" + rel
        esm = language != "javascript" or framework == "vitest" or _package_json(folders).get("type") == "module"
        imports = f"import {{ {top} }} from '{rel}';" if esm else f"const {{ {top} }} = require('{rel}');"
        if framework == "vitest":
            imports = "import { describe, it, expect } from 'vitest';\n" + imports
        elif framework == "mocha":
            imports = ("import assert from 'node:assert';\n" if esm else "const assert = require('node:assert');\n") + imports
        header = imports + "\n"
    elif language == "go":
        package = re.search(r"^package\s+(\w+)", source_text, re.MULTILINE)
        path = _fresh(lambda s: source.parent / f"{stem}{s}_test.go")
        header = f"package {package.group(1) if package else 'main'}\n\nimport \"testing\"\n"
    elif language == "rust":
        cargo = _nearest(folders, "Cargo.toml")
        crate_dir = cargo.parent if cargo else source.parent
        name = re.search(r'^\s*name\s*=\s*"([^"]+)"', _read(cargo) if cargo else "", re.MULTILINE)
        crate = (name.group(1) if name else crate_dir.name).replace("-", "_")
        parts = list(source.with_suffix("").relative_to(crate_dir / "src").parts) if source.is_relative_to(crate_dir / "src") else []
        parts = [p for p in parts if p not in ("lib", "main", "mod")]
        path = _fresh(lambda s: crate_dir / "tests" / f"{stem}{s}_test.rs")
        header = f"use {'::'.join([crate, *parts, top])};\n"
    elif language == "java":
        package = re.search(r"^package\s+([\w.]+)\s*;", source_text, re.MULTILINE)
        folder = Path(str(source.parent).replace(f"{os.sep}src{os.sep}main{os.sep}", f"{os.sep}src{os.sep}test{os.sep}"))
        path = _fresh(lambda s: folder / f"{target.owner or stem}{s}Test.java")
        junit = ("import org.junit.jupiter.api.Test;\nimport static org.junit.jupiter.api.Assertions.*;\n"
                 if framework == "JUnit 5" else "import org.junit.Test;\nimport static org.junit.Assert.*;\n")
        header = (f"package {package.group(1)};\n\n" if package else "") + junit
    else:
        return None
    return Plan(framework, str(path), header, language)


def task(plan: Plan, target: Target) -> str:
    """What to ask the model for, in the framework's words. Small models follow one concrete,
    named test ("a test function `test_f`") far better than "unit tests"."""
    name = target.name
    title = name[:1].upper() + name[1:]
    calls = f"calls `{target.owner}.{name}`" if target.owner and not target.is_type else f"calls `{name}`"
    what = {
        "pytest": f"a pytest test function `test_{name}` that {calls} and checks its result with assert",
        "unittest": f"a unittest.TestCase class `Test{title}` with a method `test_{name}` that {calls} and checks "
                    "its result with self.assertEqual",
        "jest": f"a jest test, test('{name}', () => {{ … }}), that {calls} and checks its result with expect",
        "vitest": f"a vitest test, test('{name}', () => {{ … }}), that {calls} and checks its result with expect",
        "mocha": f"a mocha test, it('{name}', () => {{ … }}), that {calls} and checks its result with assert",
        "go test": f"a Go test function `Test{title}(t *testing.T)` that {calls} and reports a wrong result with t.Errorf",
        "cargo test": f"a Rust test function `{name}_works`, marked #[test], that {calls} and checks its result with assert_eq!",
    }.get(plan.framework, f"a {plan.framework} test class `{Path(plan.path).stem}` with a @Test method that {calls} "
                          "and checks its result with assertEquals")
    return f"Write {what}."


def finished(plan: Plan):
    """While the answer streams in: whether a finished code block holds a test."""
    def done(output: str) -> bool:
        blocks = code_blocks(output)
        closed = blocks if len(re.findall(r"^\s*```", output, re.MULTILINE)) % 2 == 0 else blocks[:-1]
        return any(_has_test(b, plan.framework) for b in closed)
    return done


# -- the file's code -----------------------------------------------------------------------

def _has_test(code: str, framework: str) -> bool:
    return re.search(_TEST_MARK.get(framework, _JS_TEST_MARK), code, re.MULTILINE) is not None


def _parse_errors(language: str, code: str) -> int:
    parser = make_parser(language)
    return error_count(parser.parse(code.encode())) if parser is not None else 0


def parseable_head(code: str, language: str) -> str:
    """The longest head of whole lines of `code` that parses without error."""
    lines = code.split("\n")
    for keep in range(len(lines), 0, -1):
        head = "\n".join(lines[:keep]).rstrip()
        if head.strip() and _parse_errors(language, head) == 0:
            return head
    return ""


def _without(code: str, language: str, name: str) -> str:
    """`code` without top-level definitions of `name`: small models copy the function under
    test into the test file, and the tests would then test the copy."""
    parser = make_parser(language)
    if parser is None or not name:
        return code
    src = code.encode()
    cut = [(n.start_byte, n.end_byte) for n in parser.parse(src).root_node.named_children
           if is_declaration(n.child_by_field_name("definition") or n, language)
           and declaration_name(n.child_by_field_name("definition") or n) == name]
    for start, end in reversed(cut):
        src = src[:start] + src[end:]
    return src.decode(errors="replace")


def build_test_file(output: str, plan: Plan, target: Target) -> str:
    """The new test file: the model's tests (their parseable head, with the header the file
    needs) or, when they hold no test, a skeleton that calls the function."""
    # The first block that holds a test: small models often echo the function first.
    blocks = [b for b in code_blocks(output) if _has_test(b, plan.framework)]
    code = _without(blocks[0] if blocks else strip_fences(output), plan.language, target.name)
    code = parseable_head(code.strip("\n"), plan.language)
    if not _has_test(code, plan.framework):
        return skeleton(plan, target)
    if plan.language == "go":
        code = re.sub(r"^package\s+\w+\s*\n", "", code, flags=re.MULTILINE)
        if '"testing"' in code:
            code = re.sub(r'^import\s+"testing"\s*\n', "", code, flags=re.MULTILINE)
        code = plan.header + "\n" + code
    elif plan.language == "java":
        code = re.sub(r"^(package|import)\b.*\n", "", code, flags=re.MULTILINE).lstrip("\n")
        # The public class must be named after its file.
        code = re.sub(r"\bclass\s+\w+", f"class {Path(plan.path).stem}", code, count=1)
        code = plan.header + "\n" + code
    else:
        missing = [line for line in plan.header.split("\n") if line.strip() and line.strip() not in code]
        if missing:
            code = "\n".join(missing) + "\n\n" + ("\n" if plan.language == "python" else "") + code
    code = code.rstrip() + "\n"
    return code if _parse_errors(plan.language, code) == 0 else skeleton(plan, target)


_JAVA_ZERO = {"int": "0", "long": "0L", "short": "0", "byte": "0", "double": "0.0", "float": "0.0f",
              "boolean": "false", "char": "'a'"}


def skeleton(plan: Plan, target: Target) -> str:
    """A minimal test that parses and calls the function, with TODOs for the values."""
    name, owner, lang = target.name, target.owner, plan.language
    args = ", ".join(n for n, _ in target.params)
    if lang == "python":
        setup = "".join(f"    {n} = None  # TODO: a real value\n" for n, _ in target.params)
        call = f"{owner}().{name}({args})" if owner and not target.is_type else f"{name}({args})"
        body = f"{setup}    result = {call}\n    # TODO: check the result, e.g. assert result == expected\n"
        if plan.framework == "unittest":
            body = "".join("    " + line + "\n" if line else "\n" for line in body.rstrip("\n").split("\n"))
            return (f"{plan.header}\n\nclass Test{name[:1].upper()}{name[1:]}(unittest.TestCase):\n"
                    f"    def test_{name}(self):\n{body}\n\nif __name__ == \"__main__\":\n    unittest.main()\n")
        return f"{plan.header}\n\ndef test_{name}():\n{body}"
    if lang in ("javascript", "typescript", "tsx"):
        setup = "".join(f"    const {n} = undefined; // TODO: a real value\n" for n, _ in target.params)
        call = f"new {owner}().{name}({args})" if owner and not target.is_type else f"{'new ' if target.is_type else ''}{name}({args})"
        check = "assert.ok(result !== undefined)" if plan.framework == "mocha" else "expect(result).toBeDefined()"
        return (f"{plan.header}\ndescribe('{name}', () => {{\n  it('runs', () => {{\n"
                + setup + f"    const result = {call};\n    // TODO: check the result\n    {check};\n  }});\n}});\n")
    if lang == "go":
        setup = "".join(f"\tvar {n} {t}\n" for n, t in target.params)
        recv = f"\tvar r {owner}\n" if owner else ""
        call = f"{'r.' if owner else ''}{name}({args})"
        use = f"\tgot := {call}\n\t_ = got // TODO: compare with the expected result\n" if target.returns else f"\t{call}\n"
        if target.is_type:
            recv, setup, use = "", "", f"\tvar got {name}\n\t_ = got // TODO: build one and check it\n"
        title = name[:1].upper() + name[1:]
        return f"{plan.header}\nfunc Test{title}(t *testing.T) {{\n{recv}{setup}{use}}}\n"
    if lang == "rust":
        setup, passed = "", []
        for n, t in target.params:
            mut = t.startswith("&mut ")
            bare = t[5:] if mut else t.lstrip("&")
            if bare == "str":  # unsized: a literal is the value to pass
                setup += f"    let {n}: &str = \"\";\n"
                passed.append(n)
                continue
            setup += f"    let {'mut ' if mut else ''}{n}: {bare} = Default::default();\n"
            passed.append(("&mut " if mut else "&" if t.startswith("&") else "") + n)
        # `mut` in case the method takes `&mut self`; at worst a warning.
        obj = f"    let mut obj: {owner} = Default::default();\n" if owner and not target.is_type else ""
        call = f"{'obj.' if obj else ''}{name}({', '.join(passed)})"
        if target.is_type:
            call = f"<{name} as Default>::default()"
        return f"{plan.header}\n#[test]\nfn {name}_runs() {{\n{obj}{setup}    let _result = {call};\n    // TODO: assert_eq!(_result, expected);\n}}\n"
    if lang == "java":
        cls = Path(plan.path).stem
        setup = "".join(f"        {t} {n} = {_JAVA_ZERO.get(t, 'null')}; // TODO: a real value\n" for n, t in target.params)
        subject = owner or cls.removesuffix("Test")
        call = f"{subject}.{name}({args})" if target.is_static else f"new {subject}().{name}({args})"
        if target.is_type:
            call = f"new {name}({args})"
        use = f"        var result = {call};\n        // TODO: assertEquals(expected, result);\n" if target.returns else f"        {call};\n"
        return f"{plan.header}\nclass {cls} {{\n    @Test\n    void {name}Runs() {{\n{setup}{use}    }}\n}}\n"
    return ""
