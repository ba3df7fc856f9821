"""Next-edit prediction without a model (context.next_edit), the edit history it reads
(context.edit_history), and the task maker of `atelier bench next-edit`, on small git histories
built here."""

from __future__ import annotations

import json
import subprocess

from atelier.context.edit_history import EditHistory, unified_diff
from atelier.context.next_edit import LastEdit, acceptable, apply_edits, parse, propagate, rank
from atelier.context.next_edit_prompt import CURSOR, REGION_END, REGION_START, build, format_for, region_around, rewritten
from atelier.lsp_server.bench.next_edit import kind_of, make_tasks


def first_edit(language: str, before: str, old: str, new: str, nth: int = 0, every: bool = False) -> str | None:
    """The text after the first suggested edit (`every`: all of them), once `old` (its nth
    occurrence) became `new`."""
    start = -1
    for _ in range(nth + 1):
        start = before.index(old, start + 1)
    text = before[:start] + new + before[start + len(old):]
    last = LastEdit(start, old, new)
    tree = parse(language, text)
    proposal = propagate(text, language, tree, last)
    if proposal is None:
        return None
    edits = acceptable(text, language, rank(text, proposal.edits, last.end), last, tree)
    return apply_edits(text, edits if every else edits[:1]) if edits else None


def test_a_local_rename_stays_in_its_function():
    src = "def f(items):\n    total = 0\n    total += 1\n    return total\n\ntotal = 3\nprint(total)\n"
    assert first_edit("python", src, "total", "acc", every=True) == src.replace("total", "acc", 3)


def test_a_name_already_in_use_is_not_a_rename():
    src = "def f(a, b):\n    x = a\n    return x + a\n"
    assert first_edit("python", src, "a", "b", 1) is None  # `b` was there: a change of use, not a rename


def test_an_argument_added_to_one_call_goes_to_the_others_of_the_same_arity():
    src = "go(1)\ngo(2)\ngo(3, 4)\n"
    assert first_edit("python", src, "go(1)", "go(1, fast=True)") == "go(1, fast=True)\ngo(2, fast=True)\ngo(3, 4)\n"


def test_a_rewritten_line_is_repeated_on_its_siblings_with_their_names():
    src = "class A:\n    def __init__(self, a, b):\n        self.a = a\n        self.b = b\n"
    assert first_edit("python", src, "self.a", "self._a") == src.replace("self.a", "self._a").replace("self.b", "self._b")


def test_values_written_anew_are_not_copied_to_siblings():
    src = "const o = {\n  method: string,\n  kind: string,\n};\n"
    assert first_edit("typescript", src, "string", "'get' | 'put'") is None


def test_an_edit_undoing_the_users_is_filtered():
    text = "x = cost\n"
    last = LastEdit(4, "price", "cost")
    from atelier.context.edits import Edit
    assert acceptable(text, "python", [Edit(4, 8, "price")], last) == []
    assert acceptable(text, "python", [Edit(4, 8, "cost")], last) == []  # a no-op
    assert acceptable(text, "python", [Edit(0, 1, "y = (")], None) == []  # parses worse


def test_keystrokes_fold_into_one_hunk_and_a_change_elsewhere_starts_another():
    h = EditHistory()
    text = "def f(total):\n    return total\n"
    steps = ["def f(tota):\n", "def f(tot):\n", "def f(amount):\n"]
    old = text
    for s in steps:
        new = s + "    return total\n"
        h.changed("u", old, new)
        old = new
    assert [(x.before, x.after) for x in h.hunks("u")] == [("total", "amount")]
    new = old.replace("return total", "return total + 1")
    h.changed("u", old, new)
    assert len(h.hunks("u")) == 2 and h.recent()[-1].after == " + 1"
    assert "-def f(total):" in unified_diff("a.py", h.hunks("u")[0], new)
    h.forget("u")
    assert h.hunks("u") == [] and h.recent() == []


def test_prompt_formats():
    text = "a = 1\nb = 2\nc = 3\n"
    region = region_around(text, 7, "zeta")
    zeta = build("zeta", "x.py", "python", text, region, ["--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 0\n+a = 1"], [])
    assert REGION_START in zeta.prompt and CURSOR in zeta.prompt and REGION_END in zeta.prompt and "### User Edits" in zeta.prompt
    assert format_for("zeta-Q4_K_M") == "zeta" and format_for("sweep-next-edit-1.5b") == "sweep" and format_for("SmolLM2") == "generic"
    sweep = build("sweep", "x.py", "python", text, region_around(text, 7, "sweep"), [], [("y.py", "z = 1")])
    assert "<|file_sep|>current/x.py" in sweep.prompt and sweep.prompt.endswith("<|file_sep|>updated/x.py\n")
    assert rewritten("zeta", "a = 1\nb = 22\nc = 3\n" + REGION_END, "a = 1\nb = 2\nc = 3\n") == "a = 1\nb = 22\nc = 3\n"
    assert rewritten("generic", "Sure! Here is something else entirely.```", "a = 1\nb = 2\nc = 3\n") is None


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(repo), "PATH": "/usr/bin:/bin"})


def test_the_task_maker_cuts_tasks_from_a_git_history(tmp_path):
    repo = tmp_path / "proj"
    repo.mkdir()
    _git(repo, "init", "-q")
    body = "def f(total):\n    x = 1\n" + "".join(f"    y{i} = {i}\n" for i in range(8)) + "    return total\n"
    (repo / "m.py").write_text(body)
    _git(repo, "add", "m.py")
    _git(repo, "commit", "-qm", "one")
    (repo / "m.py").write_text(body.replace("total", "amount"))
    _git(repo, "commit", "-qam", "rename")
    tasks = make_tasks(repo)
    assert len(tasks) == 1
    t = tasks[0]
    assert t["kind"] == "rename" and t["language"] == "python" and t["id"].startswith("proj:")
    assert t["user_edit"]["text"] == "amount" and t["target"]["text"] == "amount"
    assert t["after"] == body.replace("total", "amount")
    assert t["cursor"] == {"line": 0, "character": 12}
    assert set(t) == {"id", "file", "language", "kind", "before", "user_edit", "after_user", "cursor", "target", "after"}
    json.dumps(t)
    assert kind_of(("self.a = a", "self._a = a"), ("self.b = b", "self._b = b")) == "repeat"
    assert kind_of(("x = 1", "x = 2"), ("return y", "return z + 1")) == "other"
