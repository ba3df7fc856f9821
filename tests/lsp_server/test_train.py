"""`atelier train` end to end on CPU with the default model: a few steps on a small real
codebase (cattrs, MIT), the adapter written as llama.cpp LoRA GGUF, loaded by the server's
backend through model.lora_path, changing greedy output and lowering llama.cpp's loss on
code it was trained on; the held-out figures measured through the real pipeline, printed,
and written to ADAPTER.json."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import cattrs
import numpy as np
import pytest

from atelier.lsp_server.cli.main import main
from atelier.models.backend import CompletionRequest
from atelier.models.config import ModelConfig
from atelier.models.host import ModelHost
from atelier.models.llama import new_llama
from atelier.models.locate import resolve_model_path

pytestmark = pytest.mark.slow  # PyTorch and the default model in this process, a server per measure

STEPS = 8
PROMPT_FILE = "converters.py"  # a training file's start is the greedy probe


def nll(model: Path, adapter: Path | None, text: str) -> float:
    """llama.cpp's mean negative log-likelihood of `text` (its first 256 tokens)."""
    extra = {"lora_path": str(adapter)} if adapter else {}
    llm = new_llama(model_path=str(model), n_ctx=512, n_threads=1, logits_all=True, verbose=False, **extra)
    try:
        tokens = llm.tokenize(text.encode(), add_bos=True)[:256]
        llm.eval(tokens)
        logits = np.asarray(llm.scores[: len(tokens) - 1], dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return float(-np.mean(logp[np.arange(len(tokens) - 1), tokens[1:]]))
    finally:
        llm.close()


@pytest.mark.timeout(900)
def test_train_writes_an_adapter_the_server_loads_that_changes_output_and_measures_it_on_held_out_files(tmp_path, capsys):
    root = tmp_path / "cattrs"
    shutil.copytree(Path(cattrs.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "cattrs-lora.gguf"
    with pytest.raises(SystemExit) as exit:
        main(["train", str(root), "--out", str(out), "--steps", str(STEPS), "--rank", "8", "--threads", "1",
              "--device", "cpu", "--learning-rate", "2e-3", "--seq-len", "128", "--max-tasks", "6", "--json"])
    printed = capsys.readouterr()
    print(printed.out)  # the funnel, the held-out figures (pytest -s shows them)
    assert exit.value.code == 0, printed.err
    last = json.loads(printed.out.strip().split("\n")[-1])
    assert set(last) == {"adapter", "heldout_tasks", "em_base", "em_adapter", "es_base", "es_adapter", "train_tokens",
                         "tokens_per_s", "seconds"}
    assert last["adapter"] == str(out.resolve()) and last["heldout_tasks"] >= 5
    assert last["train_tokens"] == STEPS * 128 and last["tokens_per_s"] > 0
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["em_base"] == last["em_base"] and report["steps"] == STEPS
    assert "EM" in printed.out and "held-out" in printed.out
    assert PROMPT_FILE not in report["heldout_files"]
    assert (tmp_path / "cattrs-lora.gguf.ckpt" / "state.pt").is_file()

    model = resolve_model_path(None)[0]
    host = ModelHost()
    try:
        backend = host.load(ModelConfig(path=str(model), n_threads=1, lora_path=str(out))).result(timeout=120)
        assert host.error is None and not host.warning, host.warning
        assert backend.adapter == out.resolve() or backend.adapter == out
        prompt = (root / PROMPT_FILE).read_text()[:600]
        request = CompletionRequest(prompt, max_tokens=24, temperature=0.0)
        tuned = backend.complete(request).text
    finally:
        host.close()
    plain = ModelHost()
    try:
        base_answer = plain.load(ModelConfig(path=str(model), n_threads=1)).result(timeout=120).complete(request).text
    finally:
        plain.close()
    assert tuned != base_answer

    # The layout is right (q and k as llama.cpp holds them): on code it learnt from, llama.cpp
    # with the adapter is less surprised than without.
    text = "# " + PROMPT_FILE + "\n" + (root / PROMPT_FILE).read_text()[:1500]
    before, after = nll(model, None, text), nll(model, out, text)
    print(f"llama.cpp NLL on trained code: {before:.3f} without the adapter, {after:.3f} with it")
    assert math.isfinite(after) and after < before
