"""`atelier bench humaneval`: pass@1 (greedy) on HumanEval infilling, through the LSP server.

Each task's document is the prompt, an empty line, and the suffix: the dataset removes whole
lines, and an editor user about to write them sits on an empty line, at column 0 (the
dataset's convention: the model writes the indentation) or, with --auto-indent, after the
indentation an editor inserts. The server's answer is inserted there and
`prompt + answer + "\n" + suffix + test + check(entry_point)` runs in a sandboxed child
(`engine.sandbox.run_sandboxed`, in its cage: without one the bench refuses to run)."""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from atelier.context.document import Document
from atelier.lsp_server.bench.output import Progress, print_report
from atelier.lsp_server.bench.quality import BENCH_SETTINGS, spread
from atelier.lsp_server.bench.editor_session import EditorSession
from atelier.lsp_server.bench.data import fresh_data_dir
from atelier.context.assembly import prepare
from atelier.lsp_server.engine.completion import generate
from atelier.lsp_server.engine.sandbox import SandboxResult, cage_problem, run_sandboxed  # noqa: F401  (re-exported)
from atelier.lsp_server.settings import Settings

SETS = {
    "single": "HumanEval-SingleLineInfilling.jsonl.gz",
    "multi": "HumanEval-MultiLineInfilling.jsonl.gz",
}
# The file the tasks are opened as: its name is in the prompt's header line.
FILE_NAME = "solution.py"
# A benchmark run scores one answer, where an editor user would accept it and ask for the
# next part: the multi-line set raises the token and line caps above its longest canonical
# span (266 tokens, 29 lines with SmolLM2's tokenizer) so that no cap cuts a correct answer.
# The single-line set keeps the editor's defaults: all its spans fit them.
CAPS = {"single": {}, "multi": {"max_tokens": 320, "max_lines": 40}}


def bench_settings(which: str, settings_json: str | None = None) -> dict:
    """initializationOptions for a run: no time caps (bench_quality.BENCH_SETTINGS), the
    set's caps, then what --settings gives."""
    init = json.loads(json.dumps(BENCH_SETTINGS))
    init["completion"].update(CAPS[which])
    for section, values in (json.loads(settings_json) if settings_json else {}).items():
        init.setdefault(section, {}).update(values)
    return init


def default_data() -> Path:
    """`../shared/benchmarks/humaneval-infilling` beside the repository."""
    return Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "humaneval-infilling"


def load_tasks(which: str, data: Path | None = None, limit: int | None = None) -> list[dict]:
    path = (data or default_data()) / SETS[which]
    with gzip.open(path, "rt", encoding="utf-8") as f:
        tasks = [json.loads(line) for line in f if line.strip()]
    return spread(tasks, limit)


def editor_indent(prompt: str) -> str:
    """The white space an editor's auto-indent puts on a new line after `prompt`: the last
    non-empty line's, one level deeper after a `:`. It is read from the prompt alone."""
    last = next((ln for ln in reversed(prompt.split("\n")) if ln.strip()), "")
    indent = last[: len(last) - len(last.lstrip())]
    return indent + "    " if last.rstrip().endswith(":") else indent


def task_document(task: dict, indent: str = "") -> tuple[str, int, int]:
    """The document an editor would hold (text, 0-based line, character of the cursor): the
    cursor on an empty line, after `indent`."""
    prompt = task["prompt"]
    return prompt + indent + "\n" + task["suffix"], prompt.count("\n"), len(indent)


def program(task: dict, completion: str, indent: str = "") -> str:
    """What runs: the document with the completion inserted at the cursor, then the tests."""
    return (
        task["prompt"] + indent + completion + "\n" + task["suffix"]
        + "\n" + task["test"] + f"\n\ncheck({task['entry_point']})\n"
    )


def canonical_span(task: dict) -> str:
    """The removed lines as the cursor sees them: without the last line's newline, which
    the document's empty line already has."""
    return task["canonical_solution"][:-1] if task["canonical_solution"].endswith("\n") else task["canonical_solution"]


class ScriptedBackend:
    """A backend whose "model" answers with a given text: the model's own tokenizer (vocab
    only, no weights), llama.cpp's stop sequences and token cap, and the early stop of
    models/llama.py's `_drain` (`until` after each piece holding a newline). Feeding it the
    canonical solution runs the real pipeline.generate on it: the same cursor analysis,
    prompt, healing, post-processing and syntax guard as the server."""

    name = "scripted"
    heals = True

    def __init__(self, model_path: str | None = None, n_ctx: int = 4096) -> None:
        import llama_cpp

        from atelier.models.fim import detect_fim
        from atelier.models.locate import resolve_model_path

        path, _ = resolve_model_path(model_path)
        self.llama = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
        self.n_ctx = n_ctx
        self.fim = detect_fim(lambda t: len(self._tokens(t, special=True)) == 1)
        self.script = ""

    def _tokens(self, text: str, special: bool = False) -> list[int]:
        return self.llama.tokenize(text.encode(), add_bos=False, special=special) if text else []

    def count_tokens(self, text: str) -> int:
        return len(self._tokens(text))

    def _piece(self, token: int) -> str:
        # Not Llama.detokenize: llama-cpp-python decodes into a 32-byte buffer and silently
        # returns nothing for longer tokens (SmolLM2 has 47: a newline and 32+ spaces, rulers).
        import ctypes

        import llama_cpp

        buf = ctypes.create_string_buffer(256)
        n = llama_cpp.llama_token_to_piece(self.llama._model.vocab, token, buf, len(buf), 0, False)
        return buf.raw[: max(n, 0)].decode("utf-8", errors="ignore")

    def complete(self, request, cancel=None, until=None):
        from atelier.models.backend import CompletionResult

        out = request.heal + self.script  # a healing backend makes the answer re-type `heal`
        out = out[: min([out.find(s) for s in request.stop if s in out] or [len(out)])]
        pieces = [self._piece(t) for t in self._tokens(out)]
        finish = "length" if len(pieces) > request.max_tokens else "stop"
        pieces = pieces[: request.max_tokens]
        for n, piece in enumerate(pieces, 1):
            if until is not None and "\n" in piece and until("".join(pieces[:n])):
                pieces, finish = pieces[:n], "stop"
                break
        return CompletionResult("".join(pieces), self.count_tokens(request.prompt), len(pieces), finish)

    def close(self) -> None:
        pass


def emulate(task: dict, raw: str, backend: ScriptedBackend, settings: Settings | None = None, indent: str = "") -> str:
    """What the server would insert, the cursor after `indent`, if the model's raw output
    (after any healed text) were `raw`. Only the time caps are left out (they depend on the
    machine)."""
    settings = settings or Settings()
    text, line, col = task_document(task, indent)
    doc = Document(Path(tempfile.gettempdir(), FILE_NAME).as_uri(), text, "python")
    backend.script = raw
    return generate(prepare(doc, line, col, FILE_NAME), backend, settings.completion).text


async def _complete_all(tasks: list[dict], settings: dict, progress: Progress, auto_indent: bool = False) -> list[str]:
    answers = []
    with tempfile.TemporaryDirectory(prefix="atelier-humaneval-") as root:
        session = EditorSession(Path(root), settings)
        await session.start()
        try:
            await session.wait_ready()
            path = Path(root) / FILE_NAME
            for task in tasks:
                text, line, col = task_document(task, editor_indent(task["prompt"]) if auto_indent else "")
                uri = session.open(path, text, "python")
                answers.append((await session.inline(uri, line, col))[0])
                session.client.text_document_did_close(_close_params(uri))
                progress.step()
        finally:
            await session.stop()
    return answers


def _close_params(uri: str):
    from lsprotocol import types

    return types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))


def check_all(tasks: list[dict], completions: list[str], timeout_s: float = 10.0, auto_indent: bool = False) -> list[bool]:
    """Run each task's program in the sandbox, two at a time (each child is mostly start-up)."""

    def one(task: dict, completion: str) -> bool:
        indent = editor_indent(task["prompt"]) if auto_indent else ""
        return run_sandboxed(program(task, completion, indent), timeout_s).passed

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, tasks, completions))


def first_line(answer: str) -> str:
    """The answer up to the end of its first non-empty line."""
    head = len(answer) - len(answer.lstrip("\n"))
    return answer[: head] + answer[head:].split("\n", 1)[0]


def run_humaneval(
    which: str,
    data: Path | None,
    limit: int | None,
    as_json: bool,
    settings_json: str | None = None,
    auto_indent: bool = False,
    predictions: Path | None = None,
) -> int:
    try:
        tasks = load_tasks(which, data, limit)
    except OSError as exc:
        print(f"atelier bench humaneval: cannot read the {which} set: {exc} (give --data)", file=sys.stderr)
        return 2
    if problem := cage_problem():  # the model's programs run only caged: say so before any completion
        print(f"atelier bench humaneval: the programs run only in a cage, and none can be made here: {problem} "
              f"(install bubblewrap)", file=sys.stderr)
        return 2
    init = bench_settings(which, settings_json)
    progress = Progress(len(tasks), f"humaneval {which}")
    with fresh_data_dir():
        answers = asyncio.run(_complete_all(tasks, init, progress, auto_indent))
    progress.done()
    passed = check_all(tasks, answers, auto_indent=auto_indent)
    # A single-line task removes one line: also score the answer's first line alone, which
    # shows what the block cut costs or gains on this set.
    first = check_all(tasks, [first_line(a) for a in answers], auto_indent=auto_indent) if which == "single" else passed
    if predictions:
        with predictions.open("w", encoding="utf-8") as f:
            for task, answer, ok, ok_first in zip(tasks, answers, passed, first):
                f.write(json.dumps({"task_id": task["task_id"], "completion": answer, "passed": ok, "passed_first_line": ok_first}) + "\n")
    n = len(tasks)
    report = {
        "set": which,
        "n": n,
        "pass_at_1": round(100 * sum(passed) / n, 2) if n else 0.0,
        "pass_at_1_first_line": round(100 * sum(first) / n, 2) if n else 0.0,
        "empty": sum(1 for a in answers if not a.strip()),
        "multi_line_answers": sum(1 for a in answers if "\n" in a.strip("\n")),
        "auto_indent": auto_indent,
    }
    print_report(report, as_json)
    return 0
