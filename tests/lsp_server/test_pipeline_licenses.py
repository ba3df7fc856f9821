"""The licence policy in completion context, through the code the server runs: a workspace
mixing GPL-3.0 and MIT files gives the prompt MIT definitions and nothing under the GPL."""

from pathlib import Path

import pytest

from atelier.context.document import Document
from atelier.context.licenses import LicensePolicy
from atelier.context.assembly import prepare
from atelier.lsp_server.engine.completion import make_prompt
from atelier.lsp_server.settings import Settings, merge_settings
from atelier.context.workspace import WorkspaceContext
from atelier.models.llama import LlamaBackend
from atelier.models.locate import bundled_model
from tests.context.licensed_workspace import GPL_MARKERS, make_mixed_workspace


def workspace(root: Path, policy: LicensePolicy) -> WorkspaceContext:
    make_mixed_workspace(root)
    ctx = WorkspaceContext()
    ctx.set_policy(policy)
    ctx.open(root, root / ".data")
    ctx.build()
    return ctx


def snapshot(root: Path, ctx: WorkspaceContext, others: list[str] = ()):
    rel = "app/main.py"
    doc = Document((root / rel).as_uri(), (root / rel).read_text())
    opened = [(o, Document((root / o).as_uri(), (root / o).read_text())) for o in others]
    for path, other in opened:  # recently edited too
        ctx.edited(other, path, 2)
    line = len(doc.lines) - 2
    return prepare(doc, line, len(doc.lines[line]), rel, ctx.sources(doc, rel, opened), "full")


@pytest.mark.slow  # the default model, in this process
def test_no_gpl_content_reaches_the_completion_prompt(tmp_path):
    policy = Settings().licenses.policy()  # the default setting
    ctx = workspace(tmp_path, policy)
    snap = snapshot(tmp_path, ctx, ["gplmath/blend.py", "mitmath/safe.py", "mitmath/vendored.py"])
    paths = {s.path for s in snap.snippets}
    assert "mitmath/safe.py" in paths  # the MIT definition of safe_inverse is there
    assert not paths & {"gplmath/blend.py", "mitmath/vendored.py"}
    backend = LlamaBackend(bundled_model(), n_ctx=2048)
    try:
        prompt = make_prompt(snap, backend, Settings().completion).text
    finally:
        backend.close()
    assert "def safe_inverse(value, default=0.0):" in prompt
    assert not any(marker in prompt for marker in GPL_MARKERS)


def test_allowing_the_licence_brings_the_gpl_definitions_back(tmp_path):
    settings = merge_settings(Settings(), {"licenses": {"allow": ["GPL-3.0*"]}})
    ctx = workspace(tmp_path, settings.licenses.policy())
    snap = snapshot(tmp_path, ctx, ["gplmath/blend.py"])
    assert {"gplmath/blend.py", "mitmath/vendored.py"} <= {s.path for s in snap.snippets}


@pytest.mark.parametrize("bad", [{"licenses": {"deny": "GPL-3.0"}}, {"licenses": {"block": ["x"]}}])
def test_a_bad_policy_setting_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="licenses"):
        merge_settings(Settings(), bad)
