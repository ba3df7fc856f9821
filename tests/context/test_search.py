"""Workspace search for chat over a real index: definitions and documentation sections for a
question's words, nothing from files the licence policy denies, and chat prompts holding them."""

from atelier.context.prompts import Span, chat_prompt
from atelier.context.index import WorkspaceIndex
from atelier.context.licenses import LicensePolicy
from atelier.context.search import WorkspaceSearch, chat_search, mentions_workspace, without_mention
from atelier.models.backend import ChatMessage
from tests.context.licensed_workspace import GPL_MARKERS, make_mixed_workspace

GUIDE = """# Ratios guide

Intro.

## Zero division

When the bottom is zero, `safe_ratio` answers zero instead of raising ZeroDivisionError.

## Deployment

Ship the wheel to the internal index with twine.
"""


def index_of(root, policy=LicensePolicy()):
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text(GUIDE)
    (root / "docs" / "notes.rst").write_text("Notes\n=====\n\nNothing about ratios here, only release dates.\n")
    index = WorkspaceIndex(root)
    index.policy = policy
    index.build()
    return index


def test_documentation_is_indexed_by_section(tmp_path):
    index = index_of(make_mixed_workspace(tmp_path))
    assert set(index.docs) == {"docs/guide.md", "docs/notes.rst", "gplmath/README.md"}
    assert [c.title for c in index.docs["docs/guide.md"].chunks] == ["Ratios guide", "Ratios guide › Zero division",
                                                                   "Ratios guide › Deployment"]
    assert index.stats.docs == 3 and index.stats.files == 7  # documentation does not count as code


def test_documentation_relevant_to_a_question_is_found_without_asking(tmp_path):
    search = WorkspaceSearch(index_of(make_mixed_workspace(tmp_path)))
    found = chat_search(search, "what happens when the bottom is zero in a ratio?", requested=False)
    assert [f.title for f in found][0] == "Documentation, docs/guide.md § Ratios guide › Zero division"
    assert all(f.kind == "documentation" for f in found)
    assert chat_search(search, "hello there", requested=False) == []


def test_on_request_definitions_named_in_the_question_come_first(tmp_path):
    search = WorkspaceSearch(index_of(make_mixed_workspace(tmp_path)))
    found = chat_search(search, "@workspace how does safe_ratio avoid dividing by zero?", requested=True)
    assert found[0].kind == "definition" and found[0].title == "`safe_ratio` in mitmath/safe.py"
    assert found[0].text.startswith("def safe_ratio(top, bottom):")
    assert {"definition", "documentation"} == {f.kind for f in found}
    assert any(f.title.endswith("Zero division") for f in found)


def test_nothing_from_denied_files_whatever_the_question(tmp_path):
    index = index_of(make_mixed_workspace(tmp_path))
    search = WorkspaceSearch(index)
    for question in ("blend_inverse weight copyleft", "gpl_vendored_helper", "GPL docs blending"):
        found = chat_search(search, question, requested=True)
        assert not any(m in f.text for f in found for m in GPL_MARKERS), found
        assert not any(f.path.startswith("gplmath/") or f.path == "mitmath/vendored.py" for f in found)
    index.policy = LicensePolicy(deny=())  # a policy change applies at the next search
    assert any(f.path == "gplmath/blend.py" for f in chat_search(search, "blend_inverse", requested=True))


def test_the_mention_is_recognised_and_removed():
    assert mentions_workspace("@workspace where is X?") and mentions_workspace("where is X? @Workspace")
    assert not mentions_workspace("mail me at me@workspace.com")
    assert without_mention("@workspace where is X?") == "where is X?"


def test_found_spans_go_into_the_last_user_message_within_the_budget(tmp_path):
    search = WorkspaceSearch(index_of(make_mixed_workspace(tmp_path)))
    found = [Span(f.title, f.text, f.language) for f in chat_search(search, "safe_ratio zero", requested=True)]
    count = lambda text: len(text) // 4 + 1  # noqa: E731
    used: list[Span] = []
    history = [ChatMessage("user", "How does safe_ratio handle zero?")]
    messages = chat_prompt(history, [], count, 2000, found, used)
    assert used and messages[-1].content.endswith("How does safe_ratio handle zero?")
    assert "`safe_ratio` in mitmath/safe.py:\n```python\ndef safe_ratio" in messages[-1].content
    small: list[Span] = []
    messages = chat_prompt(history, [], count, 300, found, small)
    assert len(small) < len(used) and sum(count(m.content) + 8 for m in messages) <= 300
