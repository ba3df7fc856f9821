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
