"""Chat and the AI code actions without LSP: context → prompt → backend → edits.

`run` and `chat` run on the model's worker thread (like pipeline.generate): the server
snapshots what they need on the event loop and converts their results to LSP types. Model
output never reaches a file from here: actions return edits for the client to apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import msgspec

from atelier.context import prompts
from atelier.context.prompts import Span, gather_context
from atelier.context.declarations import declaration_at, is_declaration, outer_node
from atelier.context.edits import (
    Edit,
    EditError,
    block_closed,
    code_blocks,
    doc_finished,
    doc_text,
    document_edit,
    replacement_edit,
    repeats_itself,
    whole_lines,
    without_repeats,
)
from atelier.context.languages import make_parser
from atelier.context.testgen import build_test_file, describe_target, finished, plan_tests, skeleton, task
from atelier.models.backend import Backend, CancelToken, ChatMessage, CompletionResult

ACTIONS = ("explain", "document", "tests", "fix", "edit")
# Tokens of file context per action: prompt processing on a CPU runs at ~150 tokens/s.
CONTEXT_TOKENS = 1024
MAX_TOKENS = {"explain": 200, "document": 96, "tests": 320}
# When an answer has what we need: the rest is commentary (code), or more than a docstring wants.
UNTIL = {"explain": repeats_itself, "document": doc_finished, "fix": block_closed, "edit": block_closed}
# Fix and edit: room for the rewritten lines, twice their size, within these bounds.
REWRITE_TOKENS = (96, 768)
CHAT_MAX_TOKENS = 512
# Room for the chat template's own tokens.
TEMPLATE_TOKENS = 64


class Request(msgspec.Struct, frozen=True):
    action: str  # one of ACTIONS
    text: str
    language: str | None
    path: str  # for the prompt and titles
    start: int  # the selection, or the cursor when start == end (indices into text)
    end: int
    fs_path: str | None = None  # the file on disk, where tests go next to
    root: str | None = None  # the workspace folder
    problems: list[str] = []  # fix: the diagnostics' messages
    instruction: str = ""  # edit: the user's words
    context_tokens: int = CONTEXT_TOKENS


class Outcome(msgspec.Struct):
    action: str
    title: str = ""
    edit: Edit | None = None  # in the request's document
    new_file: str = ""  # tests: the file to create …
    new_text: str = ""  # … and its content
    markdown: str = ""  # explain
    error: str = ""  # for the user, when there is no result
    notice: str = ""  # for the user, beside a result that is not what was asked (a fallback)
    generated: bool = False  # whether the model ran
    finish_reason: str = ""
    completion_tokens: int = 0


def focus(text: str, start: int, end: int) -> tuple[int, int]:
    """A cursor in a line's indentation means that line's code."""
    if start != end:
        return start, end
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start: len(text) if line_end == -1 else line_end]
    if not text[line_start:start].strip():
        start = end = line_start + len(line) - len(line.lstrip())
    return start, end


def _ask(backend: Backend, messages: list[ChatMessage], max_tokens: int, cancel: CancelToken | None,
         on_text: Callable[[str], None] | None = None, until: Callable[[str], bool] | None = None) -> CompletionResult:
    """backend.chat, stopping between two tokens once `until(answer so far)` holds (or the
    caller cancels): the rest of a small model's answer is commentary or repetition."""
    inner, parts, enough = CancelToken(), [], []

    def watch(delta: str) -> None:
        parts.append(delta)
        if on_text is not None:
            on_text(delta)
        if cancel is not None and cancel.cancelled:
            inner.cancel()
        elif until is not None and until("".join(parts)):
            enough.append(True)
            inner.cancel()

    if cancel is not None and cancel.cancelled:
        return CompletionResult("", finish_reason="cancelled")
    result = backend.chat(messages, max_tokens, inner, on_text=watch)
    if enough and result.finish_reason == "cancelled":
        result.finish_reason = "stop"
    return result


def _scopes(text: str, language: str | None, start: int, end: int) -> list[tuple[int, int]]:
    """Character ranges of the declarations around text[start:end], innermost first, each
    with and without what stands before it (decorators, export): an answer that rewrites one
    of them whole replaces it (context.edits.replacement_edit)."""
    parser = make_parser(language)
    if parser is None:
        return []
    src = text.encode()
    chars = lambda b: len(src[:b].decode(errors="replace"))  # noqa: E731
    node = declaration_at(parser.parse(src).root_node, len(text[:start].encode()), len(text[:end].encode()), language)
    found: list[tuple[int, int]] = []
    while node is not None:
        if is_declaration(node, language):
            outer = outer_node(node)
            found += [(chars(node.start_byte), chars(node.end_byte)), (chars(outer.start_byte), chars(outer.end_byte))]
        node = node.parent
    return found


def run(req: Request, backend: Backend, cancel: CancelToken | None = None) -> Outcome:
    """Run one code action. Failures the user can act on come back in Outcome.error;
    anything else raises."""
    if cancel is not None and cancel.cancelled:
        return Outcome(req.action, error="cancelled", finish_reason="cancelled")
    start, end = focus(req.text, req.start, req.end)
    if req.action in ("fix", "edit"):
        s, e = whole_lines(req.text, start, end)
        rewrite = backend.count_tokens(req.text[s:e]) * 2 + 32
        max_tokens = max(REWRITE_TOKENS[0], min(REWRITE_TOKENS[1], rewrite))
    else:
        max_tokens = MAX_TOKENS[req.action]
    budget = max(128, min(req.context_tokens, backend.n_ctx - max_tokens - TEMPLATE_TOKENS - 256))
    ctx = gather_context(req.text, req.language, start, end, req.path, backend.count_tokens, budget)
    what = f"`{ctx.name}`" if ctx.name else "the selection"
    plan = target = None
    if req.action == "explain":
        messages, title = prompts.explain_prompt(ctx), f"Explanation of {what}"
    elif req.action == "document":
        if not ctx.name:
            return Outcome(req.action, error="put the cursor on a function, method or class to document it")
        messages, title = prompts.document_prompt(ctx), f"Document {what}"
    elif req.action == "tests":
        target = describe_target(req.text, req.language or "", start, end) if req.language else None
        if target is None or not req.fs_path:
            return Outcome(req.action, error="tests are written for a function, method or class in a saved file: "
                                             "put the cursor on one")
        plan = plan_tests(req.language or "", Path(req.fs_path), req.text, target, Path(req.root) if req.root else None)
        if plan is None:
            return Outcome(req.action, error=f"no test framework known for {req.language} files")
        messages, title = prompts.tests_prompt(ctx, task(plan, target)), f"Tests for {what} ({plan.framework})"
    elif req.action == "fix":
        messages, title = prompts.fix_prompt(ctx, req.problems, req.text[s:e]), f"Fix {what}"
    else:
        if not req.instruction.strip():
            return Outcome(req.action, error="editing needs an instruction: what should change?")
        messages, title = prompts.edit_prompt(ctx, req.instruction), f"Edit {what}"
    until = finished(plan) if plan is not None else UNTIL[req.action]
    result = _ask(backend, messages, max_tokens, cancel, until=until)
    out = Outcome(req.action, title, generated=True, finish_reason=result.finish_reason,
                  completion_tokens=result.completion_tokens)
    if result.finish_reason == "cancelled":
        out.error = "cancelled"
        return out
    if req.action in ("fix", "edit") and result.finish_reason != "stop" and not block_closed(result.text) \
            and code_blocks(result.text):
        # Code cut off mid-block would silently drop the rest of what it replaces.
        out.error = f"{title}: the model's answer was cut off after {result.completion_tokens} tokens; nothing was changed"
        return out
    try:
        if req.action == "explain":
            answer = without_repeats(result.text)
            out.markdown = explanation_markdown(title, req.path, req.language, ctx.target, answer)
            if not answer.strip():
                out.notice = f"{title}: the model gave no answer"
        elif req.action == "document":
            out.edit = document_edit(req.text, req.language, start, end, doc_text(result.text, ctx.name))
        elif req.action == "tests":
            assert plan is not None and target is not None
            out.new_file, out.new_text = plan.path, build_test_file(result.text, plan, target)
            if out.new_text == skeleton(plan, target):
                out.notice = (f"{title}: the model wrote no usable test, so the file holds a skeleton that calls "
                              f"`{target.name}`, with TODOs for the values to check")
        else:
            out.edit = replacement_edit(req.text, req.language, start, end, result.text, _scopes(req.text, req.language, s, e))
    except EditError as exc:
        out.error = f"{title}: {exc}"
    return out


def explanation_markdown(title: str, path: str, language: str | None, code: str, answer: str) -> str:
    opening, closing = prompts.fence(code, language)
    answer = answer.strip() or "_The model gave no answer._"
    return f"# {title}\n\n{answer}\n\n---\n\nThe code ({path}):\n\n{opening}\n{code}\n{closing}\n"


def chat(history: list[ChatMessage], attachments: list[Span], backend: Backend, max_tokens: int = CHAT_MAX_TOKENS,
         cancel: CancelToken | None = None, on_text: Callable[[str], None] | None = None,
         found: list[Span] | None = None, used: list[Span] | None = None) -> CompletionResult:
    """One chat turn: `history` ends with the user's message; attachments are file contents;
    `found`: workspace search results, best first (those that fit are appended to `used`)."""
    if cancel is not None and cancel.cancelled:
        return CompletionResult("", finish_reason="cancelled")
    max_tokens = max(16, min(max_tokens, backend.n_ctx // 2))
    budget = backend.n_ctx - max_tokens - TEMPLATE_TOKENS
    messages = prompts.chat_prompt(history, attachments, backend.count_tokens, budget, found, used)
    return _ask(backend, messages, max_tokens, cancel, on_text)
