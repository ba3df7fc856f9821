"""The VS Code extension in editors/vscode builds as CI would: `npm ci`, `tsc`, its unit tests
(plus one that starts the real server and sends it the extension's settings), and a .vsix
packaged with @vscode/vsce. VS Code itself cannot be installed offline, so the extension is
not run inside an editor here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parents[2] / "editors/vscode"
NPM = shutil.which("npm")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NPM is None, reason="npm is not installed (Debian: apt-get install npm)"),
]


def npm(*args: str, env: dict | None = None) -> str:
    proc = subprocess.run(
        [NPM, *args], cwd=EXT, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"npm {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


@pytest.mark.timeout(1200)
def test_extension_compiles_passes_its_tests_and_packages(tmp_path):
    vsix = EXT / "atelier.vsix"
    vsix.unlink(missing_ok=True)
    npm("ci", "--no-audit", "--no-fund")  # exactly package-lock.json
    npm("run", "compile")
    env = {
        **os.environ,
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "ATELIER_SERVER_CMD": json.dumps([sys.executable, "-I", "-m", "atelier.lsp_server", "serve", "--log-level", "warning"]),
    }
    env.pop("ATELIER_MODEL", None)
    out = npm("test", env=env)
    assert "# fail 0" in out and "# skipped 0" in out, out[-3000:]  # the server test ran too
    npm("run", "package")
    assert vsix.is_file(), "vsce wrote no atelier.vsix"
    names = set(zipfile.ZipFile(vsix).namelist())
    for needed in (
        "extension/package.json",
        "extension/out/extension.js",
        "extension/node_modules/vscode-languageclient/package.json",
    ):
        assert needed in names, f"{needed} missing from the .vsix"
    assert not any(n.startswith("extension/src/") or "/out/test/" in n for n in names), "sources or tests packaged"
