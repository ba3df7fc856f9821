"""Emacs 28 + lsp-mode (a real editor, in batch mode) with editors/emacs/atelier-lsp.el: Atelier
runs as an add-on server beside a main one and its ghost text is shown, dismissed and accepted.

Both servers are the real Atelier server with a scripted backend (tests/lsp_server/scripted_server.py),
no model; the one standing in for the language's server offers no inline completion, as pyright.
lsp-mode comes from Debian (`elpa-lsp-mode`, 8.0; `make install-test` adds it when run as root):
8.0 has no `lsp-inline-completion`, so atelier-lsp.el's own ghost text runs; with a newer lsp-mode
first on EMACSLOADPATH, lsp-mode's `lsp-inline-completion-mode` does. emacs_lsp_driver.el plays
the user.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.lsp_server.lsp_helpers import scripted_config

ROOT = Path(__file__).resolve().parents[2]
EMACS = shutil.which("emacs")
LINE = 24  # 1-based: `        return total` in inventory.py, cut to `        retur`
ANSWER = "total"  # what the scripted Atelier answers after `        return `
MAIN_ANSWER = "answer_of_the_main_server"  # the stand-in for pyright answers this, if asked


def lsp_mode() -> tuple[str | None, bool]:
    """The version of the lsp-mode Emacs loads, and whether it has lsp-inline-completion
    (lsp-mode after 9.0.0: MELPA since December 2024)."""
    if EMACS is None:
        return None, False
    proc = subprocess.run([EMACS, "--batch", "--eval", "(progn (require 'lisp-mnt) (require 'lsp-mode) (princ (format \"%s %s\" "
                           "(lm-version (locate-library \"lsp-mode.el\")) (and (require 'lsp-inline-completion nil t) t))))"],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        return None, False
    version, inline = proc.stdout.split()
    return version, inline == "t"


VERSION, HAS_INLINE = lsp_mode()
pytestmark = pytest.mark.skipif(
    VERSION is None, reason="Emacs with lsp-mode not installed (Debian: apt-get install emacs-nox elpa-lsp-mode)")


def emacs(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    # EMACSLOADPATH, if set, passes through: a newer lsp-mode can be tried without installing it.
    return subprocess.run([EMACS, "--batch", *args], cwd=tmp_path, env={**(env or os.environ), "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=180)


def test_atelier_lsp_byte_compiles_without_warnings(tmp_path):
    copy = tmp_path / "atelier-lsp.el"
    shutil.copy(ROOT / "editors/emacs/atelier-lsp.el", copy)
    proc = emacs(["-L", str(tmp_path), "--eval",
                  f'(progn (setq byte-compile-error-on-warn t) (unless (byte-compile-file "{copy}") (kill-emacs 1)))',
                  "--eval", "(require 'atelier-lsp)",
                  "--eval", "(unless (gethash 'atelier lsp-clients) (kill-emacs 2))",
                  "--eval", "(unless (lsp--client-add-on? (gethash 'atelier lsp-clients)) (kill-emacs 3))"],
                 tmp_path)
    assert proc.returncode == 0, f"lsp-mode {VERSION}, rc={proc.returncode}:\n{proc.stderr[-3000:]}"
    assert (tmp_path / "atelier-lsp.elc").exists()


def script(tmp_path: Path, name: str, answer: str) -> Path:
    """A script that answers `answer` to every prompt from inventory.py."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"def total_value": [answer]}))
    return path


@pytest.mark.slow  # a real editor session, as every one in tests/editors (about 10 s)
def test_lsp_mode_add_on_shows_and_accepts_the_ghost_text(tmp_path):
    lines = (ROOT / "tests/data/inventory.py").read_text().splitlines()
    assert lines[LINE - 1] == "        return total"
    cut = lines.copy()
    cut[LINE - 1] = "        retur"
    source = tmp_path / "inventory.py"
    source.write_text("\n".join(cut) + "\n")
    out = tmp_path / "result.json"
    atelier = scripted_config(script(tmp_path, "atelier", ANSWER))
    main = scripted_config(script(tmp_path, "main", MAIN_ANSWER))
    env = {
        **atelier.server_env,
        "ATELIER_TEST_OUT": str(out),
        "ATELIER_TEST_FILE": str(source),
        "ATELIER_TEST_LINE": str(LINE),
        "ATELIER_TEST_TYPE": "n SPC",
        "ATELIER_TEST_CMD": json.dumps(atelier.server_command),
        "ATELIER_TEST_MAIN_CMD": json.dumps(main.server_command),
    }
    proc = emacs(["-L", str(ROOT / "editors/emacs"), "-l", str(Path(__file__).with_name("emacs_lsp_driver.el"))],
                 tmp_path, env)
    assert out.exists(), f"the driver wrote no result (rc={proc.returncode}):\n{proc.stderr[-3000:]}"
    result = json.loads(out.read_text())
    assert "error" not in result, f"{result['error']}\n{result.get('log', '')[-4000:]}\n{proc.stderr[-3000:]}"
    # Both servers serve the buffer: Atelier is an add-on beside the main one.
    assert sorted(result["servers"]) == ["atelier", "test-main"]
    # lsp-mode 8: atelier-lsp-inline-mode (TAB accepts); newer: lsp-inline-completion-mode (C-<return>).
    assert result["ui"] == ("lsp-mode" if HAS_INLINE else "atelier"), f"lsp-mode {VERSION}"
    # TAB with no ghost text shown is the key's own (python-mode's binding here).
    assert result["tabs_without_ghost"] == 1
    # The ghost text is Atelier's answer (not the main server's), shown after typing and when asked.
    assert result["ghost_typed"] == ANSWER
    assert result["ghost_after_move"] is None, "another command must dismiss the ghost text"
    assert result["ghost_back"] is None, "moving back edits nothing and must not ask again"
    assert result["ghost_asked"] == ANSWER
    # The key accepted it: the buffer is the original file, the cursor after the completion.
    assert result["ghost_after_accept"] is None
    assert result["tabs_total"] == 1, "TAB with ghost text shown went to python-mode, not to accept"
    assert result["line"] == "        return total"
    assert result["buffer"] == "\n".join(lines) + "\n"
    # Only Atelier was asked for ghost text, and accepting it ran the item's command there.
    assert "textDocument/inlineCompletion" in result["atelier_io"]
    assert "textDocument/inlineCompletion" not in result["main_io"], "the main server was asked for ghost text"
    assert '"command": "atelier.accepted"' in result["atelier_io"].split("Sending request 'workspace/executeCommand")[-1]
