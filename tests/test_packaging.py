"""What the wheel installs: one package of Atelier's own (`atelier`), no bare `lsp_server`,
`context` or `models` that could clash with other projects in site-packages."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_only_the_atelier_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("atelier_lsp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"atelier"}, tops
    for module in ("atelier/lsp_server/server.py", "atelier/lsp_server/features/inline_completion.py",
                   "atelier/context/assembly.py", "atelier/models/config.py", "atelier/context/languages/python.toml"):
        assert module in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "atelier = atelier.lsp_server.cli.main:main" in zipfile.ZipFile(wheel).read(entry).decode()
