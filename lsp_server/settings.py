"""Typed settings, from `initializationOptions` and `workspace/didChangeConfiguration`.

Clients send partial objects (only what the user changed); they are merged onto the current
settings and validated as a whole, so a bad value is reported by name and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from atelier.context.licenses import DEFAULT_DENY, LicensePolicy
from atelier.models.config import ModelConfig


class CompletionSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    enabled: bool = True
    # For a block (a line gets at most 48); null: what the model decodes in about 2.5 s on
    # this machine (its speed measured at load), between 16 and 96.
    max_tokens: Annotated[int, Meta(ge=1, le=4096)] | None = None
    max_lines: Annotated[int, Meta(ge=1, le=200)] = 16
    context_tokens: Annotated[int, Meta(ge=32, le=1_000_000)] = 1024  # prefix + suffix budget
    suffix_share: Annotated[float, Meta(ge=0.0, le=0.9)] = 0.25
    debounce_ms: Annotated[int, Meta(ge=0, le=2000)] = 30  # only while the user types fast
    # What the prompt holds besides the windows around the cursor: "none"; "file": what the
    # current file's syntax tree gives; "full": also other files (imports, index, recent edits).
    context: Literal["none", "file", "full"] = "full"
    # A whole request, prompt processing included: a cold prompt takes seconds on a laptop CPU.
    # Stop then and return what is there; null: derived from the model's measured speed (a
    # cold prompt of context_tokens and max_tokens decoded, with room to spare); 0: no limit.
    timeout_ms: Annotated[int, Meta(ge=0, le=600_000)] | None = None
    # Decoding time after the first token (embedded backend); null: derived, room for
    # max_tokens at the measured speed (a suggestion is not cut short); 0: no limit.
    max_decode_ms: Annotated[int, Meta(ge=0, le=600_000)] | None = None
    # Evaluate the next completion's prompt in idle time (a document opened, the cursor
    # settled, typing paused), cancelled by any real request (engine.warmup).
    warmup: bool = True
    # With warmup: when the model would spend longer than this evaluating what its cache lacks
    # of a completion's prompt (the first request in a file, on a CPU: seconds), answer from a
    # shorter prompt (the code nearest the cursor, what it evaluates in about this time), its
    # answer cut to what the model decodes in the rest of this time (at least a line), while
    # the full one is evaluated in idle time for the next requests; 0: always the full prompt.
    cold_prompt_ms: Annotated[int, Meta(ge=0, le=600_000)] = 1000


class FeedbackSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # Record shown, accepted and rejected completions in Atelier's data folder (never sent
    # anywhere); acceptance ranks retrieved snippets and feeds `atelier stats`.
    enabled: bool = True


class GenerateSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # "Generate to pass the tests": candidates sampled, each run against the chosen tests.
    candidates: Annotated[int, Meta(ge=1, le=64)] = 8
    temperature: Annotated[float, Meta(gt=0.0, le=2.0)] = 0.8
    max_tokens: Annotated[int, Meta(ge=16, le=4096)] = 256  # per candidate
    timeout_s: Annotated[float, Meta(gt=0.0, le=600.0)] = 20.0  # per test run
    memory_mb: Annotated[int, Meta(ge=64, le=65536)] = 1024  # per test run
    python: str | None = None  # the interpreter that runs the tests; None: the server's own
    seed: int | None = None  # candidate i samples with seed + i (reproducible); None: a random seed
    # Where the tests run: "auto": in the cage (Linux namespaces through bubblewrap), refused
    # where none can be made; "none": unconfined, rlimits only (unsafe: see SECURITY.md).
    isolation: Literal["auto", "none"] = "auto"


class LicenseSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # SPDX patterns (shell-style, `none` for files without a licence, `unknown` for a licence
    # text not recognised): files whose licence matches `deny` give nothing to completion or
    # chat context and to dataset exports, unless it also matches `allow` (allow wins). See
    # context.licenses.LicensePolicy for how expressions (AND, OR, WITH) are judged.
    deny: tuple[str, ...] = DEFAULT_DENY
    allow: tuple[str, ...] = ()

    def policy(self) -> LicensePolicy:
        return LicensePolicy(self.deny, self.allow)


class NextEditSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # Next-edit suggestions: after a change, the edit that follows (the other occurrences of a
    # renamed name, the other calls of a function whose arguments changed, the sibling lines
    # of a rewritten line; or the model's rewrite of the lines around the cursor).
    enabled: bool = True
    # "propagation": no model, a few ms, silent when unsure; "model": the model rewrites the
    # lines around the cursor when propagation has nothing (on request only, not after every
    # change). Propagation wins when both answer.
    predictors: tuple[Literal["propagation", "model"], ...] = ("propagation", "model")
    # Quiet time after the last change before the suggestion is computed and marked.
    debounce_ms: Annotated[int, Meta(ge=0, le=5000)] = 150


class Settings(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    model: ModelConfig = ModelConfig()
    completion: CompletionSettings = CompletionSettings()
    licenses: LicenseSettings = LicenseSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    generate: GenerateSettings = GenerateSettings()
    next_edit: NextEditSettings = NextEditSettings()


class SettingsError(ValueError):
    pass


# Keys that clients may send beside our settings and that are not settings.
_NOT_SETTINGS = {"token"}


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`update` laid over `base`, section by section (neither is changed)."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _unknown(update: dict[str, Any], struct: type[msgspec.Struct], path: str = "") -> list[str]:
    """Dotted names in `update` that `struct` does not have, recursively."""
    found = []
    fields = {f.name: f.type for f in msgspec.structs.fields(struct)}
    for key, value in update.items():
        if key not in fields:
            found.append(path + key)
        elif isinstance(value, dict) and isinstance(fields[key], type) and issubclass(fields[key], msgspec.Struct):
            found += _unknown(value, fields[key], f"{path}{key}.")
    return found


def _without(update: dict[str, Any], dotted: list[str]) -> dict[str, Any]:
    update = {k: (dict(v) if isinstance(v, dict) else v) for k, v in update.items()}
    for name in dotted:
        section, _, key = name.partition(".")
        if key and isinstance(update.get(section), dict):
            update[section].pop(key, None)
        else:
            update.pop(section, None)
    return update


def merge_settings(current: Settings, update: Any, unknown: list[str] | None = None) -> Settings:
    """`current` with `update` applied. Accepts `{"atelier": {...}}` (VS Code's section
    shape) or the bare object; None or {} changes nothing. Raises SettingsError naming the
    bad setting. With an `unknown` list, settings this version does not know are skipped
    and listed there instead of being an error."""
    if update is None:
        return current
    if isinstance(update, dict) and isinstance(update.get("atelier"), dict):
        update = update["atelier"]
    if not isinstance(update, dict):
        raise SettingsError(f"Atelier settings must be an object, got {type(update).__name__}")
    update = {k: v for k, v in update.items() if k not in _NOT_SETTINGS}
    if unknown is not None:
        # A client newer than this server may send settings it does not know: skip those
        # (the caller reports them) rather than refuse the whole update.
        unknown.extend(_unknown(update, Settings))
        update = _without(update, unknown)
    merged = deep_merge(msgspec.to_builtins(current), update)
    try:
        return msgspec.convert(merged, Settings)
    except msgspec.ValidationError as exc:
        # msgspec says e.g. "Expected `int`, got `str` - at `$.model.n_ctx`".
        where = str(exc).rsplit(" - at `$.", 1)
        if len(where) == 2:
            raise SettingsError(f"invalid setting {where[1].rstrip('`')}: {where[0]}") from exc
        raise SettingsError(f"invalid settings: {exc}") from exc
