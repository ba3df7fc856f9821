from context.imports import Import
from context.index import WorkspaceIndex
from context.retrieval import HeldSnippets, RecentChunks, Snippet, fit, identifiers, related_definitions, render, similar_chunks, stable_order
from context.tags import Tag


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


def test_similar_chunks_from_other_files_but_not_copies_or_the_same_file():
    query = "for order in orders:\n    total += order.price * order.quantity"
    candidates = [
        ("cart.py", "for item in cart.items:\n    total += item.price * item.quantity\nreturn total"),
        ("shop.py", query),
        ("copy.py", query),
        ("far.py", "print('hello world')"),
    ]
    found = similar_chunks(query, candidates, "shop.py")
    assert [s.path for s in found] == ["cart.py"]


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
