"""Next-edit prompts for a model: the recent edits, the code around the cursor as an editable
region with the cursor marked, and code from elsewhere; the model rewrites the region and the
difference from the current text is the suggestion.

Three formats, chosen by the model's name:
- "zeta": Zed's Zeta (`<|editable_region_start|>`, `<|user_cursor_is_here|>`,
  `<|editable_region_end|>`, the edits as a unified diff under "### User Edits");
- "sweep": Sweep's next-edit models (Qwen2.5-Coder's `<|file_sep|>` blocks: related files, the
  recent change as `original:` / `updated:`, then `original/`, `current/` and `updated/` of the
  window around the cursor, which the model writes);
- "generic": for base code models, the same parts in Markdown, the rewrite in a fenced block.
Every text here has passed the gate (context.gate) before it is handed in.
"""

from __future__ import annotations

import difflib

import msgspec

from atelier.context.edits import Edit, minimal

CURSOR = "<|user_cursor_is_here|>"
REGION_START, REGION_END = "<|editable_region_start|>", "<|editable_region_end|>"
START_OF_FILE = "<|start_of_file|>"
FILE_SEP = "<|file_sep|>"
# Lines of the editable region above and below the cursor (Sweep's models are trained on
# 21-line windows).
REGION_LINES = {"zeta": (5, 5), "sweep": (10, 10), "generic": (4, 4)}
# Lines shown around the editable region, outside it.
CONTEXT_LINES = 20

_ZETA_INSTRUCTION = (
    "You are a code completion assistant and your task is to analyze user edits and then rewrite an excerpt "
    "that the user provides, suggesting the appropriate edits within the excerpt, taking into account the "
    "cursor location.")


def format_for(model_name: str) -> str:
    name = model_name.lower()
    if "zeta" in name:
        return "zeta"
    if "sweep" in name and ("edit" in name or "next" in name):
        return "sweep"
    return "generic"


class Region(msgspec.Struct, frozen=True):
    start: int  # Python indices into the text: whole lines
    end: int
    cursor: int


def region_around(text: str, cursor: int, fmt: str) -> Region:
    above, below = REGION_LINES.get(fmt, REGION_LINES["generic"])
    lines = text.split("\n")
    line = text.count("\n", 0, cursor)
    first, last = max(0, line - above), min(len(lines) - 1, line + below)
    start = sum(len(s) + 1 for s in lines[:first])
    end = start + len("\n".join(lines[first:last + 1]))
    return Region(start, end, cursor)


class NextEditPrompt(msgspec.Struct, frozen=True):
    prompt: str
    stop: tuple[str, ...]
    fmt: str


def build(fmt: str, path: str, language: str | None, text: str, region: Region, diffs: list[str],
          snippets: list[tuple[str, str]], previous: str | None = None) -> NextEditPrompt:
    """`diffs`: the recent hunks as unified diffs, oldest first; `snippets`: (path, code) from
    elsewhere; `previous`: the region as it was before the last edit (Sweep's `original/`)."""
    body = text[region.start:region.cursor] + CURSOR + text[region.cursor:region.end]
    above_from = max(0, _nth_line_back(text, region.start, CONTEXT_LINES))
    below_to = _nth_line_forward(text, region.end, CONTEXT_LINES)
    above, below = text[above_from:region.start], text[region.end:below_to]
    if fmt == "zeta":
        edits = "\n\n".join(f'User edited "{path}":\n```diff\n{d}\n```' for d in diffs) or "(none)"
        excerpt = (START_OF_FILE + "\n" if above_from == 0 else "") + above + REGION_START + "\n" + body + "\n" + REGION_END + below
        prompt = (f"### Instruction:\n{_ZETA_INSTRUCTION}\n\n### User Edits:\n\n{edits}\n\n"
                  f"### User Excerpt:\n\n```{path}\n{excerpt}\n```\n\n### Response:\n\n```{path}\n{REGION_START}\n")
        return NextEditPrompt(prompt, (REGION_END, "```"), fmt)
    if fmt == "sweep":
        window = text[region.start:region.end]
        parts = [f"{FILE_SEP}{p}\n{code}" for p, code in snippets]
        parts += [f"{FILE_SEP}{path}.diff\n{_original_updated(d)}" for d in diffs]
        parts.append(f"{FILE_SEP}original/{path}\n{previous if previous is not None else window}")
        parts.append(f"{FILE_SEP}current/{path}\n{window}")
        parts.append(f"{FILE_SEP}updated/{path}\n")
        return NextEditPrompt("\n".join(parts), (FILE_SEP, "<|endoftext|>"), fmt)
    lang = language or ""
    context = "".join(f"### {p}\n```{lang}\n{code}\n```\n\n" for p, code in snippets)
    edits = "".join(f"```diff\n{d}\n```\n" for d in diffs) or "(none)\n"
    prompt = (f"{context}### Recent edits\n{edits}\n### {path}: the code around the cursor ({CURSOR})\n"
              f"```{lang}\n{above}{body}{below}\n```\n\n"
              f"### The lines around the cursor after the next edit\n```{lang}\n"
              f"{text[region.start:region.cursor]}{CURSOR}{text[region.cursor:region.end]}\n```\n"
              f"### Rewritten, with the next edit made\n```{lang}\n")
    return NextEditPrompt(prompt, ("```",), fmt)


def _original_updated(diff: str) -> str:
    old = [line[1:] for line in diff.split("\n")[2:] if line.startswith(("-", " ")) and not line.startswith("---")]
    new = [line[1:] for line in diff.split("\n")[2:] if line.startswith(("+", " ")) and not line.startswith("+++")]
    return "original:\n" + "\n".join(old) + "\nupdated:\n" + "\n".join(new)


def _nth_line_back(text: str, index: int, n: int) -> int:
    for _ in range(n):
        if index <= 0:
            return 0
        index = text.rfind("\n", 0, index - 1) + 1
    return index


def _nth_line_forward(text: str, index: int, n: int) -> int:
    for _ in range(n):
        nxt = text.find("\n", index + 1)
        if nxt == -1:
            return len(text)
        index = nxt
    return index


def rewritten(fmt: str, output: str, current: str) -> str | None:
    """The region as the model rewrote it; None when the answer is not a rewrite of it (cut
    off, empty, a different number of lines than a windowed model must keep)."""
    out = output.replace("\r\n", "\n")
    for marker in (REGION_END, "```", FILE_SEP):
        cut = out.find(marker)
        if cut != -1:
            out = out[:cut]
    out = out.replace(CURSOR, "").replace(REGION_START, "")
    if out.startswith("\n") and not current.startswith("\n"):
        out = out[1:]
    out = out.rstrip("\n") + "\n" * (len(current) - len(current.rstrip("\n")))  # the region's own line ends
    if not out.strip():
        return None
    # A rewrite keeps most of the region: an answer sharing little of it is something else.
    if difflib.SequenceMatcher(None, out, current, autojunk=False).ratio() < 0.6:
        return None
    return out


def region_edit(region: Region, current: str, new: str) -> Edit | None:
    """The one edit that turns the region's text into `new`, trimmed to what changes."""
    edit = minimal(current, Edit(0, len(current), new))
    return None if edit is None else Edit(region.start + edit.start, region.start + edit.end, edit.new_text)
