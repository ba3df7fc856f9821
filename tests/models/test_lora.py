"""LoRA adapters on top of the default model (setting model.lora_path): real adapters in GGUF,
built here with the `gguf` package the way llama.cpp's convert_lora_to_gguf.py writes them,
loaded by llama.cpp through the backend. A nonzero adapter changes what the model writes, a
zero one does not, and a missing or mismatched one leaves the base model serving with a
message that says what to do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gguf  # noqa: E402  (a test dependency: a missing one is an error, not a skip)

pytestmark = pytest.mark.slow  # the default model, in this process

from atelier.models.backend import CompletionRequest  # noqa: E402
from atelier.models.config import ModelConfig
from atelier.models.host import ModelHost  # noqa: E402
from atelier.models.llama import LlamaBackend  # noqa: E402
from atelier.models.locate import resolve_model_path  # noqa: E402

PROMPT = "def fibonacci(n):\n    "
RANK = 4


def base_shapes(model: Path) -> dict[str, tuple[int, int]]:
    """(in, out) features of the base model's 2-D weights, by tensor name."""
    reader = gguf.GGUFReader(str(model))
    return {t.name: (int(t.shape[0]), int(t.shape[1])) for t in reader.tensors if len(t.shape) == 2}


def write_adapter(path: Path, shapes: dict[str, tuple[int, int]], names: list[str], value: float,
                  architecture: str = "llama") -> Path:
    """A LoRA adapter in GGUF: lora_a is (rank, in) and lora_b (out, rank) in numpy order,
    as PEFT stores A and B; `value` fills B (zero: an adapter that changes nothing)."""
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(RANK))
    rng = np.random.default_rng(0)
    for name in names:
        n_in, n_out = shapes[name]
        writer.add_tensor(f"{name}.lora_a", rng.standard_normal((RANK, n_in)).astype(np.float32) * 0.5)
        writer.add_tensor(f"{name}.lora_b", np.full((n_out, RANK), value, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture(scope="module")
def model() -> Path:
    return resolve_model_path(None)[0]


@pytest.fixture(scope="module")
def adapters(model: Path, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("adapters")
    shapes = base_shapes(model)
    names = [f"blk.{i}.{t}.weight" for i in range(0, 30, 3) for t in ("attn_q", "ffn_down")]
    bad = {n: (i + 7, o) for n, (i, o) in shapes.items()}  # widths of some other model
    return {
        "strong": write_adapter(folder / "strong.gguf", shapes, names, 0.05),
        "zero": write_adapter(folder / "zero.gguf", shapes, names, 0.0),
        "mismatched": write_adapter(folder / "mismatched.gguf", bad, names, 0.05),
    }


def greedy(backend: LlamaBackend) -> str:
    try:
        return backend.complete(CompletionRequest(PROMPT, max_tokens=24, temperature=0.0)).text
    finally:
        backend.close()


def test_a_nonzero_adapter_changes_greedy_output_and_a_zero_one_does_not(model, adapters):
    base = greedy(LlamaBackend(model, n_threads=1))
    strong = LlamaBackend(model, n_threads=1, lora_path=adapters["strong"])
    assert strong.adapter == adapters["strong"] and strong.adapter_error is None
    assert "strong.gguf" in strong.name
    assert greedy(strong) != base
    assert greedy(LlamaBackend(model, n_threads=1, lora_path=adapters["zero"])) == base
    # Scale 0 switches a nonzero adapter off.
    assert greedy(LlamaBackend(model, n_threads=1, lora_path=adapters["strong"], lora_scale=0.0)) == base


@pytest.mark.parametrize("which, says", [
    ("missing", "does not exist"),
    ("not_gguf", "is not a GGUF file"),
    ("mismatched", "does not fit model"),
])
def test_a_bad_adapter_is_reported_and_the_base_model_still_serves(model, adapters, tmp_path, which, says):
    if which == "missing":
        path = tmp_path / "nowhere.gguf"
    elif which == "not_gguf":
        path = tmp_path / "adapter_model.safetensors"
        path.write_bytes(b"\x00" * 64)
    else:
        path = adapters[which]
    base = greedy(LlamaBackend(model, n_threads=1))
    host = ModelHost()
    try:
        backend = host.load(ModelConfig(path=str(model), n_threads=1, lora_path=str(path))).result(timeout=120)
        assert host.error is None
        assert says in host.warning and "model.lora_path" in host.warning and "base model" in host.warning
        assert backend.adapter is None
        assert backend.complete(CompletionRequest(PROMPT, max_tokens=24, temperature=0.0)).text == base
    finally:
        host.close()
