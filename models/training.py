"""LoRA training on top of the GGUF the server uses, and the adapter written as llama.cpp's
LoRA GGUF for exactly that base (`atelier train`).

The base weights come from the GGUF itself: transformers reads GGUF for llama/qwen2-family
architectures and dequantises it (or from a Hugging Face checkpoint folder, when the user
names one). PEFT puts a LoRA on every linear layer of the blocks; a plain PyTorch loop trains
it on packed token blocks (the loss on what each sample says to learn), bounded in time and
steps, with a checkpoint to resume from. The adapter is written with the `gguf` package's
writer and tensor-name map, as llama.cpp's convert_lora_to_gguf.py does, its layout checked
against the base's own weights.

PyTorch, transformers and PEFT are an optional extra (`pip install atelier-lsp[train]`):
nothing here imports them at module level, and the server never imports this module.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import random
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from atelier.models.gguf_info import GGUFError, lora_mismatch, read_info

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
EXTRA_HINT = "pip install 'atelier-lsp[train]' (PyTorch, transformers, PEFT, gguf)"
CHECKPOINT_EVERY_S = 60.0


class TrainError(RuntimeError):
    """A refusal with what to do about it."""


@dataclass
class TrainConfig:
    base: Path  # the GGUF the server uses
    out: Path  # the adapter's .gguf
    hf_checkpoint: Path | None = None  # a Hugging Face folder the GGUF was converted from
    rank: int = 16
    alpha: float | None = None  # default 2 × rank
    learning_rate: float = 3e-4
    seq_len: int = 512
    minutes: float | None = 30.0
    steps: int | None = None
    threads: int = 1
    device: str = "auto"
    seed: int = 0
    fresh: bool = False  # ignore a checkpoint

    @property
    def lora_alpha(self) -> float:
        return self.alpha if self.alpha is not None else 2.0 * self.rank

    @property
    def checkpoint(self) -> Path:
        return self.out.with_name(self.out.name + ".ckpt")


@dataclass
class TrainResult:
    steps: int = 0
    tokens: int = 0  # tokens trained on, this run and the runs it resumed
    seconds: float = 0.0  # training time, all runs together
    run_tokens: int = 0
    run_seconds: float = 0.0
    loss_first: float = float("nan")
    loss_last: float = float("nan")
    resumed_from: int = 0  # steps of the checkpoint it started from
    stopped_by: str = ""  # "steps", "minutes", "interrupted"
    device: str = "cpu"
    losses: list[float] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return self.run_tokens / self.run_seconds if self.run_seconds > 0 else 0.0


def default_threads() -> int:
    """Every core but one: a running `atelier serve` keeps one for the editor."""
    return max(1, (os.cpu_count() or 2) - 1)


def import_torch():
    try:
        import peft  # noqa: F401
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:
        raise TrainError(f"training needs PyTorch, transformers and PEFT ({exc}): {EXTRA_HINT}") from exc
    return torch


def check_base(base: Path, from_gguf: bool = True) -> dict:
    """The base GGUF's metadata; refuses a file that is not a GGUF model or (`from_gguf`) an
    architecture transformers cannot read from GGUF."""
    try:
        meta, shapes = read_info(base)
    except (OSError, GGUFError) as exc:
        raise TrainError(f"cannot read the base model {base}: {exc}") from exc
    if meta.get("general.type") == "adapter":
        raise TrainError(f"{base} is a LoRA adapter, not a base model: give the model it applies to")
    arch = str(meta.get("general.architecture", "?"))
    try:
        from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES
    except ImportError as exc:
        raise TrainError(f"training needs transformers ({exc}): {EXTRA_HINT}") from exc
    if from_gguf and arch not in GGUF_SUPPORTED_ARCHITECTURES:
        raise TrainError(f"cannot train on {base.name}: transformers does not load {arch!r} models from GGUF "
                         "(llama, mistral, qwen2, qwen3, … do); name the Hugging Face checkpoint it was converted from "
                         "with --hf-checkpoint")
    return {"architecture": arch, "blocks": int(meta.get(f"{arch}.block_count", 0)), "shapes": shapes}


def pick_device(torch, wanted: str) -> str:
    if wanted == "cuda" and not torch.cuda.is_available():
        raise TrainError("--device cuda: PyTorch sees no CUDA GPU (a CPU build of torch, or no driver); use --device cpu")
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return wanted


def load_model(torch, config: TrainConfig, device: str):
    """The base as a transformers model in float32 (dequantised from the GGUF), with LoRA."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # the GGUF's dequantisation bar (a bare tqdm)
            if config.hf_checkpoint is not None:
                model = AutoModelForCausalLM.from_pretrained(str(config.hf_checkpoint), dtype=torch.float32)
            else:
                model = AutoModelForCausalLM.from_pretrained(str(config.base.parent), gguf_file=config.base.name,
                                                             dtype=torch.float32)
    except Exception as exc:  # transformers raises many kinds on a file it cannot map
        where = config.hf_checkpoint or config.base
        raise TrainError(f"cannot load the base model {where} with transformers ({type(exc).__name__}: {exc})") from exc
    model.to(device)
    lora = LoraConfig(r=config.rank, lora_alpha=config.lora_alpha, lora_dropout=0.0, target_modules=list(TARGETS),
                      task_type="CAUSAL_LM", bias="none")
    try:
        return get_peft_model(model, lora)
    except ValueError as exc:
        raise TrainError(f"cannot put a LoRA on {config.base.name}: {exc}") from exc


# -- data ---------------------------------------------------------------------------------

def pack(samples: list[tuple[list[int], list[int]]], seq_len: int, seed: int, epoch: int, eos: int) -> list[tuple[list[int], list[int]]]:
    """Blocks of `seq_len` tokens (input ids, labels; -100 where no loss is taken): the samples
    (prompt ids, completion ids) in a seeded order per epoch, end to end, an end-of-text token
    between them; the loss on completions only."""
    order = list(range(len(samples)))
    random.Random(f"{seed}:{epoch}").shuffle(order)
    ids: list[int] = []
    labels: list[int] = []
    for i in order:
        prompt, completion = samples[i]
        ids += prompt + completion + [eos]
        labels += [-100] * len(prompt) + completion + [-100]
    blocks = []
    for start in range(0, len(ids) - 1, seq_len):
        block, lab = ids[start:start + seq_len], labels[start:start + seq_len]
        if sum(x != -100 for x in lab) >= 8:
            blocks.append((block, lab))
    return blocks


# -- the loop -----------------------------------------------------------------------------

def _fingerprint(config: TrainConfig, base_meta: dict) -> dict:
    return {"base": str(config.base.resolve()), "base_size": config.base.stat().st_size,
            "architecture": base_meta["architecture"], "rank": config.rank, "alpha": config.lora_alpha,
            "seq_len": config.seq_len}


def _lora_state(model) -> dict:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items() if "lora_" in k}


def needed_bytes(base_meta: dict, rank: int) -> int:
    """Adapter + checkpoint (weights, two Adam moments) + margin."""
    params = sum(rank * (shape[0] + shape[1]) for name, shape in base_meta["shapes"].items()
                 if len(shape) == 2 and name.startswith("blk."))
    return 6 * 4 * params + 64 * 2**20


def check_space(config: TrainConfig, base_meta: dict) -> None:
    folder = config.out.parent
    folder.mkdir(parents=True, exist_ok=True)
    need, free = needed_bytes(base_meta, config.rank), shutil.disk_usage(folder).free
    if free < need:
        raise TrainError(f"not enough space in {folder}: {free / 2**20:.0f} MiB free, the adapter and its checkpoint "
                         f"need about {need / 2**20:.0f} MiB")


def train(config: TrainConfig, samples: list[tuple[list[int], list[int]]], eos: int,
          progress: Callable[[dict], None] | None = None, say: Callable[[str], None] = print):
    """Train a LoRA on `samples` (token ids); returns (the PEFT model, TrainResult). Stops at
    `config.steps` (counted with the checkpoint's) or after `config.minutes` of this run;
    Ctrl-C saves the checkpoint and stops. The checkpoint (ADAPTER.gguf.ckpt) is saved every
    minute and at the end: the next run resumes from it."""
    torch = import_torch()
    base_meta = check_base(config.base, from_gguf=config.hf_checkpoint is None)
    check_space(config, base_meta)
    torch.set_num_threads(max(1, config.threads))
    torch.manual_seed(config.seed)
    device = pick_device(torch, config.device)
    model = load_model(torch, config, device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.0)
    result = TrainResult(device=device)
    fingerprint = _fingerprint(config, base_meta)
    state_file = config.checkpoint / "state.pt"
    if state_file.is_file() and not config.fresh:
        state = torch.load(state_file, map_location=device, weights_only=False)
        if state.get("fingerprint") == fingerprint:
            model.load_state_dict(state["lora"], strict=False)
            optimizer.load_state_dict(state["optimizer"])
            result.steps, result.tokens, result.seconds = state["steps"], state["tokens"], state["seconds"]
            result.resumed_from = result.steps
            say(f"resuming from {config.checkpoint}: step {result.steps}, {result.tokens:,} tokens, "
                f"{result.seconds / 60:.1f} min trained")
        else:
            say(f"the checkpoint {config.checkpoint} was made for another base, rank or length: starting afresh")

    def save() -> None:
        config.checkpoint.mkdir(parents=True, exist_ok=True)
        tmp = state_file.with_suffix(".tmp")
        torch.save({"fingerprint": fingerprint, "lora": _lora_state(model), "optimizer": optimizer.state_dict(),
                    "steps": result.steps, "tokens": result.tokens, "seconds": result.seconds}, tmp)
        os.replace(tmp, state_file)

    blocks_per_epoch = pack(samples, config.seq_len, config.seed, 0, eos)
    if not blocks_per_epoch:
        raise TrainError("too little data: not one block of training tokens")
    warmup = 5
    started = time.monotonic()
    last_save = started
    deadline = started + 60 * config.minutes if config.minutes else math.inf
    model.train()
    try:
        while True:
            if config.steps is not None and result.steps >= config.steps:
                result.stopped_by = "steps"
                break
            if time.monotonic() >= deadline:
                result.stopped_by = "minutes"
                break
            epoch, at = divmod(result.steps, len(blocks_per_epoch))
            blocks = blocks_per_epoch if epoch == 0 else pack(samples, config.seq_len, config.seed, epoch, eos)
            ids, labels = blocks[min(at, len(blocks) - 1)]
            for group in optimizer.param_groups:
                group["lr"] = config.learning_rate * min(1.0, (result.steps + 1) / warmup)
            t0 = time.monotonic()
            input_ids = torch.tensor([ids], device=device)
            out = model(input_ids=input_ids, labels=torch.tensor([labels], device=device))
            loss = out.loss
            if not torch.isfinite(loss):
                raise TrainError(f"the loss became {loss.item()} at step {result.steps}: lower the learning rate")
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            dt = time.monotonic() - t0
            result.steps += 1
            result.tokens += len(ids)
            result.run_tokens += len(ids)
            result.seconds += dt
            result.run_seconds = time.monotonic() - started
            value = float(loss.item())
            result.losses.append(value)
            if math.isnan(result.loss_first):
                result.loss_first = value
            result.loss_last = value
            if progress is not None:
                progress({"step": result.steps, "loss": value, "tokens_per_s": result.tokens_per_s,
                          "elapsed": result.run_seconds, "deadline": deadline - started, "steps": config.steps,
                          "resumed_from": result.resumed_from})
            if time.monotonic() - last_save >= CHECKPOINT_EVERY_S:
                save()
                last_save = time.monotonic()
    except KeyboardInterrupt:
        result.stopped_by = "interrupted"
    result.run_seconds = time.monotonic() - started
    save()
    model.eval()
    return model, result


# -- the adapter as llama.cpp's LoRA GGUF -------------------------------------------------

def _permute(weights, n_head: int, n_head_kv: int):
    """convert_hf_to_gguf.py's LlamaModel.permute (the rotary layout of q and k in GGUF)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def _layouts(model, base: Path, names: dict[str, str]) -> dict[str, bool]:
    """For q and k: whether the GGUF holds them permuted (llama) or as they are (qwen2), told
    by comparing block 0's weights in the base GGUF with the loaded ones."""
    import gguf
    import numpy as np

    hf = {n: p for n, p in model.base_model.model.named_parameters()}
    cfg = model.base_model.model.config
    n_head = cfg.num_attention_heads
    n_kv = getattr(cfg, "num_key_value_heads", None) or n_head
    reader = gguf.GGUFReader(str(base))
    tensors = {t.name: t for t in reader.tensors}
    out: dict[str, bool] = {}
    for proj, heads_kv in (("q_proj", n_head), ("k_proj", n_kv)):
        hf_name = next((n for n in names if n.endswith(f".0.self_attn.{proj}")), None)
        if hf_name is None:
            continue
        tensor = tensors.get(names[hf_name] + ".weight")
        weight = hf.get(hf_name + ".base_layer.weight")
        if tensor is None or weight is None:
            raise TrainError(f"cannot match {hf_name} with the base GGUF's {names[hf_name]}")
        stored = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(weight.shape).astype(np.float32)
        loaded = weight.detach().cpu().float().numpy()
        scale = float(np.abs(stored).mean()) + 1e-12
        plain = float(np.abs(stored - loaded).mean()) / scale
        permuted = float(np.abs(stored - _permute(loaded, n_head, heads_kv)).mean()) / scale
        if min(plain, permuted) > 0.05:
            raise TrainError(f"the loaded {hf_name} does not match {names[hf_name]} of {base.name}: "
                             "the adapter could not be written for this base")
        out[proj] = permuted < plain
    return out


def write_adapter(model, base: Path, out: Path, alpha: float) -> int:
    """Write the trained LoRA as a llama.cpp adapter GGUF for `base`; returns its tensors'
    count. Checked against the base's shapes (models.gguf_info) before it replaces `out`."""
    import gguf
    import numpy as np

    meta, _ = read_info(base)
    arch = str(meta["general.architecture"])
    arch_enum = {v: k for k, v in gguf.MODEL_ARCH_NAMES.items()}.get(arch)
    if arch_enum is None:
        raise TrainError(f"the gguf package does not know the architecture {arch!r}: upgrade it")
    cfg = model.base_model.model.config
    n_head = cfg.num_attention_heads
    n_kv = getattr(cfg, "num_key_value_heads", None) or n_head
    name_map = gguf.get_tensor_name_map(arch_enum, cfg.num_hidden_layers)
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in model.state_dict().items():
        if ".lora_A." not in key and ".lora_B." not in key:
            continue
        module = key.split(".lora_")[0].removeprefix("base_model.model.")
        pairs.setdefault(module, {})["a" if ".lora_A." in key else "b"] = value.detach().cpu().float().numpy()
    names = {}
    for module in pairs:
        mapped = name_map.get_name(module)
        if mapped is None:
            raise TrainError(f"no GGUF name for {module} in gguf's tensor-name map of {arch}")
        names[module] = mapped
    permuted = _layouts(model, base, names)
    tmp = out.with_name(out.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), arch)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_string("general.name", f"{out.stem} (atelier train, base {base.name})")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    for module in sorted(pairs):
        a, b = pairs[module]["a"], pairs[module]["b"]  # (rank, in), (out, rank): PEFT's and llama.cpp's order
        proj = module.rsplit(".", 1)[-1]
        if permuted.get(proj):
            b = _permute(b, n_head, n_head if proj == "q_proj" else n_kv)
        writer.add_tensor(f"{names[module]}.weight.lora_a", np.ascontiguousarray(a, dtype=np.float32))
        writer.add_tensor(f"{names[module]}.weight.lora_b", np.ascontiguousarray(b, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    problem = lora_mismatch(tmp, base)
    if problem:
        tmp.unlink(missing_ok=True)
        raise TrainError(f"the adapter written does not fit {base.name}: {problem}")
    os.replace(tmp, out)
    return 2 * len(pairs)
