"""The `atelier` command line, run as a user runs it."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from tests.lsp_server.lsp_helpers import DATA

ATELIER = [sys.executable, "-I", "-m", "atelier.lsp_server"]


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*ATELIER, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("command", [[], ["serve"], ["complete"], ["doctor"], ["demo"], ["bench"], ["bench", "latency"], ["bench", "context"], ["model"], ["model", "add"]])
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "usage: atelier" in result.stdout


@pytest.mark.slow
def test_complete_prints_a_completion_for_a_real_file(tmp_path):
    # the real file with the end of "        return total" (0-based line 23) not yet typed
    lines = (DATA / "inventory.py").read_text().split("\n")
    lines[23] = "        return "
    source = tmp_path / "inventory.py"
    source.write_text("\n".join(lines))
    result = run("complete", str(source), "23", "15")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_complete_rejects_a_position_outside_the_file():
    result = run("complete", str(DATA / "inventory.py"), "999", "0")
    assert result.returncode == 2
    assert "line 999 does not exist" in result.stderr


def test_complete_reports_a_missing_model():
    result = run("complete", str(DATA / "inventory.py"), "1", "0", "--model", "/nonexistent/m.gguf")
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_doctor_reports_model_grammars_and_data_folder(tmp_path):
    result = subprocess.run(
        [*ATELIER, "doctor", "--json", "--no-load"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "ATELIER_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["model"]["architecture"] == "llama"
    assert report["model"]["fim"] is None  # SmolLM2 has no FIM tokens: prefix-only prompting
    assert report["gpu_offload"] in (True, False)
    assert all(report["grammars"].values())
    assert report["data_dir"] == str(tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_over_tcp_on_loopback(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [*ATELIER, "serve", "--tcp", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "ATELIER_DATA_DIR": str(tmp_path)},
        stderr=subprocess.PIPE,
    )
    try:
        client = LanguageClient("tcp-test", "0")
        for _ in range(100):
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                time.sleep(0.1)
        token = (tmp_path / "tcp-token").read_text().strip()  # written before the port opens
        result = await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), initialization_options={"token": token}))
        assert result.capabilities.inline_completion_provider
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.slow
def test_the_demo_works_from_a_folder_with_its_own_models_and_context_packages(tmp_path):
    # A project of the user's with packages named like Atelier's source folders: they must not
    # shadow Atelier's (installed as atelier.*, servers started with an isolated import path).
    for name in ("models", "context", "lsp_server"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"raise ImportError('the user project\\'s own {name} was imported')\n")
    atelier = os.path.join(os.path.dirname(sys.executable), "atelier")  # the console script, as a user runs it
    result = subprocess.run([atelier, "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "completion:" in result.stdout and "the user project" not in result.stdout + result.stderr
