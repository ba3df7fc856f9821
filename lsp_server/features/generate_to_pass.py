"""`atelier.generateToPassTests` (the code action "Atelier: Generate to pass the tests"):
thin LSP glue over engine.generate_to_pass. Candidates are sampled by the model (on its
thread) and tested on another thread, so completions go on meanwhile; the passing body
reaches the file only through the client (workspace/applyEdit). Only the model writes
candidates: the command takes no code from the client."""

from __future__ import annotations

import asyncio
import functools
import logging
from pathlib import Path
from typing import Any

import msgspec
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from atelier.context.gate import PromptGate
from atelier.context.licenses import HEADER_BYTES
from atelier.context.stubs import choose_tests, find_stub
from atelier.lsp_server.convert import index_at, parse_range
from atelier.lsp_server.delivery import deliver
from atelier.lsp_server.engine import generate_to_pass as passing
from atelier.lsp_server.engine.actions import Outcome
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer
from atelier.lsp_server.logs import data_dir
from atelier.models.backend import CancelToken

log = logging.getLogger(__name__)

COMMAND = "atelier.generateToPassTests"
USAGE = f"{COMMAND} takes {{uri, range, tests?}} or [uri, range, tests?]; tests: a test file or pytest node id"
ARGUMENTS = {"uri", "range", "tests"}


def _arguments(args: tuple) -> dict:
    if len(args) == 1 and isinstance(args[0], dict):
        data = dict(args[0])
        if extra := sorted(set(data) - ARGUMENTS):
            raise JsonRpcInvalidParams(f"unknown arguments {', '.join(extra)}: {USAGE}")
        return data
    if 2 <= len(args) <= 3 and isinstance(args[0], str):
        return {"uri": args[0], "range": args[1], "tests": args[2] if len(args) > 2 else None}
    raise JsonRpcInvalidParams(f"{USAGE}, got {list(args)!r}")


def _tests(root: Path, fs_path: Path, name: str, given: Any, gate: PromptGate) -> tuple[str, Path] | str:
    """(node id relative to root, test file) or a message saying what is missing."""
    if given is not None and not isinstance(given, str):
        raise JsonRpcInvalidParams(f"tests must be a path or pytest node id: {USAGE}")
    if given:
        file, sep, node = given.partition("::")
        path = Path(file) if Path(file).is_absolute() else root / file
        if not path.is_file():
            return f"test file {file} not found under {root}"
    else:
        found = choose_tests(root, fs_path, name, lambda path, text: gate.refusal(path, text[:HEADER_BYTES]) is None)
        if found is None:
            return (f"no test file under {root} mentions `{name}` or imports {fs_path.stem}: write one, or give "
                    f"a test file as the command's argument")
        path, sep, node = found, "", ""
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return f"test file {path} is outside the workspace {root}"
    return rel + sep + node, path


async def generate_to_pass_tests(ls: AtelierServer, services: Services, *args: Any) -> dict:
    data = _arguments(args)
    uri = data.get("uri")
    doc = services.documents.get(uri) if isinstance(uri, str) else None
    if doc is None:
        raise JsonRpcInvalidParams(f"{uri!r} is not an open document: {USAGE}")
    rng = parse_range(data.get("range"))
    text, version = doc.text, doc.version
    start, end = index_at(doc, rng.start), index_at(doc, rng.end)

    def fail(error: str) -> dict:
        ls.show(error, types.MessageType.Warning)
        return {"applied": False, "error": error, "attempts": []}

    fs_path = Path(to_fs_path(uri)) if uri.startswith("file:") else None
    stub = find_stub(text, start, end, any_body=start < end) if doc.language == "python" else None
    if stub is None or fs_path is None:
        return fail("Generate to pass the tests works on a Python function in a saved file whose body is `...`, "
                    "`pass` or `raise NotImplementedError` (or a selected function): put the cursor on one")
    root = Path(ls.root_path() or fs_path.parent)
    if root not in fs_path.parents:
        root = fs_path.parent
    gate = services.workspace.gate
    if refusal := gate.refusal(fs_path, text[:HEADER_BYTES], context=False):
        return fail(refusal)
    chosen = _tests(root, fs_path, stub.name, data.get("tests"), gate)
    if isinstance(chosen, str):
        return fail(chosen)
    tests, test_file = chosen
    # The tests go into every candidate's prompt: through the gate like any other file.
    tests_text = gate.admit(test_file, test_file.read_text(errors="replace"))
    if tests_text is None:
        return fail(f"{gate.refusal(test_file)}; choose another test file")
    settings = ls.settings.generate
    req = passing.PassRequest(
        text, stub, fs_path.relative_to(root).as_posix(), str(root), tests, tests_text,
        settings.candidates, settings.temperature, settings.max_tokens, settings.timeout_s, settings.memory_mb,
        settings.python, settings.seed, settings.isolation)
    if refused := await asyncio.to_thread(passing.refusal, req):  # no cage here: say why, before any sampling
        return fail(refused)
    backend = await services.model.backend()
    if backend is None:
        return fail(services.model.unavailable())
    cancel = CancelToken()

    def draw(i: int) -> str:  # on the testing thread: the model's own thread samples
        return services.model.run_blocking(functools.partial(passing.sample, backend, req, i), cancel)

    token = await ls.begin_progress(f"generating {stub.name} to pass {tests}", 0)
    loop = asyncio.get_running_loop()

    def report(i: int, attempt: passing.Attempt) -> None:  # on the testing thread
        message = f"candidate {i + 1}/{req.candidates}: {'passed' if attempt.passed else 'failed'}"
        loop.call_soon_threadsafe(ls.report_progress, token, message, (i + 1) * 100 // req.candidates)

    try:
        outcome = await asyncio.to_thread(passing.generate_to_pass, req, draw, data_dir(), backend.name, cancel, report)
    except asyncio.CancelledError:
        cancel.cancel()
        raise
    finally:
        ls.end_progress(token, "done")
    log.info("generate to pass %s: %d attempts, winner %d", tests, len(outcome.attempts), outcome.winner)
    title = f"Generate `{stub.name}` to pass {tests}"
    answer = await deliver(ls, Outcome("pass", title, edit=outcome.edit, error=outcome.error), uri, version, text)
    if outcome.edit is not None:
        ls.show(f"candidate {outcome.winner + 1} of {len(outcome.attempts)} tried passes {tests}", types.MessageType.Info)
    answer["attempts"] = [msgspec.to_builtins(a) for a in outcome.attempts]
    answer["winner"] = outcome.winner
    answer["tests"] = tests
    return answer


def register(server: AtelierServer, services: Services) -> None:
    @server.command(COMMAND)
    async def generate_to_pass_command(ls: AtelierServer, *args: Any) -> dict:
        return await generate_to_pass_tests(ls, services, *args)
