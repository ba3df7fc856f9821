"""Cross-file context from a real workspace, through the same code the server runs."""

from pathlib import Path

import msgspec
import pytest

from atelier.context.document import Document
from atelier.context.assembly import prepare
from atelier.lsp_server.engine.completion import generate, make_prompt
from atelier.lsp_server.settings import Settings
from atelier.context.workspace import WorkspaceContext
from atelier.models.llama import LlamaBackend
from atelier.models.locate import bundled_model

FILES = {
    "shop/__init__.py": "",
    "shop/money.py": 'def fmt_price(cents: int) -> str:\n    """Cents as a dollar string."""\n    return f"${cents / 100:.2f}"\n',
    "shop/cart.py": "from .money import fmt_price\n\n\ndef receipt(items):\n    lines = []\n    for item in items:\n        lines.append(fmt_price(\n",
    "web/fmt.ts": "export function padLeft(s: string, n: number): string {\n  return s.padStart(n);\n}\n",
    "web/view.ts": "import { padLeft } from './fmt';\n\nexport function row(name: string) {\n  return padLeft(\n",
    "go.mod": "module example.com/shop\n\ngo 1.22\n",
    "money/money.go": "package money\n\n// Fmt renders cents as dollars.\nfunc Fmt(cents int) string {\n\treturn \"\"\n}\n",
    "main.go": 'package main\n\nimport "example.com/shop/money"\n\nfunc show(c int) string {\n\treturn money.Fmt(\n}\n',
    "src/geo.rs": "/// Area of a rectangle.\npub fn area(w: f64, h: f64) -> f64 {\n    w * h\n}\n",
    "src/lib.rs": "mod geo;\nuse crate::geo::area;\n\npub fn room(w: f64) -> f64 {\n    area(\n}\n",
    "src/main/java/com/shop/Prices.java": "package com.shop;\n\npublic class Prices {\n  public static String format(int cents) { return \"\"; }\n}\n",
    "src/main/java/com/shop/App.java": "package com.shop;\nimport com.shop.Prices;\n\nclass App {\n  String show(int c) {\n    return Prices.format(\n  }\n}\n",
    "lib/geo.h": "/* Area of a w by h rectangle. */\nint rect_area(int w, int h);\n",
    "lib/main.c": '#include "geo.h"\n\nint room(int w) {\n  return rect_area(\n}\n',
}


@pytest.fixture()
def workspace(tmp_path):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    ctx = WorkspaceContext()
    ctx.open(tmp_path, tmp_path / ".data")
    ctx.build()
    return tmp_path, ctx


def snapshot(root: Path, ctx: WorkspaceContext, rel: str, mode: str):
    doc = Document((root / rel).as_uri(), (root / rel).read_text())
    line = len(doc.lines) - 2
    return prepare(doc, line, len(doc.lines[line]), rel, ctx.sources(doc, rel, []), mode)


@pytest.mark.parametrize(("rel", "definition"), [
    ("shop/cart.py", "def fmt_price"),
    ("web/view.ts", "function padLeft"),
    ("main.go", "func Fmt"),
    ("src/lib.rs", "pub fn area"),
    ("src/main/java/com/shop/App.java", "public class Prices"),
    ("lib/main.c", "int rect_area"),
])
def test_full_context_pulls_in_the_imported_definition(workspace, rel, definition):
    root, ctx = workspace
    snap = snapshot(root, ctx, rel, "full")
    assert any(definition in s.text for s in snap.snippets), snap.snippets
    assert snapshot(root, ctx, rel, "none").snippets == ()
    assert snapshot(root, ctx, rel, "file").snippets == ()  # defined in another file


@pytest.mark.slow  # the default model, in this process
def test_the_prompt_carries_the_definition_as_comments_before_the_file(workspace):
    root, ctx = workspace
    backend = LlamaBackend(bundled_model(), n_ctx=1024)
    try:
        prompt = make_prompt(snapshot(root, ctx, "shop/cart.py", "full"), backend, Settings().completion)
    finally:
        backend.close()
    assert prompt.text.startswith("# shop/money.py:\n# def fmt_price(cents: int) -> str:")
    assert prompt.text.index("# shop/cart.py\n") > prompt.text.index("fmt_price")


def test_a_long_function_keeps_its_signature_in_view(tmp_path):
    body = "".join(f"    step_{i} = compute({i})\n" for i in range(120))
    source = f'def pipeline(config):\n    """Run every step."""\n{body}    \n'
    doc = Document((tmp_path / "long.py").as_uri(), source)
    line = len(doc.lines) - 2
    snap = prepare(doc, line, 4, "long.py", WorkspaceContext().sources(doc, "long.py", []), "file")
    assert [s.text for s in snap.snippets] == ['def pipeline(config):\n    """Run every step."""']


@pytest.mark.parametrize(("rel", "text", "member"), [
    ("shop/report.py", "from . import money\n\n\ndef total(c):\n    return money.\n", "def fmt_price(cents: int) -> str"),
    ("web/list.js", "const fmt_1 = require('./fmt');\n\nfunction row(s) {\n  return fmt_1.\n}\n", "function padLeft"),
    ("main.go", 'package main\n\nimport "example.com/shop/money"\n\nfunc show(c int) string {\n\treturn money.\n}\n', "func Fmt(cents int) string"),
])
def test_after_a_modules_name_and_a_dot_its_members_are_in_the_context(workspace, rel, text, member):
    root, ctx = workspace
    if rel == "web/list.js":
        (root / "web" / "fmt.js").write_text("function padLeft(s, n) {\n  return s.padStart(n);\n}\nexports.padLeft = padLeft;\n")
        ctx.build()
    doc = Document((root / rel).as_uri(), text)
    line = next(i for i, text in enumerate(doc.lines) if text.endswith("."))
    snap = prepare(doc, line, len(doc.lines[line]), rel, ctx.sources(doc, rel, []), "full")
    members = [s for s in snap.snippets if s.kind == "members"]
    assert len(members) == 1 and member in members[0].text, snap.snippets
    # Typing on after the dot keeps the module's members in view.
    doc.apply_changes([((line, len(doc.lines[line]), line, len(doc.lines[line])), "F")])
    again = prepare(doc, line, len(doc.lines[line]), rel, ctx.sources(doc, rel, []), "full")
    assert members[0] in again.snippets


@pytest.mark.parametrize(("rel", "text", "member"), [
    # self. in a subclass: the base class's methods, defined in another file.
    ("shop/special.py", "from .base import Store\n\n\nclass Outlet(Store):\n    def sell(self, item):\n        self.\n",
     "def restock(self, item: str, count: int) -> None"),
    # A parameter annotated with a class from another file.
    ("shop/report2.py", "from .base import Store\n\n\ndef audit(store: Store):\n    return store.\n",
     "def restock(self, item: str, count: int) -> None"),
    ("web/use.ts", "import { Ledger } from './ledger';\n\nexport function post(l: Ledger) {\n  return l.\n}\n",
     "record(amount: number): void"),
    ("src/main/java/com/shop/Main.java",
     "package com.shop;\nimport com.shop.Prices;\n\nclass Main {\n  void run() {\n    Prices p = new Prices();\n    p.\n  }\n}\n",
     "public static String format(int cents)"),
])
def test_after_an_object_and_a_dot_the_members_of_its_class_and_bases_are_in_the_context(workspace, rel, text, member):
    root, ctx = workspace
    (root / "shop" / "base.py").write_text(
        "class Store:\n    \"\"\"A shop.\"\"\"\n\n    def restock(self, item: str, count: int) -> None:\n        self.stock[item] += count\n"
        "\n    def price_of(self, item: str) -> int:\n        return self.prices[item]\n"
    )
    (root / "web" / "ledger.ts").write_text(
        "export class Ledger {\n  record(amount: number): void {\n    this.total += amount;\n  }\n  balance(): number {\n    return this.total;\n  }\n}\n"
    )
    ctx.build()
    doc = Document((root / rel).as_uri(), text)
    line = next(i for i, text in enumerate(doc.lines) if text.endswith("."))
    snap = prepare(doc, line, len(doc.lines[line]), rel, ctx.sources(doc, rel, []), "full")
    assert any(s.kind == "members" and member in s.text for s in snap.snippets), snap.snippets
    assert member.split("(")[0].split()[-1] in snap.names


@pytest.mark.slow  # the default model, in this process
def test_after_a_dot_the_completion_names_a_member_the_receiver_holds(tmp_path):
    """A small model invents plausible names after a dot; with the receiver's class known,
    it chooses among the members it really has (here names no model could guess)."""
    (tmp_path / "vault.py").write_text(
        "class Vault:\n    def qz_lock_all(self) -> None:\n        self.qz_sealed = True\n\n"
        "    def wv_open_door(self, code: int) -> bool:\n        return not self.qz_sealed\n"
    )
    text = "from vault import Vault\n\n\ndef close(v: Vault):\n    v.\n"
    (tmp_path / "guard.py").write_text(text)
    ctx = WorkspaceContext()
    ctx.open(tmp_path, tmp_path / ".data")
    ctx.build()
    doc = Document((tmp_path / "guard.py").as_uri(), text)
    snap = prepare(doc, 4, len("    v."), "guard.py", ctx.sources(doc, "guard.py", []), "full")
    assert set(snap.names) == {"qz_lock_all", "wv_open_door"}
    backend = LlamaBackend(bundled_model(), n_ctx=1024)
    try:
        answer = generate(snap, backend, Settings().completion).text
        unknown = generate(msgspec.structs.replace(snap, names=()), backend, Settings().completion).text
    finally:
        backend.close()
    assert answer.startswith(("qz_lock_all", "wv_open_door")), answer
    assert not unknown.startswith(("qz_lock_all", "wv_open_door")), unknown  # what it does unaided


def test_code_like_the_code_being_written_comes_from_unopened_files_of_the_index(tmp_path):
    hooks = (
        "def configure_{0}(converter):\n"
        "    converter.register_unstructure_hook(datetime, lambda v: v.isoformat())\n"
        "    converter.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))\n"
        "    converter.register_unstructure_hook(bytes, lambda v: b85encode(v).decode('utf8'))\n"
    )
    (tmp_path / "preconf").mkdir()
    (tmp_path / "preconf" / "orjson.py").write_text(hooks.format("orjson"))
    (tmp_path / "preconf" / "other.py").write_text("def unrelated(a, b):\n    return a + b\n")
    text = "def configure_ujson(converter):\n    converter.register_structure_hook(bytes, lambda v, _: b85decode(v))\n    converter.\n"
    (tmp_path / "preconf" / "ujson.py").write_text(text)
    ctx = WorkspaceContext()
    ctx.open(tmp_path, tmp_path / ".data")
    ctx.build()
    doc = Document((tmp_path / "preconf" / "ujson.py").as_uri(), text)
    snap = prepare(doc, 2, len("    converter."), "preconf/ujson.py", ctx.sources(doc, "preconf/ujson.py", []), "full")
    similar = [s for s in snap.snippets if s.kind == "similar"]
    assert [s.path for s in similar] == ["preconf/orjson.py"]
    assert "lambda v: v.isoformat()" in similar[0].text


def test_the_files_imports_come_back_once_the_window_has_scrolled_past_them(tmp_path):
    """Names imported at the top are what the code far below calls: the model sees them."""
    body = "".join(f"    step_{i} = compute({i})\n" for i in range(80))
    source = f"import json\nfrom shop.money import fmt_price, parse_price\n\n\ndef pipeline(config):\n{body}    \n"
    doc = Document((tmp_path / "long.py").as_uri(), source)
    ctx = WorkspaceContext()
    far = prepare(doc, len(doc.lines) - 2, 4, "long.py", ctx.sources(doc, "long.py", []), "file")
    assert "import json\nfrom shop.money import fmt_price, parse_price" in [s.text for s in far.snippets]
    near = prepare(doc, 10, 4, "long.py", ctx.sources(doc, "long.py", []), "file")
    assert not [s for s in near.snippets if s.kind == "imports"]  # the window shows them


def test_no_context_comes_from_the_open_documents_own_copy_on_disk(tmp_path):
    """The editor's text is the truth: the saved file may hold the very line being written
    (the quality bench's workspaces do), and it must not reach the prompt from the index."""
    saved = (
        "from shop.money import fmt_price\n\n\ndef label(item):\n"
        "    return fmt_price(item.cents) + ' qz_only_on_disk'\n\n\ndef other(item):\n    return label(item)\n"
    )
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "money.py").write_text("def fmt_price(cents):\n    return f'{cents / 100:.2f}'\n")
    (tmp_path / "shop" / "labels.py").write_text(saved)
    (tmp_path / "shop" / "tags.py").write_text("from shop.labels import label\n\n\ndef tag(item):\n    return label(item)\n")
    ctx = WorkspaceContext()
    ctx.open(tmp_path, tmp_path / ".data")
    ctx.build()
    typed = saved.replace("fmt_price(item.cents) + ' qz_only_on_disk'", "")
    doc = Document((tmp_path / "shop" / "labels.py").as_uri(), typed)
    snap = prepare(doc, 4, len("    return "), "shop/labels.py", ctx.sources(doc, "shop/labels.py", []), "full")
    assert snap.snippets  # context there is (money.py's definition)
    assert not any("qz_only_on_disk" in s.text for s in snap.snippets), snap.snippets


def test_full_context_finds_a_sibling_far_up_the_same_document(tmp_path):
    from tests.context.test_retrieval import SIBLINGS
    doc = Document((tmp_path / "shop.py").as_uri(), "\n".join(SIBLINGS))
    line = len(SIBLINGS) - 1
    snap = prepare(doc, line, len(SIBLINGS[line]), "shop.py", WorkspaceContext().sources(doc, "shop.py", []), "full")
    assert any(s.path == "shop.py" and "cache.store('users', users)" in s.text for s in snap.snippets), snap.snippets
    assert prepare(doc, line, len(SIBLINGS[line]), "shop.py", WorkspaceContext().sources(doc, "shop.py", []), "file").snippets == ()
