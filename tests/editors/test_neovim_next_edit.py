"""Neovim (headless, a real editor) with the plugin in editors/neovim against the real server:
a rename on one line brings the next edit, shown as virtual text on another line; the
plugin's keys jump there and accept it, away from where the user typed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.editors.test_neovim import NVIM, ROOT

DRIVER = Path(__file__).with_name("nvim_next_edit_driver.lua")
# The two other uses are apart (edits on consecutive lines would come as one block, accepted at once).
TEXT = "def total(items, prices):\n    subtotal = sum(prices)\n    tax = subtotal * 0.2\n    print(tax)\n    return subtotal + tax\n"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not NVIM.is_file(), reason=f"Neovim not found at {NVIM}: run `make install`"),
]


def test_neovim_accepts_a_next_edit_away_from_the_cursor(tmp_path):
    source = tmp_path / "shop.py"
    source.write_text(TEXT)
    out = tmp_path / "result.json"
    env = {
        **os.environ,
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "ATELIER_TEST_OUT": str(out),
        "ATELIER_PLUGIN_DIR": str(ROOT / "editors/neovim"),
        "ATELIER_TEST_CMD": json.dumps([sys.executable, "-I", "-m", "atelier.lsp_server", "serve", "--log-level", "info"]),
    }
    env.pop("ATELIER_MODEL", None)
    proc = subprocess.run([str(NVIM), "--headless", "--clean", "-u", str(DRIVER), str(source)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert out.exists(), f"driver wrote nothing: {proc.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert result.get("error") is None, result
    assert result["first"] == {"line": 2, "text": "base"}  # the next edit is on the line below the cursor
    assert result["cursor_before"][0] == 2 and result["cursor_after_jump"][0] == 3
    assert result["buffer"] == TEXT.replace("subtotal", "base").split("\n")[:-1]
