"""The embedded llama.cpp backend with the real default model (loads in well under a second)."""

import threading

import pytest

from atelier.models.backend import CancelToken, ChatMessage, CompletionRequest
from atelier.models.errors import ModelError
from atelier.models.llama import LlamaBackend
from atelier.models.locate import bundled_model

pytestmark = pytest.mark.slow  # the default model, in this process


@pytest.fixture(scope="module")
def backend():
    b = LlamaBackend(bundled_model(), n_ctx=1024)
    yield b
    b.close()


def test_default_model_has_no_fim_and_counts_tokens(backend):
    assert backend.fim is None
    assert backend.n_ctx == 1024
    assert 0 < backend.count_tokens("def add(a, b):\n    return a + b\n") < 30


def test_completion_continues_code_and_honours_stop(backend):
    result = backend.complete(CompletionRequest("def add(a, b):\n    return", ("\n",), 16))
    assert result.text.strip()
    assert "\n" not in result.text
    assert result.prompt_tokens > 0 and result.completion_tokens > 0


@pytest.mark.parametrize("heal", [" r", " comp", " "])
def test_healing_makes_the_answer_start_with_the_cut_text(backend, heal):
    prompt = "def total(items):\n    result = 0\n    for item in items:\n        result +=\n    return result\n\nx ="
    result = backend.complete(CompletionRequest(prompt, ("\n",), 12, heal=heal))
    assert result.text.startswith(heal), result.text


@pytest.mark.parametrize("heal", ["", "."])
def test_names_make_the_answer_go_on_with_one_of_them_whole(backend, heal):
    names = ("zq_restock_later", "zq_restock", "wx_price_of")
    prompt = "class Store:\n    pass\n\n\ndef audit(store):\n    return store" + ("" if heal else ".")
    text = backend.complete(CompletionRequest(prompt, ("\n",), 12, heal=heal, names=names)).text
    assert text.startswith(heal)
    rest = text[len(heal):]
    assert any(rest.startswith(n) and not rest[len(n):len(n) + 1].isalnum() and rest[len(n):len(n) + 1] != "_"
               for n in names), text


def test_cancel_stops_generation_between_tokens(backend):
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    result = backend.complete(CompletionRequest("# A long list of numbers:\n1, 2, 3,", (), 2000), cancel)
    assert result.finish_reason == "cancelled"
    assert result.completion_tokens < 2000


def test_chat_uses_the_model_template(backend):
    result = backend.chat([ChatMessage("user", "Say hello.")], max_tokens=16)
    assert result.text.strip()


def test_truncated_file_is_a_model_error(tmp_path):
    truncated = tmp_path / "t.gguf"
    with bundled_model().open("rb") as f:
        truncated.write_bytes(f.read(1_000_000))
    with pytest.raises(ModelError, match="truncated or corrupt"):
        LlamaBackend(truncated)


def test_consecutive_prompts_reuse_the_cache(backend):
    base = "def area(width, height):\n    return width *"
    first = backend.complete(CompletionRequest("# cache test\n" + base, ("\n",), 4))
    assert first.reevaluated_tokens > 0
    second = backend.complete(CompletionRequest("# cache test\n" + base + " height", ("\n",), 4))
    assert second.reevaluated_tokens <= 3 < second.prompt_tokens


def test_until_and_timeout_stop_generation_early(backend):
    prompt = "# numbers\n" + "".join(f"x{i} = {i}\n" for i in range(5))
    result = backend.complete(CompletionRequest(prompt, (), 200), until=lambda text: text.count("\n") >= 2)
    assert result.text.count("\n") == 2 and result.completion_tokens < 200
    timed = backend.complete(CompletionRequest(prompt, (), 2000, timeout_s=0.2))
    assert timed.finish_reason == "time" and timed.completion_tokens < 2000


def test_gpu_settings_fall_back_to_the_cpu_on_a_cpu_only_build():
    # CI has no GPU: asking for full offload, flash attention and a GPU index must still work.
    b = LlamaBackend(bundled_model(), n_ctx=512, n_gpu_layers=-1, main_gpu=0, flash_attn=True, n_batch=256)
    try:
        assert b.complete(CompletionRequest("def add(a, b):\n    return", ("\n",), 8)).text.strip()
    finally:
        b.close()


def test_decode_timeout_counts_from_the_first_token(backend):
    # A long prompt takes a while to evaluate; the decode limit must not cut the answer to nothing.
    prompt = "".join(f"value_{i} = compute({i})\n" for i in range(60)) + "value_60 ="
    backend.llama.reset()
    result = backend.complete(CompletionRequest(prompt, (), 500, decode_timeout_s=0.15))
    assert result.finish_reason == "time"
    assert 1 < result.completion_tokens < 500
