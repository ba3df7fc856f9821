"""Emacs 28 + eglot (a real editor, in batch mode) with editors/emacs/atelier.el against the
real server and default model: `completion-at-point` must insert Atelier's completion.

Emacs comes from Debian (`emacs-nox`, `elpa-eglot`; `make install` adds them when run as root).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EMACS = shutil.which("emacs")
LINE = 24  # 1-based: `        return total` in inventory.py, cut to `        return `


def has_eglot() -> bool:
    if EMACS is None:
        return False
    proc = subprocess.run([EMACS, "--batch", "--eval", "(require 'eglot)"], capture_output=True, timeout=60)
    return proc.returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not has_eglot(), reason="Emacs with eglot not installed (Debian: apt-get install emacs-nox elpa-eglot)"),
]


def test_eglot_completion_at_point_inserts_the_completion(tmp_path):
    lines = (ROOT / "tests/data/inventory.py").read_text().splitlines()
    assert lines[LINE - 1] == "        return total"
    lines[LINE - 1] = "        return "
    source = tmp_path / "inventory.py"
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "result.json"
    env = {
        **os.environ,
        "HOME": str(tmp_path),  # no user init, no ~/.emacs.d writes
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "ATELIER_TEST_OUT": str(out),
        "ATELIER_TEST_FILE": str(source),
        "ATELIER_TEST_LINE": str(LINE),
        "ATELIER_TEST_CMD": json.dumps([sys.executable, "-I", "-m", "atelier.lsp_server", "serve", "--log-level", "info"]),
    }
    env.pop("ATELIER_MODEL", None)
    proc = subprocess.run(
        [EMACS, "--batch", "-L", str(ROOT / "editors/emacs"), "-l", str(Path(__file__).with_name("emacs_driver.el"))],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )
    assert out.exists(), f"the driver wrote no result (rc={proc.returncode}):\n{proc.stderr[-3000:]}"
    result = json.loads(out.read_text())
    assert "error" not in result, f"{result['error']}\n{proc.stderr[-3000:]}"
    assert result["server"] == "atelier"
    after = result["buffer"]
    prefix = "\n".join(lines[:LINE])
    suffix = "\n".join(lines[LINE:]) + "\n"
    assert after.startswith(prefix) and after.endswith("\n" + suffix), f"buffer changed elsewhere:\n{after}"
    inserted = after[len(prefix): len(after) - len(suffix) - 1]
    assert inserted.strip(), f"nothing but whitespace inserted at the cursor: {inserted!r}"
