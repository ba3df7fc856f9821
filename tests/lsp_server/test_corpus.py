"""`atelier licenses` and `atelier dataset export`, run as a user runs them."""

import json
import subprocess
import sys

import pytest

from atelier.context.licenses import DEFAULT_DENY
from tests.context.licensed_workspace import GPL_MARKERS, make_mixed_workspace

ATELIER = [sys.executable, "-I", "-m", "atelier.lsp_server"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ATELIER, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["licenses"], ["dataset"], ["dataset", "export"]])
def test_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0 and "usage: atelier" in result.stdout


def test_licenses_reports_files_per_licence_and_the_exclusions(tmp_path):
    root = make_mixed_workspace(tmp_path)
    text = run("licenses", str(root))
    assert text.returncode == 0, text.stderr
    assert "MIT" in text.stdout and "EXCLUDED" in text.stdout
    assert "excluded from context and datasets: 4 files" in text.stdout
    report = json.loads(run("licenses", str(root), "--json").stdout)
    assert report["excluded_files"] == 4 and report["policy"]["deny"] == list(DEFAULT_DENY)
    allowed = json.loads(run("licenses", str(root), "--json", "--allow", "GPL-3.0*").stdout)
    assert allowed["excluded_files"] == 0


def test_dataset_export_writes_jsonl_and_prints_the_funnel(tmp_path):
    root = make_mixed_workspace(tmp_path / "ws")
    out = tmp_path / "out" / "data.jsonl"
    result = run("dataset", "export", str(root), "--out", str(out), "--fim", "qwen")
    assert result.returncode == 0, result.stderr
    assert "kept after filtering              4  57.1% of files" in result.stdout
    assert "kept after deduplication" in result.stdout and "samples kept" in result.stdout
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines and all(("text" in s) != ("messages" in s) for s in lines)
    assert any(s.get("text", "").startswith("<|fim_prefix|>") for s in lines)
    assert not any(m in out.read_text() for m in GPL_MARKERS)
    only = tmp_path / "chat.jsonl"
    assert run("dataset", "export", str(root), "--out", str(only), "--kind", "instruct").returncode == 0
    assert all("messages" in json.loads(line) for line in only.read_text().splitlines())


def test_dataset_export_explains_bad_arguments(tmp_path):
    missing = run("dataset", "export", str(tmp_path / "nope"), "--out", str(tmp_path / "x.jsonl"))
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
    bad = run("dataset", "export", str(tmp_path), "--out", str(tmp_path / "x.jsonl"), "--fim", "gpt")
    assert bad.returncode == 2 and "use one of qwen, starcoder" in bad.stderr
