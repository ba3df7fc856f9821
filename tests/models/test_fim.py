import pytest

from atelier.models.fim import detect_fim

VOCABS = {
    "qwen": {"<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|endoftext|>"},
    "starcoder": {"<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<|endoftext|>"},
    "deepseek": {"<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"},
    "codestral": {"[SUFFIX]", "[PREFIX]", "[INST]"},
    "codellama": {"▁<PRE>", "▁<SUF>", "▁<MID>", "<EOT>"},
}


@pytest.mark.parametrize("family", VOCABS)
def test_detects_each_family_from_its_vocabulary(family):
    fmt = detect_fim(VOCABS[family].__contains__)
    assert fmt is not None and fmt.name == family


def test_a_chat_model_without_fim_tokens_gets_prefix_only():
    assert detect_fim({"<|im_start|>", "<|im_end|>"}.__contains__) is None


def test_partial_marker_set_is_not_fim():
    assert detect_fim({"<fim_prefix>", "<fim_middle>"}.__contains__) is None


def test_render_orders_parts_per_family():
    qwen = detect_fim(VOCABS["qwen"].__contains__)
    assert qwen.render("P", "S") == "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>"
    codestral = detect_fim(VOCABS["codestral"].__contains__)
    assert codestral.render("P", "S") == "[SUFFIX]S[PREFIX]P"
