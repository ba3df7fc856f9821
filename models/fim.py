"""Fill-in-the-middle prompt formats, detected from a model's tokenizer."""

from __future__ import annotations

from typing import Callable

import msgspec


class FimFormat(msgspec.Struct, frozen=True):
    name: str
    # Template with {prefix} and {suffix}; the model continues after it.
    template: str
    # Tokens that end a fill-in-the-middle answer besides the model's end-of-text.
    stop: tuple[str, ...] = ()
    # Whether the suffix comes before the prefix in the prompt (Codestral): the volatile
    # prefix end then stays last, which keeps the KV cache warm between keystrokes.
    suffix_first: bool = False
    # The token that starts a file in the family's repository-level format, for context
    # from other files; None: such context is written as comments.
    file_sep: str | None = None

    def render(self, prefix: str, suffix: str) -> str:
        return self.template.replace("{suffix}", suffix).replace("{prefix}", prefix)


# Ordered: the first whose marker tokens all exist in the vocabulary wins.
KNOWN_FORMATS: tuple[FimFormat, ...] = (
    FimFormat(
        "qwen",
        "<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>",
        ("<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>", "<|im_end|>"),
        file_sep="<|file_sep|>",
    ),
    FimFormat(
        "starcoder",
        "<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>",
        ("<|endoftext|>", "<file_sep>", "<fim_pad>"),
        file_sep="<file_sep>",
    ),
    FimFormat(
        "deepseek",
        "<｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>",
        ("<｜end▁of▁sentence｜>", "<|EOT|>"),
    ),
    FimFormat("codestral", "[SUFFIX]{suffix}[PREFIX]{prefix}", ("</s>",), suffix_first=True),
    FimFormat("codellama", "<PRE> {prefix} <SUF>{suffix} <MID>", ("<EOT>", "</s>")),
)

_MARKERS: dict[str, tuple[str, ...]] = {
    "qwen": ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"),
    "starcoder": ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
    "deepseek": ("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"),
    "codestral": ("[SUFFIX]", "[PREFIX]"),
    "codellama": ("▁<PRE>", "▁<SUF>", "▁<MID>"),
}


def detect_fim(vocab_has: Callable[[str], bool]) -> FimFormat | None:
    """Return the FIM format whose marker tokens the vocabulary holds, else None.

    `vocab_has(text)` says whether `text` is one token of the vocabulary. CodeLlama's
    markers are stored with the SentencePiece space ("▁<PRE>"), so both spellings count.
    """
    for fmt in KNOWN_FORMATS:
        markers = _MARKERS[fmt.name]
        if all(vocab_has(m) or vocab_has(m.lstrip("▁")) for m in markers):
            return fmt
    return None


def by_name(name: str) -> FimFormat | None:
    for fmt in KNOWN_FORMATS:
        if fmt.name == name:
            return fmt
    return None
