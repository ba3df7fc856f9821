import pytest

from atelier.lsp_server.settings import Settings, SettingsError, merge_settings


def test_partial_update_merges_onto_current():
    s = merge_settings(Settings(), {"completion": {"max_tokens": 32}})
    s = merge_settings(s, {"atelier": {"model": {"n_ctx": 2048}}})
    assert s.completion.max_tokens == 32 and s.model.n_ctx == 2048


def test_none_and_empty_change_nothing():
    assert merge_settings(Settings(), None) == Settings()
    assert merge_settings(Settings(), {}) == Settings()


@pytest.mark.parametrize(
    ("update", "named"),
    [
        ({"model": {"n_ctx": "big"}}, "model.n_ctx"),
        ({"completion": {"max_tokens": 0}}, "completion.max_tokens"),
        ({"completion": {"max_tokns": 10}}, "max_tokns"),
        ({"model": 5}, "model"),
    ],
)
def test_bad_value_is_named(update, named):
    with pytest.raises(SettingsError, match=named.replace(".", r"\.")):
        merge_settings(Settings(), update)


def test_non_object_settings_are_refused():
    with pytest.raises(SettingsError):
        merge_settings(Settings(), ["x"])


def test_unknown_settings_can_be_skipped_and_reported():
    unknown: list[str] = []
    s = merge_settings(Settings(), {"completion": {"max_tokens": 20, "shiny": 1}, "future": {}}, unknown)
    assert s.completion.max_tokens == 20
    assert sorted(unknown) == ["completion.shiny", "future"]
