"""What `atelier train` learns from, in layers, and the files it never learns from.

- the codebase: the files `atelier dataset export` keeps (licence policy, secret files,
  duplicates, redaction: context.dataset), split by file before any sample is cut: a fixed
  share of them, chosen by a seeded hash of their path, is held out for the proof and gives
  no sample; the others give FIM samples in the base model's FIM format, or next-token pieces
  when it has none;
- the documentation: Markdown/RST/AsciiDoc sections (context.docs) under the same policy;
- daily use: generate-to-pass candidates that passed their tests (the data folder's
  dataset/attempts.jsonl), prompt and candidate, for files of this codebase that are not held
  out; and the files in which completions were accepted (the feedback store keeps no
  completion text: those files' samples count twice).

Every sample is {"prompt", "completion", "layer", "path"}: the loss is taken on the completion.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import msgspec

from atelier.context.dataset import Dedup, Funnel, KeptFile, file_samples, kept_files
from atelier.context.docs import DOC_EXTENSIONS, chunk_document
from atelier.context.index import MAX_FILE_BYTES, WorkspaceIndex
from atelier.context.licenses import LicensePolicy, LicenseResolver
from atelier.context.secrets import REDACTED, has_secrets, is_secret_file, redact
from atelier.models.fim import FimFormat

HELDOUT_SHARE = 0.1  # of the kept code files
HELDOUT_MIN, HELDOUT_MAX = 2, 200
MIN_DOC_CHARS = 200


class LayerFunnel(msgspec.Struct):
    layer: str
    items: int = 0  # files (codebase, docs) or records (attempts)
    filtered: int = 0  # licence, secrets, held out, not passing, outside the codebase
    duplicates: int = 0
    samples: int = 0
    tokens: int = 0
    note: str = ""


def heldout_paths(paths: list[str], seed: int, share: float = HELDOUT_SHARE) -> set[str]:
    """The files held out: the first `share` of the paths ordered by a seeded hash of the path
    (at least HELDOUT_MIN, at most HELDOUT_MAX, never all). The same files for the same seed,
    whatever else the codebase holds."""
    ranked = sorted(paths, key=lambda p: hashlib.sha256(f"{seed}:{p}".encode()).digest())
    n = min(HELDOUT_MAX, max(HELDOUT_MIN, round(share * len(paths))), len(paths) // 2)
    return set(ranked[:n])


def _record(layer: str, path: str, prompt: str, completion: str) -> dict:
    return {"prompt": prompt, "completion": completion, "layer": layer, "path": path}


def code_layer(root: Path, policy: LicensePolicy, fmt: FimFormat | None, seed: int = 0,
               max_files: int = 100_000) -> tuple[list[dict], list[KeptFile], list[KeptFile], Funnel, LayerFunnel]:
    """(training samples, training files, held-out files, export's funnel, the layer's line)."""
    funnel = Funnel()
    kept = kept_files(root, policy, funnel, max_files)
    held = heldout_paths([k.path for k in kept], seed)
    train = [k for k in kept if k.path not in held]
    heldout = [k for k in kept if k.path in held]
    kinds = ("fim",) if fmt is not None else ("next",)
    records = file_samples(train, fmt, kinds, seed, funnel)
    samples = [_record("code", r["meta"]["path"], "", r["text"]) for r in records]
    line = LayerFunnel(
        "code", items=funnel.files,
        filtered=funnel.files - funnel.kept_after_filtering + len(heldout),
        duplicates=funnel.exact_duplicate_files + funnel.near_duplicate_files
        + funnel.exact_duplicate_samples + funnel.near_duplicate_samples,
        samples=len(samples),
        note=f"{len(heldout)} files held out; {'FIM (' + fmt.name + ')' if fmt else 'next-token'} samples",
    )
    return samples, train, heldout, funnel, line


def docs_layer(root: Path, policy: LicensePolicy, max_files: int = 100_000) -> tuple[list[dict], LayerFunnel]:
    """Documentation sections as plain text, under the licence policy; sections showing a
    secret dropped, duplicates removed."""
    line = LayerFunnel("docs")
    resolver = LicenseResolver(root)
    dedup = Dedup()
    samples: list[dict] = []
    index = WorkspaceIndex(root, max_files=max_files)
    for rel in index.paths():
        fmt = DOC_EXTENSIONS.get(Path(rel).suffix.lower())
        if fmt is None:
            continue
        line.items += 1
        path = index.root / rel
        try:
            text = path.read_text(encoding="utf-8") if path.stat().st_size <= MAX_FILE_BYTES else ""
        except (OSError, UnicodeDecodeError):
            text = ""
        if not text or is_secret_file(rel) or not policy.allows(resolver.license_of(rel, text[:4096])[0]):
            line.filtered += 1
            continue
        for chunk in chunk_document(text, fmt, rel):
            body = chunk.text.strip()
            if len(body) < MIN_DOC_CHARS or has_secrets(body):
                continue
            if dedup.check(body):
                line.duplicates += 1
                continue
            samples.append(_record("docs", rel, "", body + "\n"))
    line.samples = len(samples)
    return samples, line


def attempts_layer(attempts: Path, root: Path, policy: LicensePolicy, heldout: set[str]) -> tuple[list[dict], LayerFunnel]:
    """Generate-to-pass candidates that passed their tests, for files of this codebase the
    policy lets in and that are not held out: the prompt, then the candidate to learn."""
    line = LayerFunnel("attempts")
    if not attempts.is_file():
        line.note = f"none recorded ({attempts})"
        return [], line
    root = root.resolve()
    resolver = LicenseResolver(root)
    dedup = Dedup()
    samples: list[dict] = []
    with attempts.open(encoding="utf-8", errors="replace") as f:
        for raw in f:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            line.items += 1
            file = Path(str(record.get("file") or ""))
            try:
                rel = (file if file.is_absolute() else root / file).resolve().relative_to(root).as_posix()
            except ValueError:
                rel = None
            prompt, candidate = str(record.get("prompt", "")), str(record.get("candidate", ""))
            if not record.get("passed") or rel is None or rel in heldout or is_secret_file(rel) \
                    or not policy.allows(resolver.license_of(rel)[0]) or not candidate.strip() \
                    or REDACTED in prompt + candidate or has_secrets(prompt + candidate):
                line.filtered += 1
                continue
            if dedup.check(prompt + candidate):
                line.duplicates += 1
                continue
            samples.append(_record("attempts", rel, redact(prompt), candidate if candidate.endswith("\n") else candidate + "\n"))
    line.samples = len(samples)
    return samples, line


def accepted_layer(samples: list[dict], accepted: dict[str, int]) -> tuple[list[dict], LayerFunnel]:
    """The code samples of files where completions were accepted, once more (the feedback store
    records where completions were accepted, not their text)."""
    line = LayerFunnel("accepted", items=sum(accepted.values()),
                       note="the feedback store keeps no completion text: files with accepted completions weigh twice")
    extra = [dict(s, layer="accepted") for s in samples if s["layer"] == "code" and accepted.get(s["path"], 0) > 0]
    line.samples = len(extra)
    return extra, line
