"""`atelier`: serve, complete, doctor, demo, licenses, dataset, train and bench."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from atelier.lsp_server import __version__

LOG_LEVELS = ["debug", "info", "warning", "error"]


def cmd_serve(args: argparse.Namespace) -> int:
    from atelier.lsp_server.logs import data_dir, setup_logging
    from atelier.lsp_server.transport.security import BindRefused, check_bind, ensure_token

    if args.tcp:
        try:
            check_bind(args.host, args.allow_remote)
        except BindRefused as exc:
            print(f"atelier: {exc}", file=sys.stderr)
            return 2
    from atelier.lsp_server.server import create_server

    setup_logging(args.log_level)
    server = create_server()
    if args.tcp:
        from atelier.lsp_server.transport.tcp import serve_tcp

        token, token_file = ensure_token(data_dir())

        def announce(addresses: list[tuple[str, int]]) -> None:
            where = ", ".join(f"{h}:{p}" for h, p in addresses)
            print(f"atelier: listening on {where}; clients send the token in {token_file} "
                  "as initializationOptions.token", file=sys.stderr, flush=True)

        serve_tcp(server, args.host, args.port, token, announce)
    else:
        # llama-cpp-python silences model loading by pointing fd 1 at /dev/null for a while:
        # the protocol gets its own copy of stdout, and fd 1 goes to stderr for good.
        protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
        os.dup2(2, 1)
        from atelier.lsp_server.transport.framing import FramedReader

        server.start_io(FramedReader(sys.stdin.buffer), protocol_out)
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    from atelier.lsp_server.logs import setup_logging
    from atelier.lsp_server.cli.complete import complete_file

    setup_logging(args.log_level, to_file=False)
    return complete_file(Path(args.file), args.line, args.col, args.model, args.max_tokens)


def cmd_stats(args: argparse.Namespace) -> int:
    from atelier.lsp_server.engine.feedback import print_stats
    from atelier.lsp_server.logs import data_dir

    return print_stats(data_dir(), args.json)


def cmd_doctor(args: argparse.Namespace) -> int:
    from atelier.lsp_server.cli.doctor import run_doctor

    return run_doctor(args.model, as_json=args.json, load=not args.no_load)


def cmd_demo(args: argparse.Namespace) -> int:
    from atelier.lsp_server.cli.demo import run_demo

    return run_demo(Path(args.file) if args.file else None, args.line)


def cmd_bench_latency(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.latency import run_latency

    return run_latency(
        Path(args.file) if args.file else None,
        args.requests,
        args.json,
        args.model,
        Path(args.replay_file) if args.replay_file else None,
        args.typing_ms,
    )


def cmd_bench_session(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.session import run_session

    return run_session(Path(args.file) if args.file else None, Path(args.other) if args.other else None,
                       args.json, args.model, args.pause_s, Path(args.third) if args.third else None)


def cmd_bench_decode(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.decode import run_decode

    return run_decode(Path(args.file) if args.file else None, args.requests, args.draft, args.json, args.model,
                      args.llama_cpp_draft)


def cmd_bench_quality(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.quality import run_quality

    predictions = Path(args.predictions) if args.predictions else None
    return run_quality(Path(args.tasks), args.context, args.limit, args.json, args.settings, predictions)


def cmd_bench_make_tasks(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.tasks import run_make_tasks

    sources = [Path(s) for s in args.src_dir]
    return run_make_tasks(sources, Path(args.out), args.language, args.max_tasks, args.seed, args.per_file)


def cmd_bench_next_edit(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.next_edit import run_next_edit

    return run_next_edit(Path(args.tasks), args.predictors.split(","), args.limit, args.json,
                         Path(args.predictions) if args.predictions else None)


def cmd_bench_make_next_edit_tasks(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.next_edit import run_make_tasks as run_make_next_edit_tasks

    return run_make_next_edit_tasks(Path(args.git_dir), Path(args.out), args.max_commits, args.per_repo)


def cmd_bench_context(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.context import run_context_bench

    return run_context_bench(Path(args.workspace) if args.workspace else None, args.files, args.positions, args.json)


def cmd_bench_humaneval(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.humaneval import run_humaneval

    predictions = Path(args.predictions) if args.predictions else None
    data = Path(args.data) if args.data else None
    return run_humaneval(args.set, data, args.limit, args.json, args.settings, args.auto_indent, predictions)


def cmd_licenses(args: argparse.Namespace) -> int:
    from atelier.lsp_server.cli.corpus import run_licenses

    return run_licenses(Path(args.path), args.json, args.deny, args.allow)


def cmd_dataset_export(args: argparse.Namespace) -> int:
    from atelier.lsp_server.cli.corpus import run_export

    return run_export(Path(args.path), Path(args.out), args.fim, args.kind, args.deny, args.allow, args.seed, args.json)


def cmd_train(args: argparse.Namespace) -> int:
    from atelier.lsp_server.cli.train import run_train

    return run_train(Path(args.path), Path(args.out) if args.out else None, args.minutes, args.steps, args.rank,
                     args.device, args.json, args.use, args.model, args.hf_checkpoint, args.deny, args.allow,
                     args.threads, args.learning_rate, args.seq_len, args.max_tasks, args.seed, args.fresh)


def _policy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--deny", action="append", metavar="PATTERN",
                        help="licence to exclude, SPDX shell pattern (repeatable; replaces the default: GPL, AGPL, SSPL, EUPL, BUSL "
                             "and unknown licence texts)")
    parser.add_argument("--allow", action="append", metavar="PATTERN", help="licence let in even if denied (repeatable)")


def cmd_bench_soak(args: argparse.Namespace) -> int:
    from atelier.lsp_server.bench.soak import run_soak

    return run_soak(args.requests, args.json, Path(args.file) if args.file else None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atelier", description="On-premise code completion over LSP.")
    parser.add_argument("--version", action="version", version=f"atelier {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    serve.add_argument("--host", default="127.0.0.1", help="TCP address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=2087, help="TCP port (default 2087; 0: any free port)")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a --host other machines can reach (the token then crosses the network unencrypted)")
    serve.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    serve.set_defaults(func=cmd_serve)

    complete = sub.add_parser("complete", help="complete FILE at LINE COL (0-based) and print the completion")
    complete.add_argument("file")
    complete.add_argument("line", type=int)
    complete.add_argument("col", type=int)
    complete.add_argument("--model", help="a .gguf file (default: setting, $ATELIER_MODEL, bundled)")
    complete.add_argument("--max-tokens", type=int, default=None)
    complete.add_argument("--log-level", choices=LOG_LEVELS, default="warning")
    complete.set_defaults(func=cmd_complete)

    stats = sub.add_parser("stats", help="completions shown, accepted and rejected per language (local feedback)")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(func=cmd_stats)

    doctor = sub.add_parser("doctor", help="report Python, llama.cpp, GPU offload, model, grammars, data folder")
    doctor.add_argument("--model", metavar="FILE", help="a .gguf file to check instead of the default: FIM format, chat "
                        "template, GPU offload, measured tokens/s and the limits derived from them")
    doctor.add_argument("--no-load", action="store_true", help="read the model's metadata only: no loading, no speed measured")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(func=cmd_doctor)

    from atelier.lsp_server.cli.model import add_parser as add_model_parser

    add_model_parser(sub)

    demo = sub.add_parser("demo", help="start the server, drive it like an editor on a real file, print a completion")
    demo.add_argument("--file", help="source file to complete in (default: one of Atelier's own)")
    demo.add_argument("--line", type=int, default=None, help="0-based line to complete at")
    demo.set_defaults(func=cmd_demo)

    licenses = sub.add_parser("licenses", help="files per licence under PATH, and what the licence policy excludes")
    licenses.add_argument("path", help="the root of a codebase")
    licenses.add_argument("--json", action="store_true", help="print JSON")
    _policy_arguments(licenses)
    licenses.set_defaults(func=cmd_licenses)

    dataset = sub.add_parser("dataset", help="fine-tuning data from a codebase")
    dataset_sub = dataset.add_subparsers(dest="dataset", required=True)
    export = dataset_sub.add_parser("export", help="FIM and instruction samples from PATH as JSONL, licence- and secret-filtered, deduplicated")
    export.add_argument("path", help="the root of a codebase")
    export.add_argument("--out", required=True, help="the .jsonl file to write")
    export.add_argument("--fim", default="starcoder", help="FIM tokens of this model family: qwen, starcoder, deepseek, codestral, codellama")
    export.add_argument("--kind", choices=["all", "fim", "instruct"], default="all",
                        help="samples to write: fim ({\"text\"}), instruct ({\"messages\"}) or both (default)")
    export.add_argument("--seed", type=int, default=0, help="where the FIM middles are cut")
    export.add_argument("--json", action="store_true", help="print the funnel as JSON")
    _policy_arguments(export)
    export.set_defaults(func=cmd_dataset_export)

    train = sub.add_parser("train", help="a LoRA adapter for the model from PATH's code, docs and daily use, "
                           "proven on held-out files (needs the train extra)")
    train.add_argument("path", help="the root of a codebase")
    train.add_argument("--out", metavar="ADAPTER.gguf", help="the adapter to write (default: PATH-lora.gguf beside PATH); "
                       "its figures go to ADAPTER.json, its checkpoint to ADAPTER.gguf.ckpt/")
    limit = train.add_mutually_exclusive_group()
    limit.add_argument("--minutes", type=float, help="train this long (default 30), then measure")
    limit.add_argument("--steps", type=int, help="train up to this many steps in all (a resumed run counts the checkpoint's)")
    train.add_argument("--rank", type=int, default=16, help="LoRA rank (default 16)")
    train.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    train.add_argument("--threads", type=int, help="CPU threads for training and measuring (default: all cores but one)")
    train.add_argument("--learning-rate", type=float, default=3e-4)
    train.add_argument("--seq-len", type=int, default=512, help="tokens per training block")
    train.add_argument("--max-tasks", type=int, default=100, help="held-out line-completion tasks, at most")
    train.add_argument("--seed", type=int, default=0, help="which files are held out, sample order")
    train.add_argument("--fresh", action="store_true", help="ignore the checkpoint: start from the base model")
    train.add_argument("--model", metavar="FILE", help="the base .gguf (default: the server's model)")
    train.add_argument("--hf-checkpoint", metavar="DIR", help="the Hugging Face folder the base GGUF was converted from, "
                       "to train from instead of the dequantised GGUF")
    train.add_argument("--use", action="store_true", help="switch the adapter on (model.lora_path) when it helped")
    train.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    _policy_arguments(train)
    train.set_defaults(func=cmd_train)

    bench = sub.add_parser("bench", help="benchmarks")
    bench_sub = bench.add_subparsers(dest="bench", required=True)
    latency = bench_sub.add_parser("latency", help="LSP inline-completion latency vs bare llama-cpp-python")
    latency.add_argument("--file", help="source file to complete in (default: one of Atelier's own)")
    latency.add_argument("--requests", "-n", type=int, default=20)
    latency.add_argument("--model", help="a .gguf file (default: bundled)")
    latency.add_argument("--replay-file", help="file whose function the typing replay types (default: the stdlib's logging/handlers.py)")
    latency.add_argument("--typing-ms", type=int, default=0, help="pause between keystrokes in the replay; 0: wait for each answer")
    latency.add_argument("--json", action="store_true", help="print one JSON object")
    latency.set_defaults(func=cmd_bench_latency)

    session = bench_sub.add_parser("session", help="a scripted working session (open, type, switch files, chat) "
                                   "with warm-up and per-document state, against the same without them")
    session.add_argument("--file", help="file A, ≥ 1,000 lines (default: the stdlib's logging/handlers.py)")
    session.add_argument("--other", help="file B (default: the stdlib's logging/config.py)")
    session.add_argument("--third", help="file C, opened for one more first request (default: the stdlib's logging/__init__.py)")
    session.add_argument("--model", help="a .gguf file (default: bundled)")
    session.add_argument("--pause-s", type=float, default=1.0, help="pause after opening a file, before typing")
    session.add_argument("--json", action="store_true", help="print one JSON object")
    session.set_defaults(func=cmd_bench_session)

    decode = bench_sub.add_parser("decode", help="prompt-lookup decoding vs plain greedy decoding: tokens/s, warm keystroke latency")
    decode.add_argument("--file", help="file to complete in (default: the stdlib's logging/handlers.py)")
    decode.add_argument("--requests", "-n", type=int, default=24)
    decode.add_argument("--draft", type=int, default=6, help="most tokens guessed per batch (model.prompt_lookup)")
    decode.add_argument("--model", help="a .gguf file (default: bundled)")
    decode.add_argument("--llama-cpp-draft", action="store_true",
                        help="also llama-cpp-python's LlamaPromptLookupDecoding (logits_all=True) on the same requests")
    decode.add_argument("--json", action="store_true", help="print one JSON object")
    decode.set_defaults(func=cmd_bench_decode)

    quality = bench_sub.add_parser("quality", help="exact match and edit similarity of line completions on a task set")
    quality.add_argument("--tasks", required=True, help="a tasks .jsonl (from `atelier bench make-tasks`)")
    quality.add_argument("--context", choices=["none", "file", "full"], default="full", help="the completion.context setting")
    quality.add_argument("--limit", type=int, default=None, help="at most N tasks, spread over the set")
    quality.add_argument("--settings", help="more initializationOptions as JSON, e.g. '{\"model\": {\"path\": \"m.gguf\"}}'")
    quality.add_argument("--predictions", help="write each task's answer and scores to this .jsonl")
    quality.add_argument("--json", action="store_true", help="print one JSON object")
    quality.set_defaults(func=cmd_bench_quality)

    next_edit = bench_sub.add_parser("next-edit", help="next-edit suggestions replayed from real edits: exact, wrong, none, latency")
    next_edit.add_argument("--tasks", required=True, help="a tasks .jsonl (from `atelier bench make-next-edit-tasks`)")
    next_edit.add_argument("--predictors", default="propagation", help="next_edit.predictors, comma-separated (default: propagation)")
    next_edit.add_argument("--limit", type=int, default=None, help="at most N tasks, spread over the set")
    next_edit.add_argument("--predictions", help="write each task's outcome and first suggested edit to this .jsonl")
    next_edit.add_argument("--json", action="store_true", help="print one JSON object")
    next_edit.set_defaults(func=cmd_bench_next_edit)

    make_next = bench_sub.add_parser("make-next-edit-tasks", help="next-edit tasks from a git repository's history")
    make_next.add_argument("git_dir", help="a git repository (any)")
    make_next.add_argument("--out", required=True, help="the .jsonl the tasks are appended to")
    make_next.add_argument("--max-commits", type=int, default=3000, help="commits read, newest first")
    make_next.add_argument("--per-repo", type=int, default=100, help="at most this many tasks from the repository")
    make_next.set_defaults(func=cmd_bench_make_next_edit_tasks)

    make_tasks = bench_sub.add_parser("make-tasks", help="cut line-completion tasks from the source of installed packages")
    make_tasks.add_argument("src_dir", nargs="+", help="a package's source folder (site-packages/NAME, node_modules/NAME)")
    make_tasks.add_argument("--out", required=True, help="folder for tasks.jsonl, sources.json and workspaces/")
    make_tasks.add_argument("--language", action="append", help="keep only this language (LSP id; repeatable)")
    make_tasks.add_argument("--max-tasks", type=int, default=100, help="at most N tasks per source folder")
    make_tasks.add_argument("--per-file", type=int, default=1, help="at most N tasks per file")
    make_tasks.add_argument("--seed", type=int, default=0)
    make_tasks.set_defaults(func=cmd_bench_make_tasks)

    humaneval = bench_sub.add_parser("humaneval", help="pass@1 on HumanEval infilling through the server (sandboxed tests)")
    humaneval.add_argument("--set", choices=["single", "multi"], default="single")
    humaneval.add_argument("--limit", type=int, default=None, help="at most N tasks, spread over the set")
    humaneval.add_argument("--data", help="the humaneval-infilling folder (default: ../shared/benchmarks/humaneval-infilling)")
    humaneval.add_argument("--settings", help="more initializationOptions as JSON")
    humaneval.add_argument("--auto-indent", action="store_true", help="cursor after the indentation an editor would insert, not at column 0")
    humaneval.add_argument("--predictions", help="write each task's completion and result to this .jsonl")
    humaneval.add_argument("--json", action="store_true", help="print one JSON object")
    humaneval.set_defaults(func=cmd_bench_humaneval)

    soak = bench_sub.add_parser("soak", help="resident memory over a long replayed editing session (growth after warm-up)")
    soak.add_argument("--requests", "-n", type=int, default=10_000, help="LSP requests to send (default 10,000)")
    soak.add_argument("--file", help="Python file whose function is typed again and again (default: the stdlib's logging/handlers.py)")
    soak.add_argument("--json", action="store_true", help="print one JSON object")
    soak.set_defaults(func=cmd_bench_soak)

    context = bench_sub.add_parser("context", help="index build, index reload and context assembly cost, without the model")
    context.add_argument("--workspace", help="folder to index (default: this Python's site-packages)")
    context.add_argument("--files", type=int, default=2000, help="index at most N files (default 2000)")
    context.add_argument("--positions", type=int, default=200, help="cursors to assemble context at")
    context.add_argument("--json", action="store_true", help="print one JSON object")
    context.set_defaults(func=cmd_bench_context)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
