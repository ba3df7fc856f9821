"""`atelier train PATH`: a LoRA adapter for the model the server uses, learnt from a codebase,
its documentation and daily use, and proven on held-out files of that codebase.

1. the data, in layers (context.training_data), with the funnel printed per layer; the code
   files split before any sample is cut: held-out files give tasks, never samples;
2. line-completion tasks cut from the held-out files (the `bench make-tasks` way), answered
   through the real completion pipeline (a server over stdio, as `bench quality` does) by the
   base model;
3. LoRA training (models.training: PyTorch, transformers, PEFT; the `train` extra) bounded in
   minutes or steps, resumable, with a progress bar;
4. the adapter written as llama.cpp LoRA GGUF for that base, the same tasks answered again
   with it (model.lora_path), both figures and their difference printed and written to
   ADAPTER.json. An adapter that did not help is said so and not switched on.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import msgspec

from atelier.context.languages import EXTENSIONS
from atelier.context.training_data import LayerFunnel, accepted_layer, attempts_layer, code_layer, docs_layer
from atelier.lsp_server.bench.output import Progress
from atelier.lsp_server.bench.quality import BENCH_SETTINGS, complete_tasks, summarise
from atelier.lsp_server.bench.tasks import cut_tasks, usable
from atelier.lsp_server.cli.corpus import policy_from
from atelier.lsp_server.engine.feedback import STORE_NAME, FeedbackStore
from atelier.lsp_server.engine.generate_to_pass import DATASET
from atelier.lsp_server.logs import data_dir
from atelier.models import training
from atelier.models.errors import ModelError
from atelier.models.fim import detect_fim
from atelier.models.llama import new_llama
from atelier.models.locate import check_gguf, resolve_model_path

MIN_TRAIN_TOKENS = 2_000
MIN_TASKS = 5
PER_FILE = 8  # tasks per held-out file, at most (lines at least 20 apart)


def _say(message: str) -> None:
    print(f"atelier train: {message}", file=sys.stderr, flush=True)


class TrainProgress:
    """The training's line on stderr: step, loss, tokens/s, time left. Rewritten in place on a
    terminal; elsewhere a line every 30 s."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, p: dict) -> None:
        now = time.monotonic()
        if not self.tty and now - self.last < 30 and p["step"] > 1:
            return
        self.last = now
        if p["steps"]:
            done = (p["step"] - p["resumed_from"]) / max(1, p["steps"] - p["resumed_from"])
            left = p["elapsed"] / max(done, 1e-9) * (1 - done)
            if p["deadline"] != float("inf"):
                left = min(left, p["deadline"] - p["elapsed"])
            total = f"/{p['steps']}"
        else:
            done = min(1.0, p["elapsed"] / p["deadline"])
            left, total = p["deadline"] - p["elapsed"], ""
        bar = "#" * int(24 * done) + "-" * (24 - int(24 * done))
        line = (f"train [{bar}] step {p['step']}{total} loss {p['loss']:.3f} "
                f"{p['tokens_per_s']:.0f} tok/s {max(0, left) / 60:.1f} min left")
        sys.stderr.write(("\r" + line) if self.tty else line + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def accepted_by_file(root: Path) -> dict[str, int]:
    """Accepted completions per file of `root`, from the feedback store (if there is one)."""
    store = data_dir() / STORE_NAME
    if not store.is_file():
        return {}
    try:
        feedback = FeedbackStore(store)
        try:
            return feedback.accepted_by_file(str(root.resolve()))
        finally:
            feedback.close()
    except Exception as exc:  # a damaged store must not stop training
        _say(f"feedback store {store} not read ({exc})")
        return {}


def tokenize(vocab, samples: list[dict]) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, completion ids) with llama.cpp's own tokenizer for the base: the ids the
    server will see. FIM markers in code samples are read as the special tokens they are."""
    out = []
    for s in samples:
        special = s["layer"] in ("code", "accepted")
        prompt = vocab.tokenize(s["prompt"].encode(), add_bos=True, special=special) if s["prompt"] else \
            vocab.tokenize(b"", add_bos=True, special=False)
        completion = vocab.tokenize(s["completion"].encode(), add_bos=False, special=special)
        out.append((list(prompt), list(completion)))
    return out


def funnel_table(lines: list[LayerFunnel]) -> list[str]:
    rows = [f"{'layer':<10} {'in':>7} {'filtered':>9} {'dupl.':>7} {'samples':>8} {'tokens':>10}"]
    for f in lines:
        rows.append(f"{f.layer:<10} {f.items:>7} {f.filtered:>9} {f.duplicates:>7} {f.samples:>8} {f.tokens:>10,}"
                    + (f"  {f.note}" if f.note else ""))
    return rows


def evaluate(root: Path, tasks: list[dict], base: Path, adapter: Path | None, threads: int, policy_settings: dict,
             label: str, extra: dict | None = None) -> dict:
    """EM and ES (percent) of the tasks through the real pipeline: a server over stdio with
    the base model, and the adapter when given; a fresh data folder (no index of the user's)."""
    settings = json.loads(json.dumps(BENCH_SETTINGS))
    settings["model"] = {"path": str(base), "n_threads": threads, **({"lora_path": str(adapter)} if adapter else {})}
    settings["licenses"] = policy_settings
    for section, values in (extra or {}).items():
        settings.setdefault(section, {}).update(values)
    progress = Progress(len(tasks), label)
    previous = os.environ.get("ATELIER_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="atelier-train-eval-") as folder:
        os.environ["ATELIER_DATA_DIR"] = folder
        try:
            timed = asyncio.run(complete_tasks(tasks, root.parent, settings, progress))
        finally:
            if previous is None:
                os.environ.pop("ATELIER_DATA_DIR", None)
            else:
                os.environ["ATELIER_DATA_DIR"] = previous
    progress.done()
    answers = [a for a, _ in timed]
    report = summarise(tasks, answers, "full")
    report["answers"] = answers
    return report


def run_train(path: Path, out: Path | None, minutes: float | None, steps: int | None, rank: int, device: str,
              as_json: bool, use: bool, model: str | None = None, hf_checkpoint: str | None = None,
              deny: list[str] | None = None, allow: list[str] | None = None, threads: int | None = None,
              learning_rate: float = 3e-4, seq_len: int = 512, max_tasks: int = 100, seed: int = 0,
              fresh: bool = False, eval_settings: dict | None = None) -> int:
    started = time.monotonic()
    root = path.resolve()
    if not root.is_dir():
        _say(f"{path} is not a folder: give the root of a codebase")
        return 2
    try:
        base, source = resolve_model_path(model)
        check_gguf(base, source)
    except ModelError as exc:
        _say(f"cannot train: {exc}")
        return 2
    out = (out or root.parent / f"{root.name}-lora.gguf").resolve()
    threads = threads or training.default_threads()
    try:
        training.import_torch()
        base_meta = training.check_base(base, from_gguf=hf_checkpoint is None)
        training.check_space(training.TrainConfig(base=base, out=out, rank=rank), base_meta)
    except training.TrainError as exc:
        _say(str(exc))
        return 2
    vocab = new_llama(model_path=str(base), vocab_only=True, verbose=False)
    fmt = detect_fim(lambda t: len(vocab.tokenize(t.encode(), add_bos=False, special=True)) == 1)
    policy = policy_from(deny, allow)

    # 1. The data, in layers; the held-out files never give a sample.
    code, train_files, heldout_files, _, code_line = code_layer(root, policy, fmt, seed)
    heldout = {k.path for k in heldout_files}
    docs, docs_line = docs_layer(root, policy)
    attempts, attempts_line = attempts_layer(data_dir() / DATASET, root, policy, heldout)
    accepted, accepted_line = accepted_layer(code, accepted_by_file(root))
    layers = [(code, code_line), (docs, docs_line), (attempts, attempts_line), (accepted, accepted_line)]
    samples: list[dict] = []
    tokens: list[tuple[list[int], list[int]]] = []
    for layer_samples, line in layers:
        ids = tokenize(vocab, layer_samples)
        line.tokens = sum(len(p) + len(c) for p, c in ids)
        samples += layer_samples
        tokens += ids
    print(f"atelier train {root} → {out}")
    print(f"base: {base} ({source}); {'FIM format ' + fmt.name if fmt else 'no FIM tokens: next-token samples'}")
    print("\n".join(funnel_table([line for _, line in layers])))
    if leaked := heldout & {s["path"] for s in samples if s["layer"] != "docs"}:
        raise AssertionError(f"held-out files in the training data: {sorted(leaked)}")

    # 2. Held-out tasks.
    texts = {k.path: (k.text, EXTENSIONS[Path(k.path).suffix.lower()]) for k in train_files + heldout_files if usable(k.text)}
    tasks = cut_tasks(root.name, root.name, texts, max_tasks, seed, PER_FILE, only=heldout)
    train_tokens = sum(len(c) for _, c in tokens)
    print(f"held out: {len(heldout)} files, {len(tasks)} line-completion tasks")
    if train_tokens < MIN_TRAIN_TOKENS or len(tasks) < MIN_TASKS:
        _say(f"too little data: {train_tokens:,} tokens to learn (at least {MIN_TRAIN_TOKENS:,}) and {len(tasks)} held-out "
             f"tasks (at least {MIN_TASKS}) from {len(train_files) + len(heldout_files)} files: give a larger codebase")
        return 2
    policy_settings = {"deny": list(policy.deny), "allow": list(policy.allow)}
    before = evaluate(root, tasks, base, None, threads, policy_settings, "held-out, base", eval_settings)
    print(f"base model on held-out tasks: EM {before['em']:.2f}%  ES {before['es']:.2f}%")

    # 3. Training.
    config = training.TrainConfig(base=base, out=out, hf_checkpoint=Path(hf_checkpoint) if hf_checkpoint else None,
                                  rank=rank, learning_rate=learning_rate, seq_len=seq_len,
                                  minutes=None if steps is not None and minutes is None else (minutes or 30.0),
                                  steps=steps, threads=threads, device=device, seed=seed, fresh=fresh)
    print(f"training: rank {rank}, {threads} thread{'s' * (threads > 1)}, device {device}, "
          + (f"{steps} steps" if steps is not None else "") + (" or " if steps is not None and config.minutes else "")
          + (f"{config.minutes:g} min" if config.minutes else ""))
    print("loading the base into PyTorch (dequantised from the GGUF) ...", flush=True)
    progress = TrainProgress()
    try:
        peft_model, result = training.train(config, tokens, vocab.token_eos(), progress, say=_say)
        progress.done()
        training.write_adapter(peft_model, base, out, config.lora_alpha)
    except training.TrainError as exc:
        progress.done()
        _say(str(exc))
        return 2
    del peft_model
    print(f"trained {result.run_tokens:,} tokens on {result.device} in {result.run_seconds:.0f} s ({result.tokens_per_s:.1f} tokens/s; "
          f"{result.tokens:,} tokens, {result.steps} steps in all{', resumed at step ' + str(result.resumed_from) if result.resumed_from else ''}); "
          f"loss {result.loss_first:.3f} → {result.loss_last:.3f}; stopped by {result.stopped_by}")
    if result.stopped_by == "interrupted":
        _say(f"interrupted: the checkpoint is in {config.checkpoint}; run the same command to resume")

    # 4. The proof.
    after = evaluate(root, tasks, base, out, threads, policy_settings, "held-out, adapter", eval_settings)
    d_em, d_es = after["em"] - before["em"], after["es"] - before["es"]
    # Exact match must rise: edit similarity alone moves by noise on a few dozen held-out tasks.
    helped = d_em > 0
    print(f"held-out tasks ({len(tasks)}): EM {before['em']:.2f}% → {after['em']:.2f}% ({d_em:+.2f}), "
          f"ES {before['es']:.2f}% → {after['es']:.2f}% ({d_es:+.2f})")
    changed = sum(a != b for a, b in zip(before["answers"], after["answers"]))
    print(f"answers changed by the adapter: {changed} of {len(tasks)}")
    report = {
        "adapter": str(out), "base": str(base), "heldout_tasks": len(tasks), "heldout_files": sorted(heldout),
        "em_base": before["em"], "em_adapter": after["em"], "es_base": before["es"], "es_adapter": after["es"],
        "helped": helped, "train_tokens": result.run_tokens, "train_tokens_total": result.tokens,
        "tokens_per_s": round(result.tokens_per_s, 1), "seconds": round(time.monotonic() - started, 1),
        "train_seconds": round(result.run_seconds, 1), "steps": result.steps, "resumed_from": result.resumed_from,
        "stopped_by": result.stopped_by, "loss_first": result.loss_first, "loss_last": result.loss_last,
        "rank": rank, "alpha": config.lora_alpha, "learning_rate": learning_rate, "seq_len": seq_len,
        "device": result.device, "threads": threads, "fim": fmt.name if fmt else None, "seed": seed,
        "layers": [msgspec.to_builtins(line) for _, line in layers],
    }
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if not helped:
        print(f"the adapter did not help on the held-out files: it is not switched on (kept in {out} for the record)")
    elif use:
        print(f"the adapter helped. Atelier keeps no settings file of its own (settings come from the editor): set "
              f"model.lora_path to {out} there, e.g. VS Code \"atelier.model.lora_path\": \"{out}\", or "
              f"initializationOptions {json.dumps({'model': {'lora_path': str(out)}})}; unset it to roll back")
    else:
        print(f"the adapter helped: switch it on with model.lora_path = {out} (or run again with --use)")
    if as_json:
        print(json.dumps({k: report[k] for k in ("adapter", "heldout_tasks", "em_base", "em_adapter", "es_base",
                                                 "es_adapter", "train_tokens", "tokens_per_s", "seconds")}))
    return 130 if result.stopped_by == "interrupted" else 0
