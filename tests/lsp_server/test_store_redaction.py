"""Every store in the data folder gets text with credentials redacted: the generate-to-pass
dataset (prompts, candidates, test output), answers written for the editor, the log; the
feedback store keeps no text at all."""

from __future__ import annotations

import json
import logging
import sqlite3

from atelier.context.secrets import REDACTED
from atelier.context.stubs import find_stub
from atelier.lsp_server import logs
from atelier.lsp_server.engine.feedback import STORE_NAME, Feedback
from atelier.lsp_server.engine.generate_to_pass import DATASET, Attempt, PassRequest, record

TOKEN = "ghp_" + "Zq81LmWv3RtY6pNc0XsDfGhJkLmNoPqRsTuV"
PASSWORD = "correcthorsebatterystaple"
CALC = f'API_TOKEN = "{TOKEN}"\n\n\ndef add(a, b):\n    ...\n'
TESTS = f"from calc import add\n\nDB_PASS = \"{PASSWORD}\"\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def test_record_writes_the_attempt_with_credentials_redacted(tmp_path):
    stub = find_stub(CALC, CALC.index("def add") + 4, CALC.index("def add") + 4)
    req = PassRequest(CALC, stub, "calc.py", str(tmp_path), "tests/test_calc.py", TESTS, 1)
    attempt = Attempt(f'    password = "{PASSWORD}"\n    return a + b  # {TOKEN}', False,
                      f"E   assert 4 == 5\ntoken    = '{TOKEN}'\nDB_PASS = '{PASSWORD}'", 0.5)
    record(tmp_path, req, attempt, 0, "run1", "model")
    raw = (tmp_path / DATASET).read_text()
    assert TOKEN not in raw and PASSWORD not in raw
    line = json.loads(raw)
    assert REDACTED in line["prompt"] and REDACTED in line["candidate"] and REDACTED in line["output_tail"]
    assert "def add(a, b):" in line["prompt"] and "return a + b" in line["candidate"]
    assert line["function"] == "add" and line["passed"] is False


def test_answers_are_written_with_credentials_redacted(tmp_path, monkeypatch):
    monkeypatch.setenv(logs.ENV_DATA_DIR, str(tmp_path))
    from atelier.lsp_server.delivery import _write_private

    path = _write_private("config-explain", f"# Explain\n\n```python\nAPI_TOKEN = \"{TOKEN}\"\n```\nIt holds a token.\n")
    text = path.read_text()
    assert TOKEN not in text and f"API_TOKEN = {REDACTED}" in text and "It holds a token." in text


def test_the_feedback_store_keeps_no_completion_text(tmp_path):
    fb = Feedback(tmp_path)
    uri = "file:///ws/config.py"
    fb.prompted(uri, 10, ["settings.py"])
    assert fb.shown(uri, 10, f'"{TOKEN}"', "python", "/ws", "config.py")
    fb.store.close()
    raw = (tmp_path / STORE_NAME).read_bytes()
    for wal in tmp_path.glob(STORE_NAME + "-*"):
        raw += wal.read_bytes()
    assert TOKEN.encode() not in raw
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        assert db.execute("SELECT chars, path FROM completions").fetchall() == [(len(TOKEN) + 2, "config.py")]


def test_the_log_file_gets_credentials_redacted(tmp_path, monkeypatch):
    monkeypatch.setenv(logs.ENV_DATA_DIR, str(tmp_path))
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("pygls").level
    try:
        log_file = logs.setup_logging("debug", to_file=True)
        logging.getLogger("atelier.test").debug("generated %r (stop, 12 tokens)", f'password = "{PASSWORD}"\n{TOKEN}')
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers:
            if handler not in saved[0]:
                handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("pygls").setLevel(saved[2])
    text = log_file.read_text()
    assert "generated" in text and "12 tokens" in text
    assert TOKEN not in text and PASSWORD not in text
