"""The model configuration: one typed struct, each field declared once with its constraints
and its description. It is the `model` section of the server's settings and what the model
host loads; nothing converts it into another shape."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta


def _d(text: str, **bounds) -> Meta:
    return Meta(description=text, **bounds)


class ModelConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    backend: Annotated[Literal["llama", "remote"], _d(
        "embedded llama.cpp (`llama`), or an OpenAI-compatible server (`remote`)")] = "llama"
    path: Annotated[str | None, _d("a .gguf file; else $ATELIER_MODEL; else the model `atelier model use` chose; else the bundled default")] = None
    n_ctx: Annotated[int, _d("context window in tokens", ge=256, le=1_048_576)] = 4096
    n_threads: Annotated[int | None, _d("CPU threads; null: all cores, up to 8")] = None
    n_gpu_layers: Annotated[int | None, _d("layers offloaded to the GPU; null: all with a GPU build, else 0; -1: all")] = None
    main_gpu: Annotated[int, _d("the GPU that holds the model", ge=0)] = 0
    flash_attn: Annotated[bool, _d("llama.cpp's flash attention")] = False
    n_batch: Annotated[int, _d("prompt tokens evaluated per batch", ge=8, le=65536)] = 512
    url: Annotated[str | None, _d("remote backend: the server's address")] = None
    api_key: Annotated[str | None, _d("remote backend: its key (else $ATELIER_API_KEY)")] = None
    name: Annotated[str | None, _d("remote backend: the model name to ask for")] = None
    fim: Annotated[Literal["qwen", "starcoder", "deepseek", "codestral", "codellama"] | None, _d(
        "remote backend: the model's fill-in-the-middle format; null: prefix only")] = None
    headers: Annotated[dict[str, str], _d("remote backend: extra HTTP headers")] = {}
    connect_timeout_s: Annotated[float, _d("remote backend: connection timeout", gt=0)] = 5.0
    read_timeout_s: Annotated[float, _d("remote backend: read timeout", gt=0)] = 60.0
    lora_path: Annotated[str | None, _d("embedded backend: a LoRA adapter (GGUF) applied on top of the model")] = None
    lora_scale: Annotated[float, _d("embedded backend: the adapter's strength", ge=0.0, le=100.0)] = 1.0
    kept_states_mb: Annotated[Annotated[int, Meta(ge=0, le=1_048_576)] | None, _d(
        "embedded backend: memory for the evaluated prompts of other documents and chat (0: none); "
        "null: as much as the context's KV cache (n_ctx tokens)")] = None
    prompt_lookup: Annotated[int, _d(
        "embedded backend: greedy completions guess up to this many tokens from text the prompt already holds "
        "and check them in one batch (prompt-lookup decoding, models/lookup.py: the greedy answer, faster); 0: off",
        ge=0, le=32)] = 6
