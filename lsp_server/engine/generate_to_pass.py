"""Generate to pass the tests, without LSP: sample candidate bodies for a function at a
temperature above zero, run the chosen tests against each in the sandbox (engine.sandbox,
on a temporary copy of the workspace, in its cage unless `isolation` is "none"), keep the
first that passes. Every attempt is appended to the local dataset (JSONL in Atelier's data
folder): training data nobody else has."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Callable

import msgspec

from atelier.context.edits import Edit, parses_no_worse
from atelier.context.secrets import redact
from atelier.context.stubs import Stub, cut_body, prompt, with_body
from atelier.lsp_server.engine.sandbox import cage_problem, run_sandboxed
from atelier.models.backend import Backend, CancelToken, CompletionRequest

DATASET = "dataset/attempts.jsonl"
# The test runner in the sandbox: pytest when the interpreter has it, else each test_*
# function of the file called in turn (enough for plain asserts).
_RUNNER = """
import os, sys, traceback
sys.path.insert(0, os.getcwd())
TARGET = {target!r}
if not {plugins!r}:  # the server's own pytest plugins are not the project's: skip them (3 s each run)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
try:
    import pytest
except ImportError:
    pytest = None
if pytest is not None:
    sys.exit(int(pytest.main(["-q", "-x", "--no-header", "-p", "no:cacheprovider", TARGET])))
import importlib.util
path, _, only = TARGET.partition("::")
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
spec = importlib.util.spec_from_file_location("atelier_tests", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
ran = failed = 0
for name in sorted(vars(module)):
    test = getattr(module, name)
    if name.startswith("test") and callable(test) and (not only or name == only):
        ran += 1
        try:
            test()
        except Exception:
            failed += 1
            traceback.print_exc()
print(f"{{ran - failed}} passed, {{failed}} failed")
sys.exit(1 if failed or not ran else 0)
"""


class PassRequest(msgspec.Struct, frozen=True):
    text: str  # the document, as the editor holds it
    stub: Stub
    source: str  # the file, relative to root
    root: str  # copied into the sandbox
    tests: str  # a test file or pytest node id, relative to root
    tests_text: str  # shown to the model
    candidates: int = 8
    temperature: float = 0.8
    max_tokens: int = 256
    timeout_s: float = 20.0
    memory_mb: int = 1024
    python: str | None = None
    seed: int | None = None  # candidate i samples with seed + i; None: unseeded
    isolation: str = "auto"  # "auto": the tests run caged, or not at all; "none": unconfined (unsafe)


class Attempt(msgspec.Struct):
    candidate: str  # the body
    passed: bool
    output: str = ""  # the tail of the test run's output, or why it did not run
    seconds: float = 0.0


class PassOutcome(msgspec.Struct):
    attempts: list[Attempt]
    edit: Edit | None = None  # the passing body, in the request's text
    winner: int = -1  # its index in attempts
    error: str = ""


def sample(backend: Backend, req: PassRequest, number: int = 0, cancel: CancelToken | None = None) -> str:
    """Candidate `number`'s body from the model (runs on the model's worker thread)."""
    text = prompt(req.text, req.stub, req.tests_text, req.tests)
    indent = req.stub.indent
    # The body's indentation is the answer's start, in tokens of the model's choosing (token
    # healing): a prompt that ends in spaces derails small models; without healing, the prompt has it.
    heal = indent if backend.heals else ""

    def ended(raw: str) -> bool:  # a line indented less than the body: the function is over
        lines = (raw if heal else indent + raw).split("\n")[:-1]  # without healing, line 1's indent is the prompt's
        return any(line.strip() and not line.startswith(indent) for line in lines)

    result = backend.complete(
        CompletionRequest(text if heal else text + indent, stop=("\nclass ", "\nif __name__", "\n# "),
                          max_tokens=req.max_tokens, temperature=req.temperature, heal=heal,
                          seed=None if req.seed is None else req.seed + number),
        cancel, ended)
    return cut_body(result.text if heal else indent + result.text, indent)


def refusal(req: PassRequest) -> str:
    """Why the tests cannot run here ('' when they can): no cage, and isolation is not "none"."""
    if req.isolation == "none":
        return ""
    problem = cage_problem(req.python or sys.executable)
    if not problem:
        return ""
    return (f"Generate to pass the tests runs model-written code only in a cage (Linux namespaces, through "
            f"bubblewrap), and none can be made here: {problem}. Install bubblewrap (Debian, Ubuntu: "
            f"apt-get install bubblewrap), or set generate.isolation to \"none\" to run the tests without it "
            f"(unsafe: the code can then reach the network, your files and the server)")


def run_candidate(req: PassRequest, body: str) -> Attempt:
    """Run the tests against the document with `body` in place, in the sandbox."""
    start = time.perf_counter()
    if not body.strip():
        return Attempt(body, False, "the model wrote no body")
    new_text = with_body(req.text, req.stub, body)
    if not parses_no_worse("python", req.text, new_text):
        return Attempt(body, False, "the candidate does not parse")
    runner = _RUNNER.format(target=req.tests, plugins=req.python is not None)
    result = run_sandboxed(runner, req.timeout_s, req.memory_mb << 20,
                           workspace=Path(req.root), files={req.source: new_text}, python=req.python,
                           isolation=req.isolation)
    output = result.output if result.reason != "timeout" else result.output + f"\n(stopped after {req.timeout_s:g} s)"
    return Attempt(body, result.passed, output.strip()[-1500:], round(time.perf_counter() - start, 3))


def record(folder: Path, req: PassRequest, attempt: Attempt, index: int, run: str, model: str) -> None:
    """Append one attempt to the local dataset (user-only permissions), credential-looking
    strings redacted: the prompt holds the file and its tests, the output the tests' locals."""
    path = folder / DATASET
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = {"kind": "generate_to_pass", "run": run, "attempt": index, "time": time.time(), "model": model,
            "file": req.source, "function": req.stub.name, "tests": req.tests,
            "prompt": redact(prompt(req.text, req.stub, req.tests_text, req.tests)),
            "candidate": redact(attempt.candidate), "passed": attempt.passed,
            "output_tail": redact(attempt.output), "seconds": attempt.seconds}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def generate_to_pass(req: PassRequest, draw: Callable[[int], str], folder: Path, model: str = "",
                     cancel: CancelToken | None = None,
                     progress: Callable[[int, Attempt], None] | None = None) -> PassOutcome:
    """Draw up to `req.candidates` bodies (`draw(i)`: the model, or injected ones in tests),
    test each, stop at the first that passes. A body already tried is not run again."""
    if refused := refusal(req):
        return PassOutcome([], error=refused)
    run = uuid.uuid4().hex[:12]
    attempts: list[Attempt] = []
    tried: dict[str, Attempt] = {}
    for i in range(req.candidates):
        if cancel is not None and cancel.cancelled:
            return PassOutcome(attempts, error="cancelled")
        body = draw(i)
        attempt = Attempt(**msgspec.structs.asdict(tried[body])) if body in tried else run_candidate(req, body)
        tried.setdefault(body, attempt)
        attempts.append(attempt)
        record(folder, req, attempt, i, run, model)
        if progress is not None:
            progress(i, attempt)
        if attempt.passed:
            edit = Edit(req.stub.keep_end, req.stub.end, "\n" + body)
            return PassOutcome(attempts, edit, i)
    last = next((a.output for a in reversed(attempts) if a.output), "").strip().split("\n")
    # pytest's one-line summary of the failure, else the end of the traceback
    tail = next((line for line in last if line.startswith(("FAILED", "ERROR"))), "\n".join(last[-2:]))
    return PassOutcome(attempts, error=f"none of {len(attempts)} candidates for {req.stub.name} passed {req.tests}; "
                                       f"nothing was changed. Last failure: {tail}")
