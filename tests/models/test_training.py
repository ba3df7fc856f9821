"""`atelier train`'s refusals and resumption: a base it cannot load, no space, a checkpoint
picked up where it stopped. The refusals come before any model is loaded and leave no adapter."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from atelier.lsp_server.cli.main import main
from atelier.models import training
from atelier.models.llama import new_llama
from atelier.models.locate import resolve_model_path


@pytest.fixture
def codebase(tmp_path) -> Path:
    root = tmp_path / "code"
    root.mkdir()
    for i in range(3):
        (root / f"m{i}.py").write_text(f"def f{i}(a, b):\n    return a * {i} + b\n")
    return root


def _gguf(path: Path, arch: str, kind: str = "model") -> Path:
    """A small GGUF with one tensor: the header a real model file of `arch` would have."""
    import gguf

    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_type(kind)
    writer.add_block_count(1)
    writer.add_tensor("blk.0.attn_q.weight", np.zeros((8, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _train(codebase: Path, out: Path, *extra: str) -> int:
    with pytest.raises(SystemExit) as exit:
        main(["train", str(codebase), "--out", str(out), "--steps", "1", *extra])
    return exit.value.code


@pytest.mark.parametrize("make, says", [
    (lambda p: (p.write_text("not a model"), p)[1], "is not GGUF"),
    (lambda p: _gguf(p, "bert"), "transformers does not load 'bert' models from GGUF"),
    (lambda p: _gguf(p, "llama", kind="adapter"), "is a LoRA adapter, not a base model"),
], ids=["not-gguf", "architecture", "adapter"])
def test_a_base_it_cannot_load_is_refused_with_what_to_do(codebase, tmp_path, capsys, make, says):
    base = make(tmp_path / "base.gguf")
    assert _train(codebase, tmp_path / "a.gguf", "--model", str(base)) == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "a.gguf").exists()


def test_fake_full_disk_is_refused_before_training(codebase, tmp_path, capsys, monkeypatch):
    """A full disk cannot be made here on purpose: disk_usage is faked to report 1 MiB free."""
    real = shutil.disk_usage

    def one_mib_free(path):
        return real(path)._replace(free=2**20)

    monkeypatch.setattr(training.shutil, "disk_usage", one_mib_free)
    assert _train(codebase, tmp_path / "out" / "a.gguf") == 2
    err = capsys.readouterr().err
    assert "not enough space in" in err and "1 MiB free" in err
    assert not (tmp_path / "out" / "a.gguf").exists()


@pytest.mark.slow  # PyTorch loads the default model (dequantised) three times
@pytest.mark.timeout(600)
def test_a_stopped_run_resumes_from_its_checkpoint_and_fresh_starts_over(tmp_path):
    base, _ = resolve_model_path(None)
    vocab = new_llama(model_path=str(base), vocab_only=True, verbose=False)
    ids = vocab.tokenize(Path(training.__file__).read_text().encode(), add_bos=False)
    samples = [(ids[i:i + 8], ids[i + 8:i + 60]) for i in range(0, 1200, 60)]
    config = training.TrainConfig(base=base, out=tmp_path / "a.gguf", seq_len=64, minutes=None, steps=2)

    _, first = training.train(config, samples, vocab.token_eos(), say=lambda _: None)
    assert (first.steps, first.resumed_from) == (2, 0)
    assert (config.checkpoint / "state.pt").is_file()

    said: list[str] = []
    config.steps = 3
    _, second = training.train(config, samples, vocab.token_eos(), say=said.append)
    assert (second.steps, second.resumed_from) == (3, 2)
    assert 0 < second.run_tokens <= 64 and second.tokens == first.tokens + second.run_tokens  # counts go on
    assert any("resuming from" in line and "step 2" in line for line in said)

    config.fresh = True
    _, fresh = training.train(config, samples, vocab.token_eos(), say=said.append)
    assert (fresh.steps, fresh.resumed_from) == (3, 0)
