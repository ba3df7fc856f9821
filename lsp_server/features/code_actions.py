"""AI code actions over standard LSP: textDocument/codeAction, codeAction/resolve and the
commands the actions carry (explain, document, generate tests, fix, edit with instruction).

Listing code actions looks at the document only, never at the model. The work happens in
`codeAction/resolve` or `workspace/executeCommand`, on the model's worker thread
(engine.actions). Edits reach files only through the client (a resolved action's edit, or
`workspace/applyEdit`); explanations are Markdown files in Atelier's data folder shown with
`window/showDocument`, or `window/showMessage` for clients that cannot show documents.
`atelier/chat` (features.chat) is the addition for clients with a chat panel.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from atelier.context.declarations import declaration_at, declaration_name
from atelier.context.gate import uri_path
from atelier.context.stubs import find_stub
from atelier.context.testgen import TEST_LANGUAGES
from atelier.lsp_server.engine import actions as assist
from atelier.lsp_server.convert import index_at, parse_range, range_json
from atelier.lsp_server.delivery import deliver, workspace_edit
from atelier.lsp_server.engine.completion_request import warm_at
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer

log = logging.getLogger(__name__)

COMMANDS = {
    "explain": "atelier.explain",
    "document": "atelier.document",
    "tests": "atelier.generateTests",
    "fix": "atelier.fix",
    "edit": "atelier.editWithInstruction",
    "pass": "atelier.generateToPassTests",  # features.generate_to_pass
}
KINDS = {
    "explain": "refactor.explain",
    "document": "refactor.rewrite.document",
    "tests": "refactor.tests",
    "fix": types.CodeActionKind.QuickFix,
    "edit": "refactor.rewrite.instruction",
    "pass": "refactor.rewrite.pass",
}


def _kind(kind: object) -> str:
    return str(getattr(kind, "value", kind))  # CodeActionKind is a str enum: str() names it


# -- listing ------------------------------------------------------------------------------

def offers(ls: AtelierServer, services: Services, params: types.CodeActionParams) -> list[types.CodeAction | types.Command]:
    doc = services.documents.get(params.text_document.uri)
    if doc is None or services.workspace.gate.refusal(uri_path(doc.uri), context=False):  # a .env or key file
        return []
    start, end = assist.focus(doc.text, index_at(doc, params.range.start), index_at(doc, params.range.end))
    decl = None
    if doc.tree is not None:
        b_start, b_end = doc.point_at(start)[0], doc.point_at(end)[0]
        decl = declaration_at(doc.tree.root_node, b_start, b_end, doc.language)
    name = declaration_name(decl) if decl is not None else ""
    what = f"`{name}`" if name else "the selection"
    found: list[tuple[str, str, list[types.Diagnostic]]] = []
    if start < end or decl is not None:
        found.append(("explain", f"Atelier: Explain {what}", []))
    if decl is not None:
        found.append(("document", f"Atelier: Document `{name}`", []))
        if doc.language in TEST_LANGUAGES and doc.uri.startswith("file:"):
            found.append(("tests", f"Atelier: Generate tests for `{name}`", []))
    for diag in list(params.context.diagnostics)[:3]:
        message = " ".join(diag.message.split())
        found.append(("fix", f"Atelier: Fix “{message[:60]}{'…' if len(message) > 60 else ''}”", [diag]))
    if start < end or decl is not None:
        found.append(("edit", "Atelier: Edit with instruction…", []))
    if doc.language == "python" and doc.uri.startswith("file:") and find_stub(doc.text, start, end, any_body=start < end):
        found.append(("pass", "Atelier: Generate to pass the tests", []))
    if params.context.only:
        only = [_kind(k) for k in params.context.only]
        found = [o for o in found if any(_kind(KINDS[o[0]]) == k or _kind(KINDS[o[0]]).startswith(f"{k}.") for k in only)]
    literal = ls.flags.code_action_literals
    resolvable = literal and ls.flags.resolves_edits
    out: list[types.CodeAction | types.Command] = []
    for action, title, diags in found:
        data = {"action": action, "uri": doc.uri, "range": range_json(params.range),
                "problems": [d.message for d in diags]}
        if diags:
            data["range"] = range_json(diags[0].range)
        command = types.Command(title=title, command=COMMANDS[action], arguments=[data])
        if not literal:
            out.append(command)
        elif resolvable and action in ("document", "tests", "fix"):
            out.append(types.CodeAction(title, kind=KINDS[action], diagnostics=diags or None, data=data))
        else:
            out.append(types.CodeAction(title, kind=KINDS[action], diagnostics=diags or None, command=command))
    return out


# -- running an action --------------------------------------------------------------------

def _arguments(action: str, args: tuple) -> dict:
    """A command's arguments: one object {uri, range, instruction?, problems?}, or the
    positional form [uri, range, instruction]."""
    if len(args) == 1 and isinstance(args[0], dict):
        data = dict(args[0])
    elif len(args) >= 2 and isinstance(args[0], str):
        data = {"uri": args[0], "range": args[1], "instruction": args[2] if len(args) > 2 else ""}
    else:
        raise JsonRpcInvalidParams(f"{COMMANDS[action]} takes one argument {{uri, range, …}}, got {list(args)!r}")
    data["action"] = action
    return data


async def perform(ls: AtelierServer, services: Services, data: Any) -> tuple[assist.Outcome, str, int, str]:
    """Run an action described by `data`; returns the outcome with the uri, version and text
    it was computed on (an edit applies to that version only)."""
    if not isinstance(data, dict) or data.get("action") not in assist.ACTIONS or not isinstance(data.get("uri"), str):
        raise JsonRpcInvalidParams(f"not an Atelier action: {data!r}")
    action, uri = data["action"], data["uri"]
    doc = services.documents.get(uri)
    if doc is None:
        raise JsonRpcInvalidParams(f"{uri} is not open")
    if refusal := services.workspace.gate.refusal(uri_path(uri), context=False):
        return assist.Outcome(action, error=refusal), uri, doc.version, doc.text
    rng = parse_range(data.get("range"))
    if not isinstance(data.get("problems") or [], list):
        raise JsonRpcInvalidParams("problems must be a list of diagnostic messages")
    problems = [str(p) for p in data.get("problems") or [] if p]
    instruction = data.get("instruction") or ""
    if not isinstance(instruction, str):
        raise JsonRpcInvalidParams("instruction must be a string")
    fs_path = to_fs_path(uri) if uri.startswith("file:") else None
    text, version = doc.text, doc.version
    req = assist.Request(action, text, doc.language, ls.display_path(uri), index_at(doc, rng.start), index_at(doc, rng.end),
                         fs_path, ls.root_path(), problems, instruction, assist.CONTEXT_TOKENS)
    backend = await services.model.backend()
    if backend is None:
        return assist.Outcome(action, error=services.model.unavailable()), uri, version, text
    try:
        outcome: assist.Outcome = await services.model.run(functools.partial(assist.run, req, backend))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a failure inside the model must not take the server down
        log.exception("%s failed", action)
        outcome = assist.Outcome(action, error=f"{action} failed: {exc}")
    log.info("%s %s: %s", action, req.path, outcome.error or "done")
    return outcome, uri, version, text


def register(server: AtelierServer, services: Services) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor],
                                resolve_provider=True),
    )
    def code_action(ls: AtelierServer, params: types.CodeActionParams) -> list[types.CodeAction | types.Command]:
        # Editors ask for code actions as the cursor moves: where it settles, warm the model.
        at = params.range.end
        warm_at(services, ls.settings, params.text_document.uri, at.line, at.character, ls.display_path,
                ls.root_path() or "", "cursor")
        contributed: list[types.CodeAction | types.Command] = []
        for provider in services.code_action_providers:  # e.g. features.next_edit
            try:
                contributed += provider(ls, params)
            except Exception:  # one provider's failure must not empty the menu
                log.exception("code-action provider %s failed", getattr(provider, "__name__", provider))
        return contributed + offers(ls, services, params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve_code_action(ls: AtelierServer, action: types.CodeAction) -> types.CodeAction:
        if action.data is None or action.edit is not None:
            # Nothing to fill in: an action that carries its command (Explain, Edit with
            # instruction…), or one already resolved. Clients such as VS Code resolve every
            # chosen action without an edit; they get it back unchanged and run its command.
            return action
        outcome, uri, version, text = await perform(ls, services, action.data)
        if outcome.error:
            if outcome.error != "cancelled":
                ls.show(outcome.error, types.MessageType.Warning)
            return action
        if outcome.notice:
            ls.show(outcome.notice, types.MessageType.Warning)
        action.edit = workspace_edit(ls, outcome, uri, version, text)
        if action.edit is None:  # e.g. a client that cannot create files: show the tests instead
            await deliver(ls, outcome, uri, version, text)
        return action

    for action in assist.ACTIONS:
        _register_command(server, services, action)


def _register_command(server: AtelierServer, services: Services, action: str) -> None:
    async def command(ls: AtelierServer, *args: Any) -> dict:
        return await deliver(ls, *await perform(ls, services, _arguments(action, args)))

    command.__name__ = f"{action}_command"
    server.command(COMMANDS[action])(command)
