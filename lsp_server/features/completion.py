"""textDocument/completion: one multi-line item, for clients without inline completion."""

from __future__ import annotations

import re

from lsprotocol import types

from atelier.lsp_server.completion_call import ask_completion
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer


def register(server: AtelierServer, services: Services) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "("]))
    async def completion(ls: AtelierServer, params: types.CompletionParams) -> types.CompletionList:
        pos = params.position
        answer = await ask_completion(ls, services, params.text_document.uri, pos)
        if answer is None:
            return types.CompletionList(is_incomplete=True, items=[])
        result, cursor = answer
        # Replace the word being typed, so that popup clients filtering on it keep the item.
        word = re.search(r"\w*$", cursor.line_prefix).group(0)
        start = types.Position(pos.line, pos.character - ls.width(word))
        new_text = word + result.text
        item = types.CompletionItem(
            label=new_text.strip().split("\n", 1)[0][:80],
            kind=types.CompletionItemKind.Snippet,
            detail="Atelier",
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```\n{new_text}\n```"),
            filter_text=new_text,
            text_edit=types.TextEdit(range=types.Range(start=start, end=pos), new_text=new_text),
            insert_text_format=types.InsertTextFormat.PlainText,
            sort_text="0",
        )
        return types.CompletionList(is_incomplete=True, items=[item])
