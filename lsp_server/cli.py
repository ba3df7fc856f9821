"""`atelier`: serve, complete, doctor, demo and bench."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lsp_server import __version__

LOG_LEVELS = ["debug", "info", "warning", "error"]


def cmd_serve(args: argparse.Namespace) -> int:
    from lsp_server.logs import setup_logging
    from lsp_server.server import SERVER

    setup_logging(args.log_level)
    if args.tcp:
        SERVER.start_tcp(args.host, args.port)
    else:
        SERVER.start_io()
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    from lsp_server.logs import setup_logging
    from lsp_server.oneshot import complete_file

    setup_logging(args.log_level, to_file=False)
    return complete_file(Path(args.file), args.line, args.col, args.model, args.max_tokens)


def cmd_doctor(args: argparse.Namespace) -> int:
    from lsp_server.doctor import run_doctor

    return run_doctor(args.model, as_json=args.json)


def cmd_demo(args: argparse.Namespace) -> int:
    from lsp_server.demo import run_demo

    return run_demo(Path(args.file) if args.file else None, args.line)


def cmd_bench_latency(args: argparse.Namespace) -> int:
    from lsp_server.bench import run_latency

    return run_latency(
        Path(args.file) if args.file else None,
        args.requests,
        args.json,
        args.model,
        Path(args.replay_file) if args.replay_file else None,
        args.typing_ms,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atelier", description="On-premise code completion over LSP.")
    parser.add_argument("--version", action="version", version=f"atelier {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    serve.add_argument("--host", default="127.0.0.1", help="TCP address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
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

    doctor = sub.add_parser("doctor", help="report Python, llama.cpp, GPU offload, model, grammars, data folder")
    doctor.add_argument("--model", help="a .gguf file to check instead of the default")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(func=cmd_doctor)

    demo = sub.add_parser("demo", help="start the server, drive it like an editor on a real file, print a completion")
    demo.add_argument("--file", help="source file to complete in (default: one of Atelier's own)")
    demo.add_argument("--line", type=int, default=None, help="0-based line to complete at")
    demo.set_defaults(func=cmd_demo)

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
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
