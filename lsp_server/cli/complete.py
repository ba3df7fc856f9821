"""`atelier complete`: the server's pipeline on one file, without an editor."""

from __future__ import annotations

import sys
from pathlib import Path

from atelier.context.document import Document, PositionError
from atelier.context.assembly import prepare
from atelier.lsp_server.engine.completion import generate
from atelier.lsp_server.settings import CompletionSettings, Settings, SettingsError, merge_settings
from atelier.models.errors import ModelError
from atelier.models.host import ModelHost


def read_source(path: Path) -> str:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        raise ValueError(f"{path} looks binary (it holds NUL bytes): give a source file")
    return data.decode("utf-8", errors="replace")


def complete_file(path: Path, line: int, col: int, model: str | None, max_tokens: int | None) -> int:
    try:
        text = read_source(path)
    except (OSError, ValueError) as exc:
        print(f"atelier: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    update: dict = {"model": {"path": model}} if model else {}
    if max_tokens:
        update["completion"] = {"max_tokens": max_tokens}
    try:
        settings = merge_settings(Settings(), update)
    except SettingsError as exc:
        print(f"atelier: {exc}", file=sys.stderr)
        return 2
    doc = Document(path.resolve().as_uri(), text)
    try:
        snap = prepare(doc, line, col, path.name)
    except PositionError as exc:
        print(f"atelier: {path}:{line}:{col}: {exc}", file=sys.stderr)
        return 2
    host = ModelHost()
    try:
        backend = host.load(settings.model).result()
    except ModelError as exc:
        print(f"atelier: {exc}", file=sys.stderr)
        return 2
    completion_settings: CompletionSettings = settings.completion
    result = host.submit(generate, snap, backend, completion_settings, None).result()
    host.close()
    print(result.text)
    return 0
