"""`atelier demo`: start the server, open a real file as an editor would, erase the rest of a
line as if the user were about to type it, and print the inline completion the server gives;
then ask for an explanation of the function around it (a code action's command, answered
with window/showDocument) and a docstring for a function that has none (a code action
resolved into a WorkspaceEdit), and print both."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from pathlib import Path

from typing import Union

from lsprotocol import types

from atelier.context.declarations import declaration_name, function_kinds
from atelier.context.languages import language_for, make_parser
from atelier.lsp_server.bench.editor_session import EditorSession
from atelier.lsp_server.cli.complete import read_source


def default_file() -> Path:
    import atelier.context.postprocess

    return Path(atelier.context.postprocess.__file__)


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
    session = ActionSession(path.parent)
    t0 = time.perf_counter()
    await session.start()
    print("server started; loading model ...", flush=True)
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
        explained = await _explain(session, uri, row, col)
        documented = await _document(session, uri, path, text)
        return 0 if completion and explained and documented else 1
    finally:
        await session.stop()


class ActionSession(EditorSession):
    """The driver's editor session, plus what an editor offers code actions: it shows
    documents, applies workspace edits and resolves code actions lazily."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.shown: list[str] = []
        self.edits: list[types.WorkspaceEdit] = []

        @self.client.feature(types.WINDOW_SHOW_DOCUMENT)
        def _show_document(params: types.ShowDocumentParams) -> types.ShowDocumentResult:
            self.shown.append(params.uri)
            return types.ShowDocumentResult(success=True)

        @self.client.feature(types.WORKSPACE_APPLY_EDIT)
        def _apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            self.edits.append(params.edit)
            return types.ApplyWorkspaceEditResult(applied=True)

        # lsprotocol decodes a code action that carries a command as a Command (it only checks
        # that the key exists); editors check that `command` is a string.
        converter = self.client.protocol._converter
        converter.register_structure_hook(
            Union[types.Command, types.CodeAction],
            lambda obj, _: converter.structure(obj, types.Command if isinstance(obj.get("command"), str) else types.CodeAction),
        )
        initialize = self.client.initialize_async

        async def initialize_with_actions(params: types.InitializeParams) -> types.InitializeResult:
            caps = params.capabilities
            caps.window.show_document = types.ShowDocumentClientCapabilities(support=True)
            caps.workspace = types.WorkspaceClientCapabilities(
                apply_edit=True, workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True))
            caps.text_document.code_action = types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    types.ClientCodeActionKindOptions([types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor])),
                data_support=True,
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]),
            )
            return await initialize(params)

        self.client.initialize_async = initialize_with_actions

    async def actions(self, uri: str, row: int, col: int) -> list[types.CodeAction]:
        here = types.Position(row, col)
        result = await self.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), types.Range(here, here), types.CodeActionContext(diagnostics=[])))
        return [a for a in result or [] if isinstance(a, types.CodeAction)]


def undocumented_function(text: str, language: str | None) -> tuple[int, int] | None:
    """(row, column) of the first function without a docstring (Python) or comment above it."""
    parser = make_parser(language)
    if parser is None:
        return None
    stack = [parser.parse(text.encode()).root_node]
    while stack:
        node = stack.pop(0)
        if node.type in function_kinds(language) and declaration_name(node):
            body = node.child_by_field_name("body")
            first = body.named_children[0] if body is not None and body.named_children else None
            has_doc = (first is not None and first.type == "expression_statement" and first.named_children[0].type == "string") \
                if language == "python" else (node.prev_sibling is not None and "comment" in node.prev_sibling.type)
            if not has_doc:
                return node.start_point[0], node.start_point[1] + 1
        stack.extend(node.named_children)
    return None


async def _explain(session: ActionSession, uri: str, row: int, col: int) -> bool:
    """Explain the function around the completion: the action's command, whose answer the
    server writes to a Markdown file and shows with window/showDocument."""
    offered = {a.kind: a for a in await session.actions(uri, row, col)}
    explain = offered.get("refactor.explain")
    if explain is None or explain.command is None:
        print("\nexplain:    no Explain action offered here")
        return False
    start = time.perf_counter()
    await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(explain.command.command, explain.command.arguments))
    seconds = time.perf_counter() - start
    print(f"\nexplain:    {explain.title.removeprefix('Atelier: Explain ')}")
    if not session.shown:
        print("            no explanation came back")
        return False
    shown = Path(session.shown[-1].removeprefix("file://"))
    answer = shown.read_text().split("\n---\n", 1)[0].split("\n", 1)[-1].strip()
    print(f"shown:      {shown} (window/showDocument)")
    print(f"latency:    {seconds * 1000:.0f} ms (workspace/executeCommand {explain.command.command})")
    for paragraph in answer.split("\n\n"):
        print(textwrap.fill(paragraph, 88, initial_indent="  ", subsequent_indent="  "))
    return bool(answer)


async def _document(session: ActionSession, uri: str, path: Path, text: str) -> bool:
    """A docstring for the first function that has none: a code action resolved into an edit."""
    where = undocumented_function(text, language_for(str(path)))
    if where is None:
        print("\ndocument:   every function in this file is documented")
        return True
    document = next((a for a in await session.actions(uri, *where) if a.kind == "refactor.rewrite.document"), None)
    if document is None:
        print("\ndocument:   no Document action offered")
        return False
    start = time.perf_counter()
    resolved = await session.client.code_action_resolve_async(document)
    seconds = time.perf_counter() - start
    print(f"\ndocument:   {document.title.removeprefix('Atelier: Document ')} ({path.name}:{where[0] + 1})")
    if resolved.edit is None or not resolved.edit.document_changes:
        print(f"            no edit: {session.messages[-1] if session.messages else 'the model gave no docstring'}")
        return False
    print(f"latency:    {seconds * 1000:.0f} ms (codeAction/resolve)")
    edit = resolved.edit.document_changes[0].edits[0]
    lines = text.split("\n")
    row = edit.range.start.line
    added = edit.new_text.rstrip("\n").split("\n")
    # A pure insertion at the start of a line, as the docstring edit is: show it in place.
    for i in range(max(0, row - 1), row):
        print(f"  {i + 1:4}   {lines[i]}")
    for line in added:
        print(f"  {'':4} + {line}")
    for i in range(row, min(len(lines), row + 2)):
        print(f"  {i + 1:4}   {lines[i]}")
    return True


def run_demo(path: Path | None, line: int | None) -> int:
    path = path or default_file()
    if not path.is_file():
        print(f"atelier demo: {path} is not a file", file=sys.stderr)
        return 2
    return asyncio.run(_demo(path, line))
