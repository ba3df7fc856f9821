"""What `atelier train` learns from, without a model: the split by file (no held-out file gives
a training sample, of any layer; the held-out tasks come only from held-out files), and the
licence policy and secrets filter applied to every layer as dataset export applies them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cattrs
import pytest

from atelier.context.languages import EXTENSIONS
from atelier.context.licenses import LicensePolicy
from atelier.context.training_data import attempts_layer, code_layer, docs_layer, heldout_paths
from atelier.lsp_server.bench.tasks import cut_tasks
from atelier.lsp_server.cli.main import main
from atelier.models.fim import by_name
from atelier.models.training import pack
from tests.context.licensed_workspace import GPL_MARKERS, make_mixed_workspace

SECRET = "sk-proj-abcdefghijklmnopqrstuvwx1234"


def codebase(tmp_path: Path) -> Path:
    """The company's code (a real package, MIT) beside GPL code, a file holding a credential,
    a secret file, GPL and MIT documentation."""
    root = make_mixed_workspace(tmp_path / "product")
    shutil.copytree(Path(cattrs.__file__).parent, root / "cattrs", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "app" / "settings.py").write_text(
        f'API_KEY = "{SECRET}"\n\n\ndef connect(host, port):\n    """Open a connection."""\n    return (host, port, API_KEY)\n')
    (root / ".env").write_text(f"OPENAI_API_KEY={SECRET}\n")
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text("# Guide\n\n" + "How to convert structured data with cattrs. " * 12
                                            + f"\n\n## Setup\n\nSet API_KEY = \"{SECRET}\" in settings.\n" + "More words. " * 20 + "\n")
    (root / "gplmath" / "GUIDE.md").write_text("# Blending\n\nGPL docs say: " + "blend values with weights. " * 20 + "\n")
    return root


@pytest.mark.parametrize("fim", [None, "starcoder"])
def test_held_out_files_gpl_files_and_secrets_never_reach_training_samples(tmp_path, fim):
    root = codebase(tmp_path)
    policy = LicensePolicy()
    fmt = by_name(fim) if fim else None
    code, train, heldout, funnel, line = code_layer(root, policy, fmt, seed=0)
    held = {k.path for k in heldout}
    assert len(held) >= 3 and {k.path for k in train}.isdisjoint(held)
    # Attempts recorded by generate-to-pass: passing ones for a training file stay; for a
    # held-out file, a GPL file, a failing one, or one showing a secret, they do not.
    some_train = next(k.path for k in train if k.path.startswith("cattrs/"))
    some_held = sorted(held)[0]
    attempts = tmp_path / "attempts.jsonl"
    rows = [
        {"file": str(root / some_train), "prompt": "def a():\n", "candidate": "    return 'train-ok'\n", "passed": True},
        {"file": str(root / some_held), "prompt": "def b():\n", "candidate": "    return 'held-out-leak'\n", "passed": True},
        {"file": str(root / "gplmath/blend.py"), "prompt": "def c():\n", "candidate": "    return 'gpl_kernel_blend'\n", "passed": True},
        {"file": str(root / some_train), "prompt": "def d():\n", "candidate": "    return 'failed-attempt'\n", "passed": False},
        {"file": str(root / some_train), "prompt": "def e():\n", "candidate": f"    return '{SECRET}'\n", "passed": True},
    ]
    attempts.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tried, tried_line = attempts_layer(attempts, root, policy, held)
    docs, _ = docs_layer(root, policy)
    samples = code + docs + tried
    dump = json.dumps(samples)

    assert [s["completion"].strip() for s in tried] == ["return 'train-ok'"] and tried_line.filtered == 4
    assert not held & {s["path"] for s in samples}
    for path in held:  # no held-out file's own lines either (a long one, unique to it)
        text = (root / path).read_text()
        longest = max((ln for ln in text.split("\n") if text.count(ln) == 1), key=len, default="")
        if len(longest.strip()) > 40:
            assert longest not in dump, path
    assert not any(marker in dump for marker in GPL_MARKERS)
    assert SECRET not in dump and "OPENAI_API_KEY" not in dump
    assert any(s["layer"] == "docs" and "cattrs" in s["completion"] for s in samples)
    if fmt is None:
        assert all(s["completion"].startswith("# ") for s in code)  # headed by the file's name, as prompts are
    else:
        assert all(s["completion"].startswith("<fim_prefix>") for s in code)
    assert line.samples == len(code) > 30

    # The held-out tasks come from held-out files only; the others only say what is defined where.
    texts = {k.path: (k.text, EXTENSIONS[Path(k.path).suffix]) for k in train + heldout}
    tasks = cut_tasks("product", "product", texts, 100, 0, 8, only=held)
    assert len(tasks) >= 5 and {t["file"] for t in tasks} <= held


def test_the_split_is_fixed_by_the_seed_and_by_the_path_alone():
    paths = [f"pkg/m{i}.py" for i in range(200)]
    held = heldout_paths(paths, seed=0)
    assert len(held) == 20 and held == heldout_paths(list(reversed(paths)), seed=0)
    assert held - {"pkg/new.py"} <= heldout_paths(paths + ["pkg/new.py"], seed=0) | held  # adding a file moves nothing
    assert heldout_paths(paths, seed=1) != held
    assert len(heldout_paths(["a.py", "b.py", "c.py"], seed=0)) == 1  # never all of them


def test_packing_learns_completions_only():
    samples = [([1, 2, 3], [10, 11, 12, 13, 14, 15, 16, 17]), ([4, 5], [20, 21, 22, 23, 24, 25, 26, 27, 28])]
    blocks = pack(samples, 64, seed=0, epoch=0, eos=0)
    assert len(blocks) == 1
    ids, labels = blocks[0]
    learnt = [i for i, lab in zip(ids, labels) if lab != -100]
    assert sorted(learnt) == list(range(10, 18)) + list(range(20, 29))  # no prompt token, no separator


def test_too_little_data_is_refused_before_any_model_is_loaded(tmp_path, capsys):
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "a.py").write_text("def add(a, b):\n    return a + b\n")
    with pytest.raises(SystemExit) as exit:
        main(["train", str(tmp_path / "tiny"), "--out", str(tmp_path / "a.gguf"), "--steps", "1"])
    assert exit.value.code == 2
    assert "too little data" in capsys.readouterr().err
    assert not (tmp_path / "a.gguf").exists()
