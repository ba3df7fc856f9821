import pytest

from atelier.models.errors import ModelError
from atelier.models.locate import ENV_MODEL, bundled_model, check_gguf, resolve_model_path


def test_bundled_default_model_is_installed_and_is_gguf():
    path = bundled_model()
    assert path is not None and path.stat().st_size > 50_000_000
    check_gguf(path)


def test_setting_wins_over_environment_and_bundled(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_MODEL, str(tmp_path / "env.gguf"))
    assert resolve_model_path(str(tmp_path / "set.gguf"))[0] == tmp_path / "set.gguf"
    assert resolve_model_path(None)[0] == tmp_path / "env.gguf"
    monkeypatch.delenv(ENV_MODEL)
    assert resolve_model_path(None)[0] == bundled_model()


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(ModelError, match="does not exist.*set model.path"):
        check_gguf(tmp_path / "nope.gguf")


def test_non_gguf_file_is_named_as_such(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelError, match="is not GGUF"):
        check_gguf(bad)
