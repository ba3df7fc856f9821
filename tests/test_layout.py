"""The layout's rules, checked from the source (the product's import graph, every import
counted, function-level and TYPE_CHECKING ones included):

- context/ never imports lsp_server, pygls or lsprotocol; models/ never imports context,
  lsp_server, pygls or lsprotocol;
- lsp_server/engine/ imports neither pygls nor lsprotocol, not even through another module;
- no feature imports another; only cli/ imports bench/;
- no import cycle anywhere in the product.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("lsp_server", "context", "models")
LSP_LIBRARIES = {"pygls", "lsprotocol"}


def _modules() -> dict[str, Path]:
    found = {}
    for part in PARTS:
        for f in (ROOT / part).rglob("*.py"):
            name = "atelier." + ".".join(f.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = f
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                bits = package.split(".")
                base = ".".join(bits[: len(bits) - node.level + 1] + ([node.module] if node.module else []))
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def _edges() -> dict[str, set[str]]:
    """module -> product modules and outside top-level packages it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = set()
        for imp in _imports(name, path):
            if imp.split(".")[0] in PARTS:
                targets.add(f"bare:{imp}")  # the installed names are atelier.*: a bare import breaks
                continue
            if not imp.startswith("atelier."):
                targets.add(imp.split(".")[0])
                continue
            while imp and imp not in MODULES:
                imp = imp.rpartition(".")[0]
            if imp and imp != name and not name.startswith(imp + "."):
                targets.add(imp)
        graph[name] = targets
    return graph


GRAPH = _edges()


def _reach(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in GRAPH.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_product_is_found():
    assert "atelier.lsp_server.server" in MODULES and "atelier.context.assembly" in MODULES
    assert len(MODULES) > 60


def test_no_module_imports_a_bare_top_level_name():
    bad = sorted(f"{m} imports {t[5:]}" for m, ts in GRAPH.items() for t in ts if t.startswith("bare:"))
    assert bad == []


@pytest.mark.parametrize("part, forbidden", [
    ("atelier.context", {"atelier.lsp_server", *LSP_LIBRARIES}),
    ("atelier.models", {"atelier.context", "atelier.lsp_server", *LSP_LIBRARIES}),
    ("atelier.lsp_server.engine", LSP_LIBRARIES),
])
def test_a_layer_never_reaches_what_is_above_it(part, forbidden):
    bad = sorted(f"{m} reaches {t}" for m in MODULES if _in(m, part)
                 for t in _reach(m) if any(_in(t, f) for f in forbidden))
    assert bad == []


def test_no_feature_imports_another():
    features = [m for m in MODULES if m.startswith("atelier.lsp_server.features.")]
    assert len(features) >= 8
    bad = sorted(f"{m} imports {t}" for m in features for t in GRAPH[m] if t in features)
    assert bad == []


def test_only_the_cli_imports_the_benches():
    bad = sorted(f"{m} imports {t}" for m, ts in GRAPH.items() for t in ts
                 if _in(t, "atelier.lsp_server.bench") and not _in(m, "atelier.lsp_server.bench")
                 and not _in(m, "atelier.lsp_server.cli"))
    assert bad == []


def test_no_import_cycle():
    cycles = [m for m in MODULES if m in _reach(m)]
    assert cycles == []
