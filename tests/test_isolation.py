"""A test run writes nothing into the developer's own data folder (tests/conftest.py)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REAL_DATA_DIR

HERE = Path(__file__).parent


def test_servers_started_by_tests_use_the_runs_own_data_folder_and_home():
    out = subprocess.run(
        [sys.executable, "-I", "-c", "import os; from atelier.lsp_server.logs import data_dir; "
         "print(data_dir()); print(os.path.expanduser('~'))"],
        capture_output=True, text=True, check=True).stdout.split("\n")
    data, home = Path(out[0]), Path(out[1])
    assert not data.is_relative_to(REAL_DATA_DIR) and data == Path(os.environ["ATELIER_DATA_DIR"])
    assert home == Path(os.environ["HOME"]) and "atelier-tests-" in str(home)


def _inner_run(tmp_path: Path, test_body: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_inner.py").write_text(test_body)
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                           "-c", os.devnull, str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True)


def test_a_run_that_writes_into_the_real_data_folder_fails(tmp_path):
    # The "real" folder of the inner run is a scratch one here: XDG_DATA_HOME/atelier.
    real = tmp_path / "xdg"
    body = ("from conftest import REAL_DATA_DIR\n"
            "def test_writes():\n"
            "    REAL_DATA_DIR.mkdir(parents=True, exist_ok=True)\n"
            "    (REAL_DATA_DIR / 'feedback.sqlite3').write_text('x')\n")
    run = _inner_run(tmp_path, body, {"XDG_DATA_HOME": str(real)})
    assert run.returncode == 1, run.stdout
    assert "changed the real data folder" in run.stdout


def test_in_ci_an_unlisted_skip_fails_the_run_and_a_listed_one_does_not(tmp_path):
    body = ("import pytest\n"
            "def test_unlisted():\n    pytest.skip('emacs is not installed')\n"
            "def test_listed():\n    pytest.skip('../shared/benchmarks/humaneval-infilling is absent')\n")
    run = _inner_run(tmp_path, body, {"CI": "true", "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert run.returncode == 1, run.stdout
    assert "unexpected skip" in run.stdout and "test_unlisted" in run.stdout and "test_listed: " not in run.stdout
    run = _inner_run(tmp_path, body, {"CI": "false", "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert run.returncode == 0, run.stdout
