from atelier.context.imports import Import
from atelier.context.index import WorkspaceIndex
from atelier.context.retrieval import OWN_SPAN_LINES, HeldSnippets, RecentChunks, Snippet, acceptance_weight, fit, identifiers, related_definitions, render, similar_chunks, stable_order
from atelier.context.tags import Tag


def test_identifiers_most_recent_first_without_keywords():
    assert identifiers("def total(items):\n    return sum_prices(items)") == ["items", "sum_prices", "total"]


def workspace(tmp_path):
    (tmp_path / "money.py").write_text('def fmt_price(cents):\n    """Format cents as dollars."""\n    return f"${cents / 100:.2f}"\n')
    (tmp_path / "other.py").write_text("def unrelated(): ...\n")
    index = WorkspaceIndex(tmp_path)
    index.build()
    return index


def test_definitions_of_names_used_near_the_cursor_come_from_the_index(tmp_path):
    index = workspace(tmp_path)
    found = related_definitions("label = fmt_price(item.cents)", "shop.py", [], range(0, 10), [], index)
    assert [s.path for s in found] == ["money.py"]
    assert "Format cents as dollars" in found[0].text


def test_imported_names_come_first_and_own_visible_definitions_are_skipped(tmp_path):
    index = workspace(tmp_path)
    own = [Tag("local_helper", "function", 3, "def local_helper(): ..."), Tag("far", "function", 500, "def far(): ...")]
    found = related_definitions("x = far(local_helper(fmt_price(1)))", "shop.py", own, range(0, 60),
                                [Import("money.py", ("fmt_price",))], index)
    assert [(s.path, s.text.split("(")[0]) for s in found] == [("money.py", "def fmt_price"), ("shop.py", "def far")]


def test_similar_chunks_from_other_files_with_what_followed():
    query = "for order in orders:\n    total += order.price * order.quantity"
    after = "\n".join(f"line_{i} = {i}" for i in range(30))
    candidates = [
        ("cart.py", "for item in cart.items:\n    total += item.price * item.quantity\nreturn total"),
        ("shop.py", query),  # the file being written
        ("copy.py", query + "\nreturn round(total, 2)\n" + after),  # the same code elsewhere: what came next
        ("far.py", "print('hello world')"),
    ]
    found = similar_chunks(query, candidates, "shop.py")
    assert sorted(s.path for s in found) == ["cart.py", "copy.py"]
    copy = next(s for s in found if s.path == "copy.py")
    assert "return round(total, 2)" in copy.text
    assert "line_20 = 20" in copy.text and "line_21" not in copy.text  # 16 lines and 8 more


def test_similar_chunks_ignore_licence_headers_and_comments():
    licence = "# Copyright (c) Example Corp. Licensed under the Apache License, Version 2.0\n" * 4
    query = licence + "def shipping_cost(order):\n    weight = order.total_weight()"
    candidates = [
        ("other.py", licence + "import os\n"),  # alike only in its header
        ("cart.py", "def handling_cost(order):\n    weight = order.total_weight()\n    return weight * 2"),
    ]
    assert [s.path for s in similar_chunks(query, candidates, "shop.py")] == ["cart.py"]


def test_recent_chunks_replace_nearby_edits_of_the_same_file():
    recent = RecentChunks(size=4)
    lines = [f"line {i}" for i in range(100)]
    recent.record("a.py", lines, 10)
    recent.record("a.py", lines, 12)
    recent.record("a.py", lines, 60)
    assert [p for p, _ in recent.items()] == ["a.py", "a.py"]


def test_rendering_as_comments_or_file_blocks_and_fitting_a_budget():
    snippets = stable_order([Snippet("b.py", "def b(): ...", "similar"), Snippet("a.py", "def a():\n    pass", "definition", 3)])
    assert render(snippets, "python", None) == "# a.py:\n# def a():\n#     pass\n# b.py:\n# def b(): ...\n"
    assert render(snippets[:1], "go", "<|file_sep|>") == "<|file_sep|>a.py\ndef a():\n    pass\n"
    assert fit(snippets, 30, len, "python", None) == "# a.py:\n# def a():\n#     pass\n"


def test_held_snippets_stay_while_the_cursor_is_near_and_follow_it_when_it_moves_on():
    held = HeldSnippets(refresh_lines=16)
    first = (Snippet("a.py", "def f(): ...", "definition", 1),)
    second = (Snippet("b.py", "def g(): ...", "definition", 1),)
    assert held.choose("doc", 100, first) == first
    # Typing on a few lines below: new names would change the block; it stays, so the cache does.
    assert held.choose("doc", 110, second) == first
    assert held.choose("doc", 116, second) == second  # moved on: the fresh snippets
    assert held.choose("other", 110, first) == first  # per document
    held.forget("doc")
    assert held.choose("doc", 117, first) == first


def test_the_best_similar_chunk_is_kept_before_definitions_when_the_budget_is_tight():
    snippets = [Snippet("a.py", "def a(): ...", "definition", 1), Snippet("b.py", "def b(): ...", "definition", 1),
                Snippet("c.py", "x = like_this()", "similar", 0, best=True), Snippet("d.py", "y = other()", "similar", 0)]
    kept = fit(snippets, 50, len, "python", None)  # room for two of the four
    assert "like_this" in kept and "def a" in kept
    assert "def b" not in kept and "other()" not in kept


def test_acceptance_weighs_a_file_against_the_workspace_rate_not_against_always():
    # Most completions are never accepted: with no acceptance anywhere, a file shown a hundred
    # times is no worse than one never shown.
    assert acceptance_weight("shown.py", {"shown.py": (100, 0)}) == 1.0 == acceptance_weight("new.py", {"shown.py": (100, 0)})
    # An average file stays at 1.0, whatever the workspace's rate.
    assert acceptance_weight("a.py", {"a.py": (50, 5), "b.py": (50, 5)}) == 1.0
    stats = {"kept.py": (40, 20), "ignored.py": (40, 0), "once.py": (1, 0)}
    assert acceptance_weight("kept.py", stats) > 1.5
    assert acceptance_weight("ignored.py", stats) < 0.5
    # One completion without acceptance is little evidence: the file is barely lowered.
    assert 0.9 < acceptance_weight("once.py", stats) < 1.0 == acceptance_weight("new.py", stats)


SIBLINGS = (["def load_users(db):", "    rows = db.query(USERS_SQL)", "    users = [User.from_row(r) for r in rows]",
             "    cache.store('users', users)", "    return users", ""]
            + ["def noop():", "    pass", ""] * 20
            + ["def load_orders(db):", "    rows = db.query(ORDERS_SQL)", "    orders = [Order.from_row(r) for r in rows]", "    cache."])


def test_the_documents_own_code_out_of_the_windows_sight_is_searched_too():
    query, cursor = "\n".join(SIBLINGS[-4:]), len(SIBLINGS) - 1
    found = similar_chunks(query, [], "shop.py", own=(SIBLINGS, range(cursor - 50, cursor + 20)))
    assert [s.path for s in found][:1] == ["shop.py"] and "cache.store('users', users)" in found[0].text
    # What the windows show is not offered again, and without `own` the file is not searched.
    assert similar_chunks(query, [], "shop.py", own=(SIBLINGS, range(0, len(SIBLINGS)))) == []
    assert similar_chunks(query, [("shop.py", "\n".join(SIBLINGS))], "shop.py") == []
    # Only near the windows: each keystroke's search stays within a few milliseconds.
    far = SIBLINGS[:6] + ["x = 1"] * OWN_SPAN_LINES + SIBLINGS[6:]
    assert similar_chunks(query, [], "shop.py", own=(far, range(len(far) - 51, len(far) + 19))) == []
