"""`atelier bench quality`: the scoring, and the harness run through the real server. The
expected text of a task is what the server itself answers (asked first, with the benchmark's
settings), so the harness must count it as an exact match whatever the model; a task whose
expected text is something else must not be."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from atelier.lsp_server.bench.quality import BENCH_SETTINGS, edit_similarity, load_tasks, score, spread, summarise
from atelier.lsp_server.bench.editor_session import EditorSession
from atelier.lsp_server.engine.feedback import STORE_NAME
from tests.lsp_server.lsp_helpers import DATA


def test_edit_similarity_is_one_minus_levenshtein_over_the_longer_length():
    assert edit_similarity("abc", "abc") == 1.0
    assert edit_similarity("", "") == 1.0
    assert edit_similarity("", "abc") == 0.0
    assert edit_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)


def test_score_compares_the_first_line_without_trailing_white_space():
    assert score("total  \n    return x", "total") == (True, 1.0)
    assert score("  total", "total")[0] is False  # leading space is part of the answer
    assert score("", "total") == (False, 0.0)


def test_load_tasks_names_a_missing_field(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps({"id": "x", "workspace": "w"}) + "\n")
    with pytest.raises(ValueError, match="file, text"):
        load_tasks(path)


def test_limit_spreads_over_the_set():
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread(list(range(3)), None) == [0, 1, 2]


def test_summary_has_totals_per_language_and_cross_file_figures():
    tasks = [
        {"language": "python", "expected": "a", "cross_file": True},
        {"language": "javascript", "expected": "b", "cross_file": False},
    ]
    report = summarise(tasks, ["a", "c"], "none")
    assert report["n"] == 2 and report["em"] == 50.0 and report["context"] == "none"
    assert report["per_language"]["python"] == {"n": 1, "em": 100.0, "es": 100.0}
    assert report["cross_file"]["em"] == 100.0 and report["in_file"]["em"] == 0.0


# Cursors in the real files of tests/data, with the rest of their line removed.
CUTS = [("inventory.py", "python", 23, "        return "), ("cart.js", "javascript", 16, "    return ")]


def _task(name: str, language: str, line: int, prefix: str, expected: str) -> dict:
    lines = (DATA / name).read_text().split("\n")
    assert lines[line].startswith(prefix)
    lines[line] = prefix
    return {
        "id": f"{name}:{line}", "workspace": "ws", "file": name, "text": "\n".join(lines),
        "line": line, "character": len(prefix), "expected": expected, "language": language,
    }


@pytest.mark.slow
async def test_bench_quality_counts_the_servers_own_answer_as_an_exact_match(tmp_path):
    workspace = tmp_path / "ws"
    shutil.copytree(DATA, workspace)
    settings = json.loads(json.dumps(BENCH_SETTINGS))
    settings["completion"]["context"] = "none"
    session = EditorSession(workspace, settings)
    await session.start()
    tasks = []
    try:
        await session.wait_ready()
        for name, language, line, prefix in CUTS:
            task = _task(name, language, line, prefix, "")
            uri = session.open(workspace / name, task["text"], language)
            answer = (await session.inline(uri, line, len(prefix)))[0]
            assert answer.strip(), f"the server gave no answer in {name}"
            tasks.append({**task, "expected": answer.split("\n", 1)[0]})
    finally:
        await session.stop()
    wrong = _task("inventory.py", "python", 23, "        return ", "no_such_name_anywhere(42)")
    tasks_file = tmp_path / "tasks.jsonl"
    tasks_file.write_text("".join(json.dumps(t) + "\n" for t in [*tasks, {**wrong, "id": "wrong"}]))

    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-I", "-m", "atelier.lsp_server", "bench", "quality", "--tasks", str(tasks_file), "--context", "none", "--json"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "ATELIER_DATA_DIR": str(data)},
    )
    assert result.returncode == 0, result.stderr
    # Each task is answered as if it came first: no answer is recorded as shown and never accepted.
    assert data.is_dir() and not (data / STORE_NAME).exists()
    report = json.loads(result.stdout)
    assert set(report) >= {"n", "em", "es", "context", "per_language"}
    assert report["n"] == 3 and report["context"] == "none"
    assert report["per_language"]["javascript"] == {"n": 1, "em": 100.0, "es": 100.0}
    assert report["per_language"]["python"]["n"] == 2 and report["per_language"]["python"]["em"] == 50.0
    assert report["em"] == pytest.approx(200 / 3, abs=0.01)
    python_es = report["per_language"]["python"]["es"]
    assert 50.0 <= python_es < 100.0  # one exact answer, one far from `no_such_name_anywhere(42)`
    assert report["es"] == pytest.approx((100.0 + 2 * python_es) / 3, abs=0.01)  # the mean over the tasks

    limited = subprocess.run(
        [sys.executable, "-I", "-m", "atelier.lsp_server", "bench", "quality", "--tasks", str(tasks_file), "--limit", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert limited.returncode == 0, limited.stderr
    assert "context full" in limited.stdout and "all" in limited.stdout and "python" in limited.stdout
