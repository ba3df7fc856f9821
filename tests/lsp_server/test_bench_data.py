"""Benches run their servers on a data folder of their own: the user's workspace index and
logs are left as they were (lsp_server/bench/data.py), and no earlier run's index answers."""

from __future__ import annotations

import json
import pytest

from atelier.lsp_server.cli.main import main

BEFORE = "def total(items):\n    subtotal = sum(items)\n    return subtotal\n"
AFTER_USER = BEFORE.replace("subtotal", "base", 1)


def test_bench_next_edit_leaves_the_users_data_folder_alone(tmp_path, monkeypatch, capsys):
    users = tmp_path / "xdg"  # where a user's own data folder would be
    monkeypatch.delenv("ATELIER_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(users))
    task = {"id": "t:1", "file": "m.py", "language": "python", "kind": "rename", "before": BEFORE,
            "user_edit": {"range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 12}},
                          "text": "base"},
            "after_user": AFTER_USER, "cursor": {"line": 1, "character": 8}, "target": {},
            "after": BEFORE.replace("subtotal", "base")}
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps(task) + "\n")
    with pytest.raises(SystemExit) as exit:
        main(["bench", "next-edit", "--tasks", str(tasks), "--json"])
    assert exit.value.code == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["all_exact"] == 1.0  # the bench did run through a server
    written = sorted(p.relative_to(users) for p in users.rglob("*")) if users.exists() else []
    assert written == [], written


SMALL = "\n".join([
    "import math", "", "",
    "def area(shape, size):",
    '    """The area of a square or a circle."""',
    "    if shape == 'square':",
    "        return size * size",
    "    if shape == 'circle':",
    "        return math.pi * size ** 2",
    "    if shape == 'half':",
    "        return size / 2",
    "    if shape == 'none':",
    "        return 0",
    "    if shape == 'one':",
    "        return 1",
    "    raise ValueError(shape)",
    "", "",
    "def double(x):", "    return 2 * x", "",
])


@pytest.mark.slow
def test_bench_latency_and_its_typing_replay_leave_the_users_data_folder_alone(tmp_path, monkeypatch, capsys):
    users = tmp_path / "xdg"
    monkeypatch.delenv("ATELIER_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(users))
    source = tmp_path / "shapes.py"
    source.write_text(SMALL)
    with pytest.raises(SystemExit) as exit:
        main(["bench", "latency", "--file", str(source), "-n", "1", "--replay-file", str(source), "--json"])
    assert exit.value.code == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["replay_requests"] > 0 and report["generations"] > 0  # the replay's server did run
    written = sorted(p.relative_to(users) for p in users.rglob("*")) if users.exists() else []
    assert written == [], written
