"""`atelier demo`: start the server, open a real file as an editor would, erase the rest of a
line as if the user were about to type it, and print the inline completion the server gives."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from lsp_server.driver import EditorSession
from lsp_server.oneshot import read_source


def default_file() -> Path:
    import context.postprocess

    return Path(context.postprocess.__file__)


def pick_cursor(lines: list[str], line: int | None = None) -> tuple[int, int]:
    """A position inside real code: after the `=` of an assignment in the file's second half
    (or on the given line, after its indentation)."""
    if line is not None:
        text = lines[line]
        return line, len(text) - len(text.lstrip())
    for i in range(len(lines) // 2, len(lines)):
        text = lines[i]
        if text.startswith((" ", "\t")) and " = " in text:
            return i, text.index(" = ") + 3
    return len(lines) - 1, len(lines[-1])


async def _demo(path: Path, line: int | None) -> int:
    text = read_source(path)
    lines = text.split("\n")
    row, col = pick_cursor(lines, line)
    session = EditorSession(path.parent)
    t0 = time.perf_counter()
    await session.start()
    print(f"server started; loading model ...", flush=True)
    try:
        await session.wait_ready()
        if session.messages:
            return 1
        print(f"model ready after {time.perf_counter() - t0:.1f} s")
        uri = session.open(path, text)
        original = lines[row][col:]
        session.replace(uri, (row, col), (row, len(lines[row])), "")
        completion, seconds = await session.inline(uri, row, col)
        print(f"\nfile:       {path}:{row + 1}:{col + 1}")
        print(f"typed:      {lines[row][:col]!r}")
        print(f"was:        {original!r}")
        print(f"completion: {completion!r}")
        print(f"latency:    {seconds * 1000:.0f} ms (textDocument/inlineCompletion over stdio, first request on this file)")
        if original:
            # The user types on: one more character, and a new request reuses the model's cache.
            session.replace(uri, (row, col), (row, col), original[0])
            again, warm = await session.inline(uri, row, col + 1)
            print(f"\ntyped:      {lines[row][:col] + original[0]!r}")
            print(f"completion: {again!r}")
            print(f"latency:    {warm * 1000:.0f} ms (next keystroke)")
        return 0 if completion else 1
    finally:
        await session.stop()


def run_demo(path: Path | None, line: int | None) -> int:
    path = path or default_file()
    if not path.is_file():
        print(f"atelier demo: {path} is not a file", file=sys.stderr)
        return 2
    return asyncio.run(_demo(path, line))
