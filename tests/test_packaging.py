"""What the wheel installs: one package of Atelier's own (`atelier`), no bare `lsp_server`,
`context` or `models` that could clash with other projects in site-packages; the licence
text and metadata; and that it installs, with its dependencies, into a fresh environment."""

import email
import os
import pwd
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from atelier.lsp_server import __version__

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("atelier_lsp-*.whl")
    return built


def test_the_wheel_holds_the_licence_text_and_its_metadata(wheel):
    archive = zipfile.ZipFile(wheel)
    licence = next(n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE"))
    assert archive.read(licence) == (ROOT / "LICENSE").read_bytes()
    assert b"Apache License" in archive.read(licence) and b"Version 2.0, January 2004" in archive.read(licence)
    meta = email.message_from_bytes(archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))))
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Version"] == __version__  # one version: the package's own
    assert wheel.name.startswith(f"atelier_lsp-{__version__}-")
    assert any(c.startswith("Programming Language :: Python :: 3") for c in meta.get_all("Classifier"))


@pytest.mark.slow  # a whole install into a new virtual environment: not for the quick subset
@pytest.mark.timeout(900)
def test_the_wheel_installs_into_a_fresh_environment_with_its_dependencies(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    py = env / "bin" / "python"
    # pip's own cache (the tests' HOME is a sandbox): llama-cpp-python is built once, not per test run.
    cache = os.environ.get("PIP_CACHE_DIR") or str(Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "pip")
    done = subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "PIP_CACHE_DIR": cache})
    assert done.returncode == 0, done.stderr
    check = subprocess.run([str(py), "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    version = subprocess.run([str(env / "bin" / "atelier"), "--version"], capture_output=True, text=True, timeout=120)
    assert version.stdout.strip() == f"atelier {__version__}", version.stdout + version.stderr
    site = subprocess.run([str(py), "-I", "-c", "import atelier.models.config, importlib.metadata as m; "
                           "print(m.distribution('atelier-lsp').locate_file(''))"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert site.returncode == 0, site.stderr
    assert list(Path(site.stdout.strip()).glob(f"atelier_lsp-{__version__}.dist-info/licenses/LICENSE"))


def test_the_wheel_holds_only_the_atelier_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"atelier"}, tops
    for module in ("atelier/lsp_server/server.py", "atelier/lsp_server/features/inline_completion.py",
                   "atelier/context/assembly.py", "atelier/models/config.py", "atelier/context/languages/python.toml"):
        assert module in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "atelier = atelier.lsp_server.cli.main:main" in zipfile.ZipFile(wheel).read(entry).decode()
