"""Next-edit prediction without a model (context.next_edit), the edit history it reads
(context.edit_history), and the task maker of `atelier bench next-edit`, on small git histories
built here."""

from __future__ import annotations

import json
import subprocess

from atelier.context.edit_history import EditHistory, unified_diff
from atelier.context.next_edit import LastEdit, acceptable, apply_edits, parse, rank
from atelier.context.next_edit_prompt import CURSOR, REGION_END, REGION_START, build, format_for, region_around, rewritten
from atelier.lsp_server.bench.next_edit import kind_of, make_tasks
from tests.context.next_edit_helpers import first_edit


def test_a_local_rename_stays_in_its_function():
    src = "def f(items):\n    total = 0\n    total += 1\n    return total\n\ntotal = 3\nprint(total)\n"
    assert first_edit("python", src, "total", "acc", every=True) == src.replace("total", "acc", 3)


def test_a_name_replaced_by_one_in_use_takes_its_few_other_uses_when_no_other_rule_answers():
    src = "def f(a, b):\n    x = a\n    return x + a\n"
    assert first_edit("python", src, "a", "b", 1) == "def f(a, b):\n    x = b\n    return x + b\n"
    many = "def f(a, b):\n    x = a\n" + "    x += a\n" * 5 + "    return x\n"
    assert first_edit("python", many, "a", "b", 1) is None  # one use switched among many: not a rename
    src = "from decimal import Decimal\n\n\ndef total(a, b):\n    x = Decimal(a)\n    y = float(a)\n    return x + b\n\n\n" \
          "def mean(c):\n    return float(c)\n"
    assert first_edit("python", src, "y = float(a)", "y = Decimal(a)") is None  # not every `float` of the file


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


def test_an_identical_line_far_away_gets_the_same_rewrite_and_a_block_repeats_on_its_twin():
    src = "def a():\n    raise exc_type, exc_value, tb\n" + "\n" * 60 + "def b():\n    raise exc_type, exc_value, tb\n"
    assert first_edit("python", src, "raise exc_type, exc_value, tb", "reraise(exc_type, exc_value, tb)") == \
        src.replace("raise exc_type, exc_value, tb", "reraise(exc_type, exc_value, tb)")
    block = ("    if isinstance(username, bytes):\n        username = username.decode('latin1')\n"
             "    if isinstance(password, bytes):\n        password = password.decode('latin1')\n")
    src = "def f(username, password):\n" + block
    old = "bytes):\n        username = username.decode"
    assert first_edit("python", src, old, "str):\n        username = username.encode") == \
        src.replace("bytes", "str").replace("decode", "encode")


def test_a_sibling_keeps_its_own_literal_kind_and_its_own_names():
    src = "def t(r):\n    assert r.text == 'roflol'\n    assert r.status_code == 200\n    assert r.text == ''\n"
    assert first_edit("python", src, "'roflol'", "u'roflol'", every=True) == src.replace("'roflol'", "u'roflol'").replace("== ''", "== u''")
    src = "def f():\n    bp = request.blueprint\n    ctx = _request_ctx_stack.top\n"
    assert first_edit("python", src, "request.blueprint", "_request_ctx_stack.top.request.blueprint") is None


def test_what_is_one_place_own_stays_there():
    # A name added to one import, an annotation, a number: not repeated on the lines alike.
    src = "from .a import x, y\nfrom .b import z, w\n"
    assert first_edit("python", src, "x, y", "x, y, v") is None
    src = "class A:\n    def f(self):\n        self.default = ()\n    def g(self):\n        self.default = ()\n"
    assert first_edit("python", src, "self.default = ()", "self.default: tuple = ()") is None
    src = "def f():\n    assert.expect(1)\n    assert.expect(2)\n"
    assert first_edit("javascript", src, "expect(1)", "expect(3)") is None
    # A parameter added to one function expression: its neighbours have their own.
    src = "A.prototype.confirm = function(str, fn){\n};\nA.prototype.prompt = function(str, fn){\n};\n"
    assert first_edit("javascript", src, "(str, fn){\n};\nA", "(str, fn, verbose){\n};\nA") is None


def test_a_switch_to_a_name_in_use_follows_in_the_same_slot_of_the_same_function():
    src = ("from .compat import json as complexjson\n\ndef load(self, json=None):\n"
           "    if self.encoding:\n        return json.loads(self.content)\n    return json.loads(self.text)\n")
    assert first_edit("python", src, "json.loads(self.content)", "complexjson.loads(self.content)") == \
        src.replace("json.loads", "complexjson.loads")


def test_a_rename_leaves_other_definitions_of_the_name_and_other_objects_attributes():
    src = "def test_join(a):\n    pass\n\nfirst = test_join\n\ndef test_join(b):\n    pass\n"
    assert first_edit("python", src, "test_join", "test_join_int", every=True) == src.replace("test_join", "test_join_int", 2)
    src = "function C(name) {\n  this.name = name;\n  this.args = [{ name: 1 }];\n  go(this.name, other.name);\n}\n"
    assert first_edit("javascript", src, "this.name", "this._name", every=True) == \
        src.replace("this.name", "this._name")


def test_a_part_of_a_line_rewritten_is_rewritten_where_the_same_part_stands_in_other_lines():
    src = ("function uniq(array) {\n  for (var i = 0; i < n; i++) {\n    if (_.indexOf(seen, computed) < 0) {\n"
           "      seen.push(computed);\n    } else if (_.indexOf(result, value) < 0) {\n      result.push(value);\n    }\n  }\n}\n")
    assert first_edit("javascript", src, "_.indexOf(seen, computed) < 0", "!_.contains(seen, computed)", every=True) == \
        src.replace("_.indexOf(seen, computed) < 0", "!_.contains(seen, computed)").replace(
            "_.indexOf(result, value) < 0", "!_.contains(result, value)")


def test_a_member_read_inserted_after_a_name_is_inserted_where_the_name_stands_the_same_way():
    src = ("export const DRAFTABLE =\n    typeof Symbol !== \"undefined\"\n        ? Symbol(\"immer-draftable\")\n"
           "        : \"__$immer_draftable\"\nexport const DRAFT_STATE =\n"
           "    typeof Symbol !== \"undefined\" ? Symbol(\"immer-state\") : \"__$immer_state\"\n")
    assert first_edit("javascript", src, 'Symbol("immer-draftable")', 'Symbol.for("immer-draftable")', every=True) == \
        src.replace("Symbol(", "Symbol.for(")
    assert first_edit("javascript", 'const a = Symbol("a")\nconst b = Other("b")\n', 'Symbol("a")', 'Symbol.for("a")') is None


def test_comments_a_spelling_fix_and_sentence_case():
    src = "x = 1  # explicitely set\n\n\ny = 2  # set explicitely here\nexplicitely = 3\n"
    assert first_edit("python", src, "explicitely set", "explicitly set") == \
        src.replace("explicitely set", "explicitly set").replace("# set explicitely", "# set explicitly")
    src = '"""Return the value."""\n\n\ndef f():\n    """Return it."""\n'
    assert first_edit("python", src, "Return the", "Returns the") is None  # another form of a word, not a typo
    src = "# the first comment.\nx = 1\n# it goes on\n# and on.\n# a new one\n"
    assert first_edit("python", src, "# the", "# The", every=True) == \
        "# The first comment.\nx = 1\n# It goes on\n# and on.\n# A new one\n"


def test_parameters_changed_in_a_definition_reach_its_calls():
    src = "def fetch(url, retries):\n    pass\n\ndef main(url, retries, timeout):\n    fetch(url, retries)\n\nfetch('x', 3)\n"
    assert first_edit("python", src, "retries):", "retries, timeout):", every=True) == \
        src.replace("retries):", "retries, timeout):", 1).replace("fetch(url, retries)", "fetch(url, retries, timeout)")
    assert first_edit("python", src, "retries):", "retries, timeout=5):") is None  # a default: nothing to pass
    assert first_edit("python", src, "retries):", "):") is None  # a name deleted to be typed anew: `fetch(url, )`
    src = "def f(a, b):\n    pass\n\nf(1, 2)\nf(a=1, b=2)\n"
    assert first_edit("python", src, "a, b)", "b, a)", every=True) == src.replace("a, b)", "b, a)", 1).replace("f(1, 2)", "f(2, 1)")
    src = "class A:\n    def m(self, x, y):\n        pass\n\n    def n(self):\n        self.m(1, 2)\n"
    assert first_edit("python", src, "x, y):", "x):", every=True) == src.replace("x, y):", "x):").replace("m(1, 2)", "m(1)")


def test_edits_on_consecutive_lines_rank_as_one_and_split_back_line_by_line():
    from atelier.context.edits import Edit
    from atelier.context.next_edit import line_pieces
    text = "a = 1\nb = 1\nc = 1\n\nd = 1\n"
    ranked = rank(text, [Edit(6, 7, "B"), Edit(12, 13, "C"), Edit(19, 20, "D")], 0)
    assert [(e.start, e.end, e.new_text) for e in ranked] == [(6, 13, "B = 1\nC"), (19, 20, "D")]
    assert [(e.start, e.end, e.new_text) for e in line_pieces(text, ranked[0])] == [(6, 7, "B"), (12, 13, "C")]


def test_the_incremental_reparse_reads_as_a_fresh_parse_and_offsets_survive_non_ascii():
    from atelier.context.edits import Edit
    from atelier.context.next_edit import _Bytes, reparse
    text = "s = 'é€𝄞'\ndef f(x):\n    return x\n"
    edits = [Edit(text.index("x)"), text.index("x)") + 1, "y"), Edit(text.rindex("x"), text.rindex("x") + 1, "y")]
    tree = parse("python", text)
    assert str(reparse("python", text, tree, edits).root_node) == str(parse("python", apply_edits(text, edits)).root_node)
    nb = _Bytes(text)
    assert all(nb.index(nb.byte(i)) == i for i in range(len(text) + 1))


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


def test_a_part_of_a_line_rewritten_carries_the_siblings_own_names():
    # The names the rewrite writes again (`memo`, `key`) are the place's own: `queues` there.
    src = ("function has(memo, queues, key) {\n  if (key in memo) {\n    return 1;\n"
           "  } else if (key in queues) {\n    return 2;\n  }\n}\n")
    assert first_edit("javascript", src, "key in memo", "memo.hasOwnProperty(key)") == \
        src.replace("key in memo", "memo.hasOwnProperty(key)").replace("key in queues", "queues.hasOwnProperty(key)")


def test_a_part_of_a_line_rewritten_is_found_far_away_by_its_distinctive_token():
    filler = "".join(f"WIDTH_{i} = {i}\n" for i in range(60))
    src = f"def first(xs):\n    return sorted(xs, key=str.lower)\n\n\n{filler}\n\ndef last(ys):\n    return max(ys, key=str.lower)\n"
    assert first_edit("python", src, "sorted(xs, key=str.lower)", "sorted(xs)") == \
        src.replace("sorted(xs, key=str.lower)", "sorted(xs)").replace("max(ys, key=str.lower)", "max(ys)")


def test_a_part_of_a_line_is_not_repeated_where_only_punctuation_would_recognise_it():
    # `a.b` → `b(a)`: every name carried over, only a dot left to find the place by.
    src = "x = cfg.size\ny = opts.width\n"
    assert first_edit("python", src, "cfg.size", "size(cfg)") is None


def test_a_note_added_at_a_lines_end_is_not_repeated_on_its_siblings():
    src = "deps = [\n    'alpha >= 1.0',\n    'beta >= 2.0',\n    'gamma >= 3.0',\n]\n"
    assert first_edit("python", src, "'alpha >= 1.0',", "'alpha >= 1.0',  # pinned for the docs") is None


def test_the_same_call_written_the_same_way_gets_the_users_own_text_line_breaks_and_all():
    src = "def f(a, b):\n    same(a, b)\n    same(a, b)\n    same(b, a)\n"
    new = "same(\n        a, b.lower(),\n    )"
    assert first_edit("python", src, "same(a, b)", new) == src.replace("same(a, b)", new)


def test_a_branch_of_an_else_if_chain_is_a_sibling_of_the_first():
    src = "function kind(x) {\n  if (isA(x)) {\n    return 1;\n  } else if (isB(x)) {\n    return 2;\n  }\n}\n"
    assert first_edit("javascript", src, "isA(x)", "isA(x.value)") == \
        src.replace("isA(x)", "isA(x.value)").replace("isB(x)", "isB(x.value)")


def test_a_line_rewritten_with_a_new_variable_is_not_repeated_in_another_function():
    src = ("def read(self, data):\n    self.size += len(data)\n    self.count += 1\n\n\n"
           "def feed(self, data):\n    self.size += len(data)\n")
    assert first_edit("python", src, "self.size += len(data)", "n = len(data)\n    self.size += n") is None


def test_an_argument_dropped_from_one_call_is_not_dropped_from_another_functions_calls():
    src = ("def run(self, request, d):\n    d.add_both(self.handle_output, request, self.spider)\n"
           "    self.schedule(request, self.spider)\n")
    assert first_edit("python", src, "request, self.spider)\n    self.sch", "request)\n    self.sch") is None


def test_a_list_of_numbers_rewritten_is_a_value_not_an_edit_to_repeat():
    src = "const sizes = [10, 20, 30, 40, 50];\nlet more = [10, 20, 30, 40, 50];\n"
    assert first_edit("javascript", src, "30, 40, 50]", "30, 30, 40, 50, 60]") is None


def test_a_string_switched_to_another_already_in_use_is_not_repeated():
    # Like a name already in use: one place chose the other value, the rest keep theirs.
    src = "DEFAULT = 'text/plain'\nfirst = pick('application/json', 1)\nif kind == 'application/json':\n    pass\n"
    assert first_edit("python", src, "'application/json', 1", "'text/plain', 1") is None



def test_a_rewrite_is_not_repeated_only_on_lines_above_it_that_the_user_passed_over():
    src = 'a = opts["a"]\nb = opts["b"]\nc = opts["c"]\n'
    assert first_edit("python", src, 'opts["c"]', 'opts.get("c")') is None  # the lines above were left as they are
    assert first_edit("python", src, 'opts["b"]', 'opts.get("b")') == src.replace('opts["b"]', 'opts.get("b")') \
        .replace('opts["c"]', 'opts.get("c")')


def test_a_slice_of_the_text_before_the_edit_reads_the_same_as_the_whole_old_text_would():
    text = "alpha = compute(x)\nbeta = 2\n"
    last = LastEdit(text.index("compute"), "old_fn", "compute")  # `old_fn` was there, `compute` is now
    old = last.old_text(text)
    for a in range(len(old) + 1):
        for b in range(a, len(old) + 1):
            assert last.old_slice(text, a, b) == old[a:b]
