"""`atelier bench session`: a scripted working session on real files through the LSP server,
with warm-up and per-document state, against the same session without them (a second server,
same process, same script).

The script: open A (≥ 1,000 lines; a function of it removed), the cursor put where it was
(a code-action request, as editors send when the cursor moves), pause; type the function back
with a request every 3rd character; open B and type there; open C and type one request's
worth (a third first request: the first request's ratio is the median of the three files',
one noisy moment on a shared machine does not decide it); two chat questions and a code
action (Explain) about A, each followed by typing in A (the first keystroke after each is
one after chat, and is asked again 0.22 s after its answer: the same keystroke, warm, with as
long an answer); switch A/B a few times, typing a little each time (the cursor put first,
as when a tab gets focus); then type in A again while a CPU-bound process of the bench's own
runs on one core. Every request's latency and the prompt tokens it re-evaluated (the
server's counters) are recorded by phase."""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import statistics
import time
from pathlib import Path

import msgspec

from atelier.lsp_server.bench.editor_session import EditorSession
from atelier.lsp_server.bench.output import print_report
from atelier.lsp_server.bench.replay import Step, pick_function, typing_steps
from atelier.lsp_server.bench.data import fresh_data_dir
from atelier.lsp_server.settings import deep_merge

log = logging.getLogger(__name__)

# Settings of the baseline: no warm-up (and so no shorter prompt for a cold cache), one
# evaluated state (llama.cpp's cache) for everything.
BASELINE = {"completion": {"warmup": False}, "model": {"kept_states_mb": 0}}
TYPE_A, TYPE_B, TYPE_C, BACK_A, SWITCH_CHARS, SWITCHES = 60, 30, 3, 30, 9, 3
# What interrupts typing in A (a question, or None for the Explain code action), one at a time.
CHATS = (("chat", "What does the code before the cursor do, in two sentences?"), ("explain", None),
         ("chat_2", "Which names does it use that it does not define?"))
# Before a keystroke is asked again: with its answer's time, past the scheduler's fast-typing
# gap (no debounce), and short of the 0.3 s pause after which a cold answer's full prompt
# starts warming (a batch of which the repeat would wait for: not the keystroke's own cost).
AGAIN_PAUSE_S = 0.22
# The phases that begin with the first request after opening a file and pausing.
OPENED = ("type_a", "type_b", "type_c")


class Request(msgspec.Struct):
    phase: str
    ms: float
    prompt_tokens: int
    reevaluated: int
    text: str
    cold: int = 0  # answered from a shorter prompt (completion.cold_prompt_ms)


def default_files() -> tuple[Path, Path, Path]:
    import logging.config
    import logging.handlers

    return Path(logging.handlers.__file__), Path(logging.config.__file__), Path(logging.__file__)


class _Doc:
    """A file opened with one of its functions removed, typed back step by step."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = path.read_text(encoding="utf-8", errors="replace")
        start, end = pick_function(text)
        lines = text.split("\n")
        self.base = "\n".join(lines[:start] + lines[end:])
        body = "\n".join(lines[start:end]) + "\n"
        self.steps = typing_steps(body, start)
        self.done = 0  # steps typed
        self.uri = ""

    def cursor(self) -> tuple[int, int]:
        if self.done == 0:
            return self.steps[0].line, self.steps[0].col
        return _after(self.steps[self.done - 1])


def _after(step: Step) -> tuple[int, int]:
    return (step.line + 1, 0) if step.char == "\n" else (step.line, step.col + len(step.char.encode("utf-16-le")) // 2)


class _Script:
    def __init__(self, session: EditorSession) -> None:
        self.session = session
        self.requests: list[Request] = []
        self.other_ms: dict[str, float] = {}

    async def request(self, phase: str, doc: _Doc) -> Request:
        before = await self.session.stats()
        text, seconds = await self.session.inline(doc.uri, *doc.cursor())
        after = await self.session.stats()
        r = Request(phase, seconds * 1000, after["prompt_tokens"] - before["prompt_tokens"],
                    after["reevaluated_tokens"] - before["reevaluated_tokens"], text,
                    after["cold_answers"] - before["cold_answers"])
        self.requests.append(r)
        return r

    async def type(self, phase: str, doc: _Doc, chars: int, first: str = "", again: str = "") -> None:
        """Type the next `chars` characters of the function, a request every 3rd (and at each
        newline), each awaited as an editor shows it; the phase of the first one that reaches
        the model (not answered from the last completion while typing through it) is `first`,
        and with `again` that request is made once more, in phase `again`, after a short pause."""
        typed, asked = 0, False
        while typed < chars and doc.done < len(doc.steps):
            step = doc.steps[doc.done]
            self.session.replace(doc.uri, (step.line, step.col), (step.line, step.col), step.char)
            doc.done += 1
            typed += 1
            if step.request:
                r = await self.request(phase, doc)
                if first and not asked and r.prompt_tokens:  # the first that reached the model
                    r.phase, asked = first, True
                    if again:
                        await asyncio.sleep(AGAIN_PAUSE_S)
                        await self.request(again, doc)

    def erase(self, doc: _Doc, steps: int) -> None:
        """Take back the last `steps` characters typed (as undo would)."""
        first = doc.steps[doc.done - steps]
        self.session.replace(doc.uri, (first.line, first.col), doc.cursor(), "")
        doc.done -= steps


def _spin(stop) -> None:  # a CPU-bound process on one core
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    while not stop.is_set():
        sum(i * i for i in range(10_000))


async def _run_session(paths: tuple[Path, Path, Path], settings: dict, pause_s: float, loaded: bool) -> _Script:
    a_path, b_path, c_path = paths
    session = EditorSession(a_path.parent, settings)
    await session.start()
    script = _Script(session)
    try:
        await session.wait_ready()
        a, b = _Doc(a_path), _Doc(b_path)
        # Open A, the cursor where the function goes, pause, type it.
        a.uri = session.open(a.path, a.base, "python")
        await session.cursor(a.uri, *a.cursor())
        await asyncio.sleep(pause_s)
        await script.type("type_a", a, TYPE_A)
        # Open B and type there.
        b.uri = session.open(b.path, b.base, "python")
        await session.cursor(b.uri, *b.cursor())
        await asyncio.sleep(pause_s)
        await script.type("type_b", b, TYPE_B)
        # Open C and type up to its first request.
        c = _Doc(c_path)
        c.uri = session.open(c.path, c.base, "python")
        await session.cursor(c.uri, *c.cursor())
        await asyncio.sleep(pause_s)
        await script.type("type_c", c, TYPE_C)
        # Chat questions and a code action about A, each followed by typing in A: its first
        # keystroke that reaches the model is one after chat.
        line = a.steps[0].line
        attached = {"uri": a.uri, "range": {"start": {"line": max(0, line - 30), "character": 0},
                                            "end": {"line": line, "character": 0}}}
        for name, question in CHATS:
            if question:
                _, seconds = await session.chat(question, [attached])
            else:
                seconds = await session.command("atelier.explain", {"uri": a.uri, "range": attached["range"]})
            script.other_ms[name] = seconds * 1000
            await script.type("back_a", a, BACK_A // len(CHATS), first="after_chat", again="after_chat_again")
        # Switch A/B a few times: the tab gets focus (the cursor is put), typing follows at once.
        for _ in range(SWITCHES):
            for doc in (b, a):
                await session.cursor(doc.uri, *doc.cursor())
                await script.type("switch", doc, SWITCH_CHARS, first="switch_first")
        if loaded:
            # The same keystrokes as the start of type_a, again, idle then with a busy core.
            for phase, busy in (("retype_idle", False), ("retype_loaded", True)):
                stop = multiprocessing.Event()
                spinner = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
                if busy:
                    spinner.start()
                    await asyncio.sleep(0.5)
                try:
                    script.erase(a, TYPE_A // 2)
                    await script.type(phase, a, TYPE_A // 2)
                finally:
                    if busy:
                        stop.set()
                        spinner.join(5)
        return script
    finally:
        await session.stop()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _phases(script: _Script) -> dict:
    out = {}
    for phase in dict.fromkeys(r.phase for r in script.requests):
        rs = [r for r in script.requests if r.phase == phase]
        prompt = sum(r.prompt_tokens for r in rs)
        out[phase] = {
            "requests": len(rs),
            "first_ms": round(rs[0].ms, 1),
            "p50_ms": round(statistics.median(r.ms for r in rs), 1),
            "p95_ms": round(_p95([r.ms for r in rs]), 1),
            "prompt_tokens": prompt,
            "reevaluated_tokens": sum(r.reevaluated for r in rs),
            "reeval_fraction": round(sum(r.reevaluated for r in rs) / prompt, 4) if prompt else None,
            "cold_answers": sum(r.cold for r in rs),
        }
    for name, ms in script.other_ms.items():
        out[name] = {"ms": round(ms, 1)}
    return out


def _first_after_switch(script: _Script) -> list[Request]:
    """The first request each time the session came back to a document."""
    return [r for r in script.requests if r.phase == "switch_first"]


def _first_requests(script: _Script) -> list[Request]:
    """The first request after opening each file and pausing (A, B, C)."""
    return [next(r for r in script.requests if r.phase == phase) for phase in OPENED]


def _first_request_figures(on: _Script, base: _Script, paths: tuple[Path, ...]) -> dict:
    """The first request after opening a file and pausing, per file and as the median of the
    files' ratios over the baseline's (each file against itself: the same prompt sizes)."""
    firsts = list(zip(_first_requests(on), _first_requests(base)))
    return {
        "first_request_ms": round(statistics.median(r.ms for r, _ in firsts), 1),
        "baseline_first_request_ms": round(statistics.median(b.ms for _, b in firsts), 1),
        "first_request_ratio": round(statistics.median(r.ms / b.ms for r, b in firsts), 3),
        "first_requests": [{"file": path.name, "ms": round(r.ms, 1), "baseline_ms": round(b.ms, 1),
                            "ratio": round(r.ms / b.ms, 3), "prompt_tokens": r.prompt_tokens,
                            "reevaluated_tokens": r.reevaluated, "baseline_prompt_tokens": b.prompt_tokens}
                           for path, (r, b) in zip(paths, firsts)],
    }


def _after_chat_figures(script: _Script) -> dict:
    """The first keystroke in A after each chat answer or code action, over the same keystroke
    asked again at once (its prompt warm, the same answer): a keystroke's time is mostly its
    answer's decoding, which is 4 tokens at the end of a line and 40 after a block opener, so
    only the same keystroke tells what the interruption cost. The ratio is the median of the
    three; `after_chat_typing_ratio` compares their median with the median typing keystroke."""
    typing = [r.ms for r in script.requests if r.phase == "type_a" and r.prompt_tokens]
    back = [r.ms for r in script.requests if r.phase == "after_chat"]
    again = [r.ms for r in script.requests if r.phase == "after_chat_again"]
    return {"after_chat_ms": [round(ms, 1) for ms in back],
            "after_chat_again_ms": [round(ms, 1) for ms in again],
            "after_chat_ratio": round(statistics.median(b / a for b, a in zip(back, again)), 3),
            "after_chat_typing_ratio": round(statistics.median(back) / statistics.median(typing), 3)}


def run_session(a_path: Path | None, b_path: Path | None, as_json: bool, model: str | None, pause_s: float = 1.0,
                c_path: Path | None = None) -> int:
    default_a, default_b, default_c = default_files()
    paths = (a_path or default_a, b_path or default_b, c_path or default_c)
    common = {"model": {"path": model}} if model else {}
    merged = deep_merge(BASELINE, common)
    started = time.perf_counter()
    with fresh_data_dir():  # each server builds its own index, as on a first start
        on = asyncio.run(_run_session(paths, common, pause_s, loaded=True))
    with fresh_data_dir():
        base = asyncio.run(_run_session(paths, merged, pause_s, loaded=False))
    on_ms = [r.ms for r in on.requests if not r.phase.startswith("retype")]  # the same script as the baseline
    base_ms = [r.ms for r in base.requests]
    switched = _first_after_switch(on)
    switch_prompt = sum(r.prompt_tokens for r in switched)
    idle = [r.ms for r in on.requests if r.phase == "retype_idle"]
    loaded = [r.ms for r in on.requests if r.phase == "retype_loaded"]
    report = {
        "file_a": f"{paths[0]} ({len(paths[0].read_text().splitlines())} lines)",
        "file_b": str(paths[1]),
        "file_c": str(paths[2]),
        "pause_s": pause_s,
        "cpus": os.cpu_count(),
        "load_before": round(os.getloadavg()[0], 2),
        **_first_request_figures(on, base, paths),
        "cold_answers": sum(r.cold for r in on.requests),
        **_after_chat_figures(on),
        "switch_reeval_fraction": round(sum(r.reevaluated for r in switched) / switch_prompt, 4) if switch_prompt else None,
        "baseline_switch_reeval_fraction": _fraction(_first_after_switch(base)),
        "session_p50_ms": round(statistics.median(on_ms), 1),
        "session_p95_ms": round(_p95(on_ms), 1),
        "baseline_p50_ms": round(statistics.median(base_ms), 1),
        "baseline_p95_ms": round(_p95(base_ms), 1),
        "p95_ratio": round(_p95(on_ms) / _p95(base_ms), 3),
        "loaded_p50_ms": round(statistics.median(loaded), 1),
        "idle_p50_ms": round(statistics.median(idle), 1),
        "loaded_p50_ratio": round(statistics.median(loaded) / statistics.median(idle), 3),
        "phases": _phases(on),
        "baseline_phases": _phases(base),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print_report(report, as_json)
    return 0


def _fraction(rs: list[Request]) -> float | None:
    prompt = sum(r.prompt_tokens for r in rs)
    return round(sum(r.reevaluated for r in rs) / prompt, 4) if prompt else None
