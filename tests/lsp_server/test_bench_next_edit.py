"""`atelier bench next-edit --predictions FILE`: each task's outcome and first suggested edit,
written as the real server answered them, so that the misses can be read one by one."""

from __future__ import annotations

import json

import pytest

from atelier.lsp_server.cli.main import main

BEFORE = "def total(items):\n    subtotal = sum(items)\n    return subtotal\n"


def _task(id: str, kind: str, edit_range: dict, text: str, after: str) -> dict:
    start = sum(len(line) + 1 for line in BEFORE.split("\n")[:edit_range["start"]["line"]]) + edit_range["start"]["character"]
    end = sum(len(line) + 1 for line in BEFORE.split("\n")[:edit_range["end"]["line"]]) + edit_range["end"]["character"]
    return {"id": id, "file": "m.py", "language": "python", "kind": kind, "before": BEFORE,
            "user_edit": {"range": edit_range, "text": text}, "after_user": BEFORE[:start] + text + BEFORE[end:],
            "cursor": edit_range["start"], "target": {}, "after": after}


def test_predictions_hold_each_tasks_outcome_and_suggestion(tmp_path, capsys):
    renamed = _task("t:rename", "rename", {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 12}},
                    "base", BEFORE.replace("subtotal", "base"))
    # A docstring added: nothing follows from it.
    documented = _task("t:other", "other", {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}},
                       '    """Sum."""\n', BEFORE)
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps(renamed) + "\n" + json.dumps(documented) + "\n")
    predictions = tmp_path / "predictions.jsonl"
    with pytest.raises(SystemExit) as exit:
        main(["bench", "next-edit", "--tasks", str(tasks), "--json", "--predictions", str(predictions)])
    assert exit.value.code == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rows = {r["id"]: r for r in map(json.loads, predictions.read_text().splitlines())}
    assert set(rows) == {"t:rename", "t:other"}
    assert rows["t:rename"]["outcome"] == "exact" and report["kind_rename"]["exact"] == 1.0
    assert rows["t:rename"]["suggested"] == {"range": {"start": {"line": 2, "character": 11},
                                                       "end": {"line": 2, "character": 19}}, "text": "base"}
    assert rows["t:other"]["outcome"] == "none" and rows["t:other"]["suggested"] is None
    assert all(r["ms"] >= 0 and r["language"] == "python" for r in rows.values())
