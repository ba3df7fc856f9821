"""Prompt assembly: windows around the cursor in the model's format, with stop rules."""

from __future__ import annotations

import re
from typing import Protocol

import msgspec

from atelier.context.cursor import Cursor
from atelier.context.languages import line_comment
from atelier.context.windows import CountTokens, prefix_window, suffix_window


# The prefix window's first line moves in steps of this many lines, so that consecutive
# requests share the start of their prompt (see windows.prefix_window).
PREFIX_ANCHOR_LINES = 32

# At most one space and a word of up to 32 characters at the very end of the prefix.
_HEAL = re.compile(r" ?\w{0,32}\Z")


class FimTemplate(Protocol):
    stop: tuple[str, ...]
    file_sep: str | None

    def render(self, prefix: str, suffix: str) -> str: ...


class Prompt(msgspec.Struct, frozen=True):
    text: str
    stop: tuple[str, ...]
    max_tokens: int
    prefix: str  # the prefix window the model saw (without header)
    suffix: str  # the suffix window ("" when the model has no FIM)
    # The end of the cursor's line cut from the prompt: a partial word and the space before
    # it. The answer must start by re-typing it ("token healing"), see build_prompt.
    heal: str = ""

    def strip_heal(self, raw: str) -> str:
        """The answer without the healed text. A backend that could not constrain the answer
        may have re-typed only part of it: drop what matches."""
        n = 0
        while n < len(self.heal) and n < len(raw) and raw[n] == self.heal[n]:
            n += 1
        return raw[n:]

def file_header(path: str, language: str | None, file_sep: str | None = None) -> str:
    """A first line naming the file, in the language's comment syntax (or the model family's
    file token): it tells the model the language and stays the same between keystrokes, so
    it never breaks the KV cache."""
    if file_sep:
        return f"{file_sep}{path}\n"
    return f"{line_comment(language)} {path}\n" if path else ""


def build_prompt(
    text: str,
    index: int,
    cursor: Cursor,
    *,
    count_tokens: CountTokens,
    context_tokens: int,
    max_tokens: int,
    fim: FimTemplate | None = None,
    path: str = "",
    language: str | None = None,
    suffix_share: float = 0.25,
    heal: bool = True,
    context: str = "",
) -> Prompt:
    """`context` (already rendered: code from elsewhere) goes first, then the file's header,
    then the windows around the cursor, so that the volatile end of the prefix comes last."""
    file_sep = fim.file_sep if fim is not None else None
    header = file_header(path, language, file_sep)
    budget = max(16, context_tokens - count_tokens(header) - count_tokens(context))
    suffix_budget = int(budget * suffix_share) if fim is not None else 0
    suffix = suffix_window(text[index:], suffix_budget, count_tokens) if fim is not None else ""
    # Whatever the suffix did not use goes to the prefix.
    prefix_budget = budget - (count_tokens(suffix) if suffix else 0)
    prefix = prefix_window(text[:index], prefix_budget, count_tokens, anchor=PREFIX_ANCHOR_LINES)
    # Tokenizers glue a space to the word after it (" return") and split a half-typed word
    # unlike the whole one: a prompt ending in " " or "ret" asks for an unusual token and
    # derails small models. End the prompt before them; the backend makes the answer start
    # with them again.
    # Without healing, only a trailing space is cut: an answer that does not re-type it
    # still reads right after it, which is not true of half a word.
    healed = _HEAL.search(prefix[-40:]).group(0) if heal else prefix[len(prefix.rstrip(" ")):][-1:]
    prefix = prefix[: len(prefix) - len(healed)]
    if fim is None:
        prompt_text = context + header + prefix
        stop: tuple[str, ...] = ()
    elif file_sep:  # repository-level format: other files' blocks, this file's, then its FIM
        prompt_text = context + header + fim.render(prefix, suffix)
        stop = tuple(fim.stop)
    else:
        prompt_text = fim.render(context + header + prefix, suffix)
        stop = tuple(fim.stop)
    if cursor.mode == "line":
        stop = ("\n", *stop)
    else:
        # Three newlines in a row end any block in any language.
        stop = ("\n\n\n", *stop)
    return Prompt(prompt_text, stop, max_tokens, prefix, suffix, healed)
