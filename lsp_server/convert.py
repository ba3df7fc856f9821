"""LSP values to plain ones and back: positions, ranges, custom requests' params."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from atelier.context.document import Document, PositionError
from atelier.lsp_server.language_server import AtelierServer


def index_at(doc: Document, pos: types.Position) -> int:
    try:
        return doc.index_at(pos.line, pos.character, strict=False)
    except PositionError as exc:
        raise JsonRpcInvalidParams(f"position {pos.line}:{pos.character} in {doc.uri}: {exc}") from exc


def position(ls: AtelierServer, text: str, index: int) -> types.Position:
    line_start = text.rfind("\n", 0, index) + 1
    return types.Position(text.count("\n", 0, index), ls.width(text[line_start:index]))


def parse_range(value: Any) -> types.Range:
    try:
        start, end = value["start"], value["end"]
        return types.Range(types.Position(int(start["line"]), int(start["character"])),
                           types.Position(int(end["line"]), int(end["character"])))
    except (TypeError, KeyError, ValueError) as exc:
        raise JsonRpcInvalidParams(f"not an LSP range: {value!r}") from exc


def range_json(r: types.Range) -> dict:
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}


def plain(value: Any) -> Any:
    """pygls hands custom requests' params over as namedtuples: back to JSON values."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
