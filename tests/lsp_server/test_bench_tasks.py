"""`atelier bench make-tasks`: tasks cut from a real installed package (attrs' `attr`, MIT)
and from a small JavaScript package written here, checked against their sources."""

import json
import subprocess
import sys
from pathlib import Path

import attr
import pytest

from atelier.lsp_server.bench.quality import REQUIRED
from atelier.lsp_server.bench.tasks import make_tasks

ATTR = Path(attr.__file__).parent


def check_tasks(out: Path, source: Path) -> list[dict]:
    """Every task is well formed, the workspace holds the whole source file, and text +
    expected gives back the original line of the source."""
    tasks = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines()]
    assert tasks
    for task in tasks:
        assert all(key in task for key in REQUIRED)
        on_disk = out / task["workspace"] / task["file"]
        assert on_disk.read_text() == (source / task["file"]).read_text()  # as a repository holds it
        original = (source / task["file"]).read_text().split("\n")
        line = task["text"].split("\n")[task["line"]]
        assert len(line.encode("utf-16-le")) // 2 == task["character"]  # the cursor ends the line
        assert line + task["expected"] == original[task["line"]]
        assert len(task["text"].split("\n")) == len(original)
        assert task["expected"].strip() and task["cross_file"] == bool(task["symbols"])
    return tasks


def test_tasks_from_a_real_package_restore_its_lines_and_favour_cross_file_names(tmp_path):
    summary = make_tasks([ATTR], tmp_path, {"python"}, max_tasks=8, seed=3)
    tasks = check_tasks(tmp_path, ATTR)
    assert len(tasks) == summary["tasks"] == 8
    assert all(t["language"] == "python" and t["workspace"] == "workspaces/attr" for t in tasks)
    package = summary["packages"][0]
    assert package["license"] == "MIT" and package["license_files"]
    assert (tmp_path / "workspaces" / "attr" / package["license_files"][0]).is_file()
    assert summary["cross_file_share"] >= 0.5
    assert json.loads((tmp_path / "sources.json").read_text())["cross_file_share"] == summary["cross_file_share"]
    copied = {p.name for p in (tmp_path / "workspaces" / "attr").iterdir()}
    assert "_make.py" in copied and not any(name.endswith(".pyi") for name in copied)


def test_the_seed_decides_the_tasks(tmp_path):
    make_tasks([ATTR], tmp_path / "a", {"python"}, max_tasks=5, seed=1)
    make_tasks([ATTR], tmp_path / "b", {"python"}, max_tasks=5, seed=1)
    make_tasks([ATTR], tmp_path / "c", {"python"}, max_tasks=5, seed=2)
    read = lambda name: (tmp_path / name / "tasks.jsonl").read_text()  # noqa: E731
    assert read("a") == read("b") != read("c")


def write_js_package(root: Path) -> Path:
    package = root / "node_modules" / "tiny-shop"
    (package / "lib").mkdir(parents=True)
    (package / "test").mkdir()
    (package / "package.json").write_text(json.dumps({"name": "tiny-shop", "version": "1.0.0", "license": "MIT"}))
    (package / "LICENSE").write_text("MIT License\n")
    (package / "lib" / "money.js").write_text(
        "function formatPrice(value) {\n  return `$${value.toFixed(2)}`;\n}\n\n"
        "function applyDiscount(total, rate) {\n  return total * (1 - rate);\n}\n\n"
        "module.exports = { formatPrice, applyDiscount };\n"
    )
    (package / "lib" / "cart.js").write_text(
        "const money = require('./money');\n\n"
        "class Cart {\n  constructor() {\n    this.items = [];\n  }\n\n"
        "  add(name, price) {\n    this.items.push({ name, price });\n  }\n\n"
        "  label() {\n    const total = this.items.reduce((sum, item) => sum + item.price, 0);\n"
        "    return money.formatPrice(money.applyDiscount(total, 0.1));\n  }\n}\n\n"
        "module.exports = { Cart };\n"
    )
    (package / "test" / "cart.test.js").write_text("const { Cart } = require('../lib/cart');\nconst cart = new Cart();\n")
    return package


def test_javascript_tasks_see_names_defined_in_another_file(tmp_path):
    package = write_js_package(tmp_path)
    summary = make_tasks([package], tmp_path / "out", {"javascript"}, max_tasks=10, seed=0)
    tasks = check_tasks(tmp_path / "out", package)
    assert summary["packages"][0]["name"] == "tiny-shop"
    assert not (tmp_path / "out" / "workspaces" / "tiny-shop" / "test").exists()  # tests are left out
    # cart.js has one line that uses names from money.js: it is the one chosen
    (cart,) = [t for t in tasks if t["file"] == "lib/cart.js"]
    assert cart["line"] == 13 and cart["cross_file"]
    assert set(cart["symbols"]) <= {"formatPrice", "applyDiscount"}


def test_make_tasks_command_line_reports_the_cross_file_share(tmp_path):
    result = subprocess.run(
        [sys.executable, "-I", "-m", "atelier.lsp_server", "bench", "make-tasks", str(ATTR), "--out", str(tmp_path),
         "--language", "python", "--max-tasks", "3"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "cross-file share" in result.stdout and "attr" in result.stdout
    assert len((tmp_path / "tasks.jsonl").read_text().splitlines()) == 3


@pytest.mark.parametrize("command", ["quality", "make-tasks", "humaneval"])
def test_bench_commands_have_help(command):
    result = subprocess.run([sys.executable, "-I", "-m", "atelier.lsp_server", "bench", command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "usage: atelier bench" in result.stdout
