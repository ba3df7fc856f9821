"""The local feedback loop without a client: a document change tells acceptance from typing
and from something else; the store counts per language, survives a restart, stays private;
acceptance ranks retrieved snippets; `atelier stats` reports the store."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

from atelier.context.retrieval import acceptance_weight, similar_chunks
from atelier.lsp_server.engine.feedback import STORE_NAME, Feedback, FeedbackStore, classify

OLD = "def area(r):\n    return \n"
AT = OLD.index("return ") + len("return ")


def test_a_change_that_inserts_the_shown_text_accepts_it_a_prefix_is_typing_anything_else_rejects():
    text = "3.14 * r * r"
    assert classify(OLD, OLD[:AT] + text + OLD[AT:], AT, text) == ("accepted", len(text))
    assert classify(OLD, OLD[:AT] + "3.1" + OLD[AT:], AT, text) == ("typing", 3)
    assert classify(OLD, OLD[:AT] + "r ** 2" + OLD[AT:], AT, text) == ("rejected", 0)
    assert classify(OLD, OLD[:AT - 1] + OLD[AT:], AT, text) == ("rejected", 0)  # a deletion
    assert classify(OLD, "# new\n" + OLD, AT, text) == ("rejected", 0)  # an edit elsewhere


def session(tmp_path, root="/ws"):
    fb = Feedback(tmp_path)
    uri = "file:///ws/geo.py"
    return fb, uri, root


def test_accept_command_typing_through_and_rejections_are_counted_per_language(tmp_path):
    fb, uri, root = session(tmp_path)
    fb.prompted(uri, AT, ["shapes.py"])
    first = fb.shown(uri, AT, "3.14 * r * r", "python", root, "geo.py")
    # The user types the first characters: still the same suggestion, not a new one.
    after = OLD[:AT] + "3.1" + OLD[AT:]
    fb.changed(uri, OLD, after)
    assert fb.shown(uri, AT + 3, "4 * r * r", "python", root, "geo.py") == first
    fb.accepted(first)
    # Shown, then the user types something else.
    second = fb.shown("file:///ws/app.js", 10, "return 1;", "javascript", root, "app.js")
    fb.changed("file:///ws/app.js", "x" * 20, "x" * 10 + "let" + "x" * 10)
    # Shown, then a completion is asked for elsewhere.
    third = fb.shown(uri, AT, "r * r", "python", root, "geo.py")
    fb.asked(uri, 0)
    store = FeedbackStore(tmp_path / STORE_NAME)
    assert [store.state(i) for i in (first, second, third)] == ["accepted", "rejected", "rejected"]
    rows = {r.language: r for r in store.by_language()}
    assert (rows["python"].shown, rows["python"].accepted, rows["python"].rejected) == (2, 1, 1)
    assert rows["python"].acceptance_rate == 0.5
    assert (rows["javascript"].shown, rows["javascript"].accepted) == (1, 0)
    assert stat.S_IMODE(os.stat(tmp_path / STORE_NAME).st_mode) == 0o600


def test_the_accept_command_outranks_a_rejection_guessed_from_the_document(tmp_path):
    fb, uri, root = session(tmp_path)
    shown = fb.shown(uri, AT, "3.14 * r * r", "python", root, "geo.py")
    # The client inserted it re-indented: the document says "something else" …
    fb.changed(uri, OLD, OLD[:AT] + "3.14 * r * r  " + OLD[AT:])
    fb.accepted(shown)  # … but the user did accept it
    assert FeedbackStore(tmp_path / STORE_NAME).state(shown) == "accepted"


def test_with_feedback_disabled_nothing_is_recorded(tmp_path):
    fb, uri, root = session(tmp_path)
    fb.enabled = False
    assert fb.shown(uri, AT, "3.14", "python", root, "geo.py") is None
    assert not (tmp_path / STORE_NAME).exists()
    assert fb.acceptance(root) == {}


def test_acceptance_per_snippet_file_ranks_similar_chunks(tmp_path):
    fb, uri, root = session(tmp_path)
    for i in range(4):  # completions made with snippets from good.py were taken, bad.py's not
        fb.prompted(uri, i, ["good.py"] if i % 2 == 0 else ["bad.py"])
        shown = fb.shown(uri, i, f"x{i}", "python", root, "geo.py")
        if i % 2 == 0:
            fb.accepted(shown)
        else:
            fb.asked(uri, 99)
    stats = fb.acceptance(root)
    assert stats == {"good.py": (2, 2), "bad.py": (2, 0)}
    assert fb.acceptance("/elsewhere") == {}
    assert acceptance_weight("good.py", stats) > acceptance_weight("new.py", stats) == 1.0 > acceptance_weight("bad.py", stats)
    query = "total = price * quantity\ndiscount = apply_discount(total, rate)\n"
    chunk = "def apply_discount(total, rate):\n    price = total * rate\n    return price - quantity\n"
    candidates = [("bad.py", chunk), ("good.py", chunk)]
    assert [s.path for s in similar_chunks(query, candidates, "geo.py", k=1)] == ["bad.py"]  # no history: first found
    assert [s.path for s in similar_chunks(query, candidates, "geo.py", k=1, acceptance=stats)] == ["good.py"]


def test_atelier_stats_reports_the_store(tmp_path):
    fb, uri, root = session(tmp_path)
    fb.accepted(fb.shown(uri, AT, "3.14", "python", root, "geo.py"))
    fb.shown(uri, 1, "pass", "python", root, "geo.py")
    env = {**os.environ, "ATELIER_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-I", "-m", "atelier.lsp_server", "stats", "--json"], env=env, capture_output=True,
                         text=True, check=True).stdout
    report = json.loads(out)
    assert report["languages"] == [{"language": "python", "shown": 2, "accepted": 1, "rejected": 0,
                                    "acceptance_rate": 0.5}]
    table = subprocess.run([sys.executable, "-I", "-m", "atelier.lsp_server", "stats"], env=env, capture_output=True,
                           text=True, check=True).stdout
    assert "python" in table and "50.0%" in table
