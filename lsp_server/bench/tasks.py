"""`atelier bench make-tasks`: line-completion tasks for `atelier bench quality`, cut from the
source of real, permissively licensed packages (installed from PyPI or npm, not ours).

Each package's source files (supported languages; no tests, vendored code, minified or
huge files) are copied with its licence into OUT_DIR/workspaces/<name>/. Lines are chosen
with a seeded random generator and cut after `=`, `(`, `return `, `.`, ...; the rest of
the line is what the model must write. Lines whose rest uses a name defined in another file
of the workspace (and not in this one) are favoured: those need cross-file context.

The copies on disk are whole, as a repository's files are: code like the line being written
elsewhere in the package is followed by what follows it there. A task's own file on disk
holds its answer, as an editor's file on disk holds the saved version of a line being
edited; the server completes the text the editor sends (`didOpen`) and never takes context
for a document from that document's copy on disk (tests/lsp_server/test_pipeline_context.py).
Each file gives at most `per_file` tasks, all cut in the same text."""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
from pathlib import Path

from atelier.context.cursor import analyse
from atelier.context.languages import EXTENSIONS, make_parser
from atelier.lsp_server.bench.quality import language_id

SKIP_DIRS = {
    "test", "tests", "testing", "__tests__", "spec", "specs", "fixtures", "node_modules", "vendor",
    "vendored", "_vendor", "third_party", "thirdparty", "__pycache__", "examples", "example", "docs",
    "benchmark", "benchmarks", "bin",
}
_TEST_FILE = re.compile(r"(^test_.*\.py$|_test\.py$|^conftest\.py$|^setup\.py$|[.-]config\.[cm]?[jt]s$|^(gulpfile|gruntfile)\.|\.(test|spec)\.[cm]?[jt]sx?$|\.d\.[cm]?ts$|\.pyi$|\.min\.js$)")
MAX_FILE_BYTES = 200_000
MAX_LINE_CHARS = 300  # longer lines: minified or generated code
LICENSE_NAMES = re.compile(r"^(licen[cs]e|copying|notice)([.-].*)?$", re.I)
PERMISSIVE = ("MIT", "Apache", "BSD", "ISC", "0BSD", "Unlicense", "PSF", "Python-2.0", "Zlib")

# Where a line is cut: the rest after the match is the task's expected text.
_CUTS = re.compile(r"(?<![=!<>+\-*/%&|^:?])=(?![=>])\s*|\(|\breturn\s+|\.(?=[A-Za-z_$])|\b(?:await|new|yield|throw)\s+")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_SKIP_LINE = re.compile(r"^\s*(import\b|from\s+\S+\s+import\b|#|//|/\*|\*|@|export\s+\*|.*\brequire\()")
# Definitions, by a regex per family: good enough to tell which file defines a name. Only
# top-level ones and methods (at most one level in), not the locals of a function.
_NAME = r"([A-Za-z_$][\w$]*)"
_DEFS = {
    "python": re.compile(r"^(?:    )?(?:async\s+)?(?:def|class)\s+(\w+)|^(\w+)\s*(?::[^=\n]*)?=(?!=)", re.M),
    "js": re.compile(
        r"^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?"
        rf"(?:function\*?|class|interface|enum|type|namespace)\s+{_NAME}"
        rf"|^(?:export\s+)?(?:const|let|var)\s+{_NAME}"
        rf"|\bexports\.{_NAME}\s*="
        r"|^(?:  |    |\t)(?:(?:public|private|protected|static|async|readonly|abstract|get|set|override)\s+)*"
        rf"{_NAME}\s*(?:<[^>\n]*>)?\([^)\n]*\)\s*(?::[^{{\n]*)?\{{",
        re.M,
    ),
}
# String literals: a name inside one is not a use of it.
_STRINGS = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`")
# Names too common to say anything about where they come from.
_COMMON = set(
    "self cls this super None True False null undefined true false new return function const let var "
    "if else for while switch case catch try finally typeof instanceof await async yield in of is not "
    "and or def class lambda pass raise with as assert del global print len str int list dict set "
    "tuple type object string number boolean any void never unknown Promise Error Array Object Map "
    "Set String Number JSON Math console value key name data args kwargs options result error err "
    "get set has call apply bind push length toString constructor init __init__ if for while switch catch".split()
)


def _family(grammar: str) -> str:
    return "python" if grammar == "python" else "js"


def source_files(root: Path, languages: set[str] | None) -> list[tuple[Path, str]]:
    """(path relative to root, grammar) of the files worth copying, sorted."""
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]) or not path.is_file():
            continue
        grammar = EXTENSIONS.get(path.suffix.lower())
        if grammar is None or _TEST_FILE.search(path.name) or path.stat().st_size > MAX_FILE_BYTES:
            continue
        if languages and language_id(grammar) not in languages and grammar not in languages:
            continue
        found.append((rel, grammar))
    return found


def package_info(src: Path) -> dict:
    """Name, version, licence and licence files of the package `src` belongs to: from a
    package.json at or above it (npm), else from the *.dist-info beside it that lists it."""
    for folder in (src, *src.parents[:3]):
        manifest = folder / "package.json"
        if manifest.is_file():
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            licence = meta.get("license")
            return {
                "name": meta.get("name", folder.name).lstrip("@").replace("/", "-"),
                "version": meta.get("version", ""),
                "license": licence if isinstance(licence, str) else json.dumps(licence),
                "license_files": [p for p in sorted(folder.iterdir()) if LICENSE_NAMES.match(p.name) and p.is_file()],
            }
    info = {"name": src.name, "version": "", "license": "", "license_files": []}
    for dist in sorted(src.parent.glob("*.dist-info")):
        record = dist / "RECORD"
        if not record.is_file() or f"\n{src.name}/" not in "\n" + record.read_text(encoding="utf-8"):
            continue
        meta = (dist / "METADATA").read_text(encoding="utf-8") if (dist / "METADATA").is_file() else ""
        fields = dict(re.findall(r"^(Version|License-Expression|License): *(.+)$", meta, re.M))
        classifier = re.search(r"^Classifier: License :: .* :: (.+)$", meta, re.M)
        info["version"] = fields.get("Version", "")
        info["license"] = fields.get("License-Expression") or fields.get("License") or (classifier.group(1) if classifier else "")
        info["license_files"] = [p for p in sorted(dist.rglob("*")) if p.is_file() and LICENSE_NAMES.match(p.name)]
        break
    info["license_files"] += [p for p in sorted(src.iterdir()) if p.is_file() and LICENSE_NAMES.match(p.name)]
    return info


def definitions(text: str, grammar: str) -> set[str]:
    names = set()
    for match in _DEFS[_family(grammar)].finditer(text):
        names.update(g for g in match.groups() if g)
    return {n for n in names if len(n) >= 3 and n not in _COMMON}


def candidates(text: str, grammar: str, own: set[str], elsewhere: set[str], boilerplate: set[str] = frozenset()) -> list[dict]:
    """Every line with a usable cut, with its best cut: one whose rest uses a name defined
    in another file, if there is one. `boilerplate`: lines (stripped) to leave alone."""
    parser = make_parser(grammar)
    tree = parser.parse(text.encode()) if parser else None
    lines = text.split("\n")
    starts, byte_starts = [0], [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
        byte_starts.append(byte_starts[-1] + len(line.encode()) + 1)
    found = []
    for number, line in enumerate(lines):
        if not line.strip() or len(line) > MAX_LINE_CHARS or _SKIP_LINE.match(line) or line.strip() in boilerplate:
            continue
        cuts = []
        for match in _CUTS.finditer(line):
            cut = match.end()
            rest = line[cut:].rstrip()
            if not 4 <= len(rest) <= 100 or not re.search(r"[A-Za-z]", rest) or not line[:cut].strip():
                continue
            index = starts[number] + cut
            cursor = analyse(text, index, tree, byte_starts[number] + len(line[:cut].encode()))
            if cursor.in_comment or cursor.in_string:
                continue
            used = _IDENT.findall(_STRINGS.sub('""', rest))
            symbols = sorted({n for n in used if n in elsewhere and n not in own})
            cuts.append((cut, symbols))
        if cuts:
            found.append({"line": number, "cuts": cuts})
    return found


def _choose(files: dict[str, list[dict]], max_tasks: int, per_file: int, share: float, rng: random.Random) -> list[tuple[str, int, int, list[str]]]:
    """(file, line, cut, symbols) picks: up to `share` of them cross-file, at most
    `per_file` per file, lines of one file at least 20 apart."""
    cross, other = [], []
    for rel in sorted(files):
        for cand in files[rel]:
            with_symbols = [c for c in cand["cuts"] if c[1]]
            cut, symbols = rng.choice(with_symbols or cand["cuts"])
            (cross if symbols else other).append((rel, cand["line"], cut, symbols))
    rng.shuffle(cross)
    rng.shuffle(other)
    picked: list[tuple[str, int, int, list[str]]] = []
    used: dict[str, list[int]] = {}

    def take(pool: list, limit: int) -> None:
        for item in pool:
            if len(picked) >= limit:
                return
            lines = used.setdefault(item[0], [])
            if len(lines) < per_file and all(abs(item[1] - n) >= 20 for n in lines):
                lines.append(item[1])
                picked.append(item)

    take(cross, round(max_tasks * share))
    take(other, max_tasks)
    take(cross, max_tasks)  # not enough in-file lines: more cross-file ones
    return picked


def make_package(src: Path, out: Path, languages: set[str] | None, max_tasks: int, seed: int, per_file: int, share: float) -> tuple[list[dict], dict]:
    info = package_info(src)
    name = info["name"]
    if not any(key in info["license"] for key in PERMISSIVE):
        print(f"atelier bench make-tasks: {name}: licence {info['license']!r} is not on the permissive list", file=sys.stderr)
    workspace = out / "workspaces" / name
    shutil.rmtree(workspace, ignore_errors=True)
    texts: dict[str, tuple[str, str]] = {}
    for rel, grammar in source_files(src, languages):
        try:
            text = (src / rel).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if usable(text):
            texts[rel.as_posix()] = (text, grammar)
    tasks = cut_tasks(name, f"workspaces/{name}", texts, max_tasks, seed, per_file, share)
    for rel, (text, grammar) in texts.items():
        target = workspace / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for path in info["license_files"]:
        shutil.copyfile(path, workspace / path.name)
    source = {
        "name": name, "version": info["version"], "license": info["license"], "from": str(src),
        "license_files": [p.name for p in info["license_files"]], "files": len(texts), "tasks": len(tasks),
        "cross_file": sum(t["cross_file"] for t in tasks),
    }
    if not info["license_files"]:
        print(f"atelier bench make-tasks: {name}: no licence file found", file=sys.stderr)
    return tasks, source


def usable(text: str) -> bool:
    """Whether tasks may be cut from a text: no CR line ends, no minified lines."""
    return "\r" not in text and max(map(len, text.split("\n"))) <= 4 * MAX_LINE_CHARS


def cut_tasks(name: str, workspace: str, texts: dict[str, tuple[str, str]], max_tasks: int, seed: int, per_file: int,
              share: float = 0.6, only: set[str] | None = None) -> list[dict]:
    """Tasks cut from `texts` ({path: (text, grammar)}, the workspace's files), from the files
    in `only` when given (the others still tell which names are defined elsewhere)."""
    defined = {rel: definitions(text, grammar) for rel, (text, grammar) in texts.items()}
    owners: dict[str, int] = {}
    for names in defined.values():
        for n in names:
            owners[n] = owners.get(n, 0) + 1
    # A line found in 3 files or more is boilerplate (a compiler's helpers, licence headers):
    # trivially predictable, it says nothing about context.
    seen: dict[str, int] = {}
    for text, _ in texts.values():
        for line in set(ln.strip() for ln in text.split("\n")):
            seen[line] = seen.get(line, 0) + 1
    boilerplate = {line for line, count in seen.items() if count >= 3}
    files = {}
    for rel, (text, grammar) in texts.items():
        if only is not None and rel not in only:
            continue
        elsewhere = {n for n, count in owners.items() if count > (n in defined[rel])}
        files[rel] = candidates(text, grammar, defined[rel], elsewhere, boilerplate)
    picks = _choose(files, max_tasks, per_file, share, random.Random(f"{seed}:{name}"))
    cut_lines: dict[str, dict[int, int]] = {}
    for rel, line, cut, _ in picks:
        cut_lines.setdefault(rel, {})[line] = cut
    tasks = []
    for rel, line, cut, symbols in sorted(picks):
        text, grammar = texts[rel]
        original = text.split("\n")[line]
        cut_text = "\n".join(ln[: cut_lines[rel][i]] if i in cut_lines[rel] else ln for i, ln in enumerate(text.split("\n")))
        tasks.append({
            "id": f"{name}/{rel}:{line + 1}",
            "workspace": workspace,
            "file": rel,
            "text": cut_text,
            "line": line,
            "character": len(original[:cut].encode("utf-16-le")) // 2,  # LSP's default encoding
            "expected": original[cut:],
            "language": language_id(grammar),
            "cross_file": bool(symbols),
            "symbols": symbols,
        })
    return tasks


def make_tasks(sources: list[Path], out: Path, languages: set[str] | None = None, max_tasks: int = 100, seed: int = 0,
               per_file: int = 1, share: float = 0.6) -> dict:
    """Write OUT/workspaces/<name>/ and OUT/tasks.jsonl for every source folder (at most
    `max_tasks` tasks each); returns the summary also written to OUT/sources.json."""
    out.mkdir(parents=True, exist_ok=True)
    tasks, packages = [], []
    for src in sources:
        made, source = make_package(src.resolve(), out, languages, max_tasks, seed, per_file, share)
        tasks += made
        packages.append(source)
    with (out / "tasks.jsonl").open("w", encoding="utf-8") as f:
        for task in tasks:
            f.write(json.dumps(task) + "\n")
    per_language: dict[str, dict] = {}
    for task in tasks:
        entry = per_language.setdefault(task["language"], {"tasks": 0, "cross_file": 0})
        entry["tasks"] += 1
        entry["cross_file"] += task["cross_file"]
    summary = {
        "tasks": len(tasks),
        "cross_file_share": round(sum(t["cross_file"] for t in tasks) / len(tasks), 3) if tasks else 0.0,
        "per_language": per_language,
        "seed": seed,
        "packages": packages,
    }
    (out / "sources.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def run_make_tasks(sources: list[Path], out: Path, languages: list[str] | None, max_tasks: int, seed: int, per_file: int) -> int:
    missing = [s for s in sources if not s.is_dir()]
    if missing:
        print(f"atelier bench make-tasks: not a folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    summary = make_tasks(sources, out, set(languages) if languages else None, max_tasks, seed, per_file)
    for package in summary["packages"]:
        print(f"{package['name']} {package['version']} ({package['license']}): {package['files']} files, "
              f"{package['tasks']} tasks, {package['cross_file']} cross-file")
    for lang, entry in sorted(summary["per_language"].items()):
        print(f"{lang}: {entry['tasks']} tasks, {entry['cross_file']} cross-file")
    print(f"{summary['tasks']} tasks, cross-file share {summary['cross_file_share']:.0%}: {out / 'tasks.jsonl'}")
    return 0
