"""`atelier model list|add|remove|use`: the models folder in Atelier's data folder.

`add` takes a .gguf file, or an https:// URL of your own mirror with --sha256 (models.download:
nothing else is contacted, redirects are refused, an interrupted download resumes)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import msgspec

from atelier.models.errors import ModelError


def add_parser(sub) -> None:
    model = sub.add_parser("model", help="the models folder: list, add (a file or an https:// URL of your mirror), remove, use")
    model_sub = model.add_subparsers(dest="model_command", required=True)
    listing = model_sub.add_parser("list", help="the models in the folder, the one in use, and the default")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_list)
    add = model_sub.add_parser("add", help="copy a .gguf file into the folder, or download one from your mirror")
    add.add_argument("source", help="a .gguf file, or an https:// URL (then --sha256 is required)")
    add.add_argument("--sha256", help="the file's SHA-256 (sha256sum prints it): checked before the model is added")
    add.add_argument("--name", help="the file name in the folder (default: the source's)")
    add.add_argument("--ca-file", help="PEM certificate(s) of the CA that signed your mirror's certificate "
                                       "(default: $ATELIER_CA_FILE, else the system's trust store)")
    add.add_argument("--use", action="store_true", help="then use it (atelier model use NAME)")
    add.add_argument("--quiet", action="store_true", help="no progress bar")
    add.set_defaults(func=cmd_add)
    remove = model_sub.add_parser("remove", help="delete a model from the folder")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_remove)
    use = model_sub.add_parser("use", help="load this model when neither model.path nor $ATELIER_MODEL is set")
    use.add_argument("name", help="a model in the folder, or `default` for the bundled default")
    use.set_defaults(func=cmd_use)


def _fail(exc: Exception) -> int:
    print(f"atelier: {exc}", file=sys.stderr)
    return 2


def cmd_list(args: argparse.Namespace) -> int:
    from atelier.models.locate import bundled_model
    from atelier.models.store import list_models, models_dir

    entries = list_models(bundled_model())
    if args.json:
        print(json.dumps(msgspec.to_builtins(entries), indent=2))
        return 0
    print(f"models folder: {models_dir()}")
    if not entries:
        print("no models: add one with `atelier model add FILE`")
    chosen = any(e.chosen for e in entries)
    for e in entries:
        mark = "*" if e.chosen or (e.default and not chosen) else " "
        note = "  (default, used when none is chosen)" if e.default else ""
        print(f"{mark} {e.name:<48} {e.size_mb:>8.1f} MB{note}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from atelier.models import store

    try:
        if args.source.startswith(("https://", "http://")):
            from atelier.models.download import download

            if not args.sha256:
                return _fail(ModelError("a URL needs --sha256 (the file's SHA-256, as your mirror lists it)"))
            path = download(args.source, args.sha256, name=args.name, ca_file=args.ca_file, progress=not args.quiet)
        else:
            from atelier.models.locate import check_gguf

            source = Path(args.source).expanduser()
            check_gguf(source, "atelier model add")
            path = store.add_file(source, args.name, args.sha256)
        print(f"added {path}")
        if args.use:
            store.use(path.name)
            print(f"Atelier now uses {path.name} (unless model.path or $ATELIER_MODEL says otherwise)")
    except ModelError as exc:
        return _fail(exc)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from atelier.models.store import remove

    try:
        print(f"removed {remove(args.name)}")
    except ModelError as exc:
        return _fail(exc)
    return 0


def cmd_use(args: argparse.Namespace) -> int:
    from atelier.models.store import use

    try:
        path = use(None if args.name == "default" else args.name)
    except ModelError as exc:
        return _fail(exc)
    print(f"Atelier now uses {path.name if path else 'the bundled default model'} "
          "(unless model.path or $ATELIER_MODEL says otherwise; a running server: reload the window)")
    return 0
