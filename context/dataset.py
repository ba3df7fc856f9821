"""Fine-tuning samples from a codebase (`atelier dataset export`).

The funnel: source files → licence policy and secret files applied → exact and near-duplicate
files removed (SHA-256, then MinHash + LSH) → samples cut from what is left → samples with
secrets dropped, duplicate samples removed the same way.

Samples, one JSON object per line:
- fill-in-the-middle, the middle a whole syntax node (tree-sitter):
  {"text": "<fim_prefix>…<fim_suffix>…<fim_middle>…<|endoftext|>", "meta": {…}}, in the FIM
  tokens of a model family (models.fim), ending with the family's end-of-text token;
- next-token pieces of a file, headed by its name as completion prompts are (for models
  without FIM tokens): {"text": "# path\n…", "meta": {…}};
- instructions from documented functions, in the chat "messages" format:
  "write this function" (docstring and signature → function) and "document this function"
  (function → its docstring): {"messages": [{"role": "user", …}, {"role": "assistant", …}], "meta": {…}}.
"""

from __future__ import annotations

import ast
import hashlib
import random
import re
import zlib
from pathlib import Path
from typing import NamedTuple

import msgspec
import numpy as np
from tree_sitter import Node

from atelier.context.declarations import function_kinds, outer_node
from atelier.context.index import MAX_FILE_BYTES, WorkspaceIndex
from atelier.context.languages import EXTENSIONS, make_parser
from atelier.context.licenses import LicensePolicy, LicenseResolver
from atelier.context.prompt import file_header
from atelier.context.secrets import REDACTED, has_secrets, is_secret_file, redact
from atelier.models.fim import FimFormat

PREFIX_CHARS, SUFFIX_CHARS = 4000, 2000  # FIM context kept around the middle
MIDDLE_CHARS = (16, 1500)  # a middle's size bounds
FIM_LINES_PER_SAMPLE = 40  # one FIM sample per this many lines of a file, at most FIM_PER_FILE
FIM_PER_FILE = 8
NEXT_CHARS = 1500  # a next-token sample's size at most (models without FIM tokens)
MAX_FUNCTION_CHARS = 4000
NEAR_DUPLICATE = 0.85  # estimated Jaccard similarity above which two texts are near-duplicates
_NAMES = {"c_sharp": "C#", "cpp": "C++", "tsx": "TypeScript", "javascript": "JavaScript", "typescript": "TypeScript"}


class Funnel(msgspec.Struct):
    files: int = 0
    denied_by_license: int = 0
    secret_files: int = 0
    unreadable: int = 0  # too large, binary or unreadable
    kept_after_filtering: int = 0
    exact_duplicate_files: int = 0
    near_duplicate_files: int = 0
    kept_after_dedup: int = 0
    files_with_secrets: int = 0  # kept, their secrets redacted; samples showing them dropped
    samples: int = 0
    samples_with_secrets: int = 0
    exact_duplicate_samples: int = 0
    near_duplicate_samples: int = 0
    kept_samples: int = 0
    by_kind: dict[str, int] = {}
    licenses: dict[str, int] = {}  # kept files per licence ("none": no licence found)


class Dedup:
    """Exact (SHA-256 of the whitespace-normalised text) and near-duplicate detection
    (MinHash of word 5-shingles, 128 permutations, LSH in 16 bands of 8 rows: pairs above
    ~0.7 similarity become candidates, checked against NEAR_DUPLICATE)."""

    PERMUTATIONS, BANDS = 128, 16
    _PRIME = np.uint64((1 << 61) - 1)

    def __init__(self, threshold: float = NEAR_DUPLICATE, seed: int = 1) -> None:
        self.threshold = threshold
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, (1 << 61) - 1, self.PERMUTATIONS, dtype=np.uint64)
        self._b = rng.integers(0, (1 << 61) - 1, self.PERMUTATIONS, dtype=np.uint64)
        self._exact: set[bytes] = set()
        self._buckets: list[dict[bytes, list[int]]] = [{} for _ in range(self.BANDS)]
        self._signatures: list[np.ndarray] = []

    def signature(self, text: str) -> np.ndarray:
        words = re.findall(r"\w+", text)
        shingles = {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}
        hashes = np.fromiter((zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles))
        # Universal hashing (a·x + b mod p); the product wraps at 2^64, as datasketch's does.
        with np.errstate(over="ignore"):
            permuted = (hashes[:, None] * self._a + self._b) % self._PRIME
        return (permuted & np.uint64(0xFFFFFFFF)).min(axis=0)

    def check(self, text: str) -> str | None:
        """"exact" or "near" if `text` duplicates one seen before; else None, and it is kept."""
        digest = hashlib.sha256(" ".join(text.split()).encode()).digest()
        if digest in self._exact:
            return "exact"
        signature = self.signature(text)
        rows = self.PERMUTATIONS // self.BANDS
        keys = [signature[i * rows:(i + 1) * rows].tobytes() for i in range(self.BANDS)]
        candidates = {c for band, key in zip(self._buckets, keys) for c in band.get(key, ())}
        if any(np.mean(self._signatures[c] == signature) >= self.threshold for c in candidates):
            return "near"
        self._exact.add(digest)
        for band, key in zip(self._buckets, keys):
            band.setdefault(key, []).append(len(self._signatures))
        self._signatures.append(signature)
        return None


# -- samples ------------------------------------------------------------------------------

def _cut_prefix(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    return cut[cut.find("\n") + 1:] if "\n" in cut else cut


def _cut_suffix(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind("\n") + 1] if "\n" in cut else cut


def fim_spans(source: bytes, language: str | None, rng: random.Random, count: int) -> list[tuple[int, int]]:
    """Byte ranges of up to `count` syntax nodes to use as middles: named nodes between
    MIDDLE_CHARS in size that are not comments or bare strings, not overlapping."""
    parser = make_parser(language)
    if parser is None:
        return []
    candidates: list[Node] = []
    stack = [parser.parse(source).root_node]
    while stack:
        node = stack.pop()
        size = node.end_byte - node.start_byte
        if node.parent is not None and MIDDLE_CHARS[0] <= size <= MIDDLE_CHARS[1] and not node.has_error \
                and "comment" not in node.type and node.type not in ("string", "string_content"):
            candidates.append(node)
        if size > MIDDLE_CHARS[0]:
            stack.extend(node.named_children)
    rng.shuffle(candidates)
    chosen: list[tuple[int, int]] = []
    for node in candidates:
        if len(chosen) >= count:
            break
        if all(node.end_byte <= s or node.start_byte >= e for s, e in chosen):
            chosen.append((node.start_byte, node.end_byte))
    return sorted(chosen)


def fim_text(source: bytes, start: int, end: int, fmt: FimFormat) -> str:
    prefix = _cut_prefix(source[:start].decode(errors="replace"), PREFIX_CHARS)
    suffix = _cut_suffix(source[end:].decode(errors="replace"), SUFFIX_CHARS)
    middle = source[start:end].decode(errors="replace")
    return fmt.render(prefix, suffix) + middle + (fmt.stop[0] if fmt.stop else "")


def _doc_comment(node: Node) -> tuple[str, Node | None]:
    """The comment block right above a declaration (JSDoc, Javadoc, ///, Go's //), cleaned,
    and its first comment node."""
    lines: list[str] = []
    first = None
    prev, row = outer_node(node).prev_named_sibling, outer_node(node).start_point[0]
    while prev is not None and "comment" in prev.type and prev.end_point[0] >= row - 1:
        lines[:0] = prev.text.decode(errors="replace").split("\n")
        first, row, prev = prev, prev.start_point[0], prev.prev_named_sibling
    cleaned = [re.sub(r"^\s*(/\*\*?|\*/|\*|///?|#)\s?", "", ln).rstrip().removesuffix("*/").rstrip() for ln in lines]
    return "\n".join(cleaned).strip(), first


def documented_functions(source: bytes, language: str | None) -> list[tuple[str, str, str, str]]:
    """(name, docstring, the function with its docstring, the function without it) for each
    documented function or method."""
    parser = make_parser(language)
    kinds = function_kinds(language)
    if parser is None or not kinds:
        return []
    out = []
    stack = [parser.parse(source).root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type not in kinds or node.has_error or node.end_byte - node.start_byte > MAX_FUNCTION_CHARS:
            continue
        name_node = node.child_by_field_name("name")
        name = name_node.text.decode(errors="replace") if name_node is not None else ""
        outer = outer_node(node)  # with decorators, `export`
        line_start = source.rfind(b"\n", 0, outer.start_byte) + 1
        indent = outer.start_byte - line_start
        code = source[line_start:node.end_byte].decode(errors="replace")
        if language == "python":
            body = node.child_by_field_name("body")
            first = body.named_children[0] if body is not None and body.named_children else None
            if first is None or first.type != "expression_statement" or first.named_children[0].type != "string" \
                    or len(body.named_children) < 2:
                continue
            try:
                doc = ast.literal_eval(first.text.decode(errors="replace"))
            except (ValueError, SyntaxError):
                continue
            doc_line_start = source.rfind(b"\n", 0, first.start_byte) + 1
            doc_line_end = source.find(b"\n", first.end_byte)
            bare = (source[line_start:doc_line_start] + source[doc_line_end + 1:node.end_byte]).decode(errors="replace")
            with_doc = code
        else:
            doc, first = _doc_comment(node)
            if not doc or first is None:
                continue
            bare = code
            with_doc = source[source.rfind(b"\n", 0, first.start_byte) + 1:node.end_byte].decode(errors="replace")
        doc = " ".join(doc.split()) if "\n\n" not in doc.strip() else _dedent_doc(doc)
        if len(doc.split()) < 3 or not name:
            continue
        out.append((name, doc, _dedent(with_doc, indent), _dedent(bare, indent)))
    return out


def _dedent(text: str, indent: int) -> str:
    return "\n".join(ln[indent:] if ln[:indent].isspace() else ln for ln in text.split("\n"))


def _dedent_doc(doc: str) -> str:
    lines = doc.strip().split("\n")
    rest = [ln for ln in lines[1:] if ln.strip()]
    margin = min((len(ln) - len(ln.lstrip()) for ln in rest), default=0)
    return "\n".join([lines[0].strip()] + [ln[margin:].rstrip() for ln in lines[1:]]).strip()


def instruction_samples(name: str, doc: str, with_doc: str, bare: str, language: str) -> list[tuple[str, list[dict]]]:
    lang = _NAMES.get(language, language.capitalize())
    tag = {"c_sharp": "csharp"}.get(language, language)
    signature = bare.strip().split("\n", 1)[0].rstrip(" {:")
    return [
        ("write_function", [
            {"role": "user", "content": f"Write the {lang} function `{signature}`: {doc}"},
            {"role": "assistant", "content": f"```{tag}\n{with_doc.strip()}\n```"},
        ]),
        ("document_function", [
            {"role": "user", "content": f"Write the documentation of this {lang} function, in one or more plain sentences:\n\n```{tag}\n{bare.strip()}\n```"},
            {"role": "assistant", "content": doc},
        ]),
    ]


class KeptFile(NamedTuple):
    path: str  # relative to the root
    license: str | None
    text: str  # redacted when it had secrets
    had_secrets: bool


def export(root: Path, policy: LicensePolicy, fmt: FimFormat, kinds: tuple[str, ...] = ("fim", "instruct"),
           seed: int = 0, max_files: int = 100_000) -> tuple[list[dict], Funnel]:
    """The samples of the source files under `root` (.gitignore applied) and the funnel."""
    funnel = Funnel()
    kept = kept_files(root, policy, funnel, max_files)
    return file_samples(kept, fmt, kinds, seed, funnel), funnel


def kept_files(root: Path, policy: LicensePolicy, funnel: Funnel, max_files: int = 100_000) -> list[KeptFile]:
    """The funnel's first half: the source files under `root` the licence policy lets in, not
    secret files, not duplicates of one kept before; texts with secrets redacted."""
    resolver = LicenseResolver(root)
    kept: list[tuple[str, str | None, str, bool]] = []  # (path, licence, text, had secrets)
    file_dedup = Dedup()
    index = WorkspaceIndex(root, max_files=max_files)
    for rel in index.paths():
        language = EXTENSIONS.get(Path(rel).suffix.lower())
        if language is None:
            continue  # documentation
        funnel.files += 1
        if is_secret_file(rel):
            funnel.secret_files += 1
            continue
        path = index.root / rel
        try:
            data = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else b"\0"
        except OSError:
            data = b"\0"
        if b"\0" in data[:8192]:
            funnel.unreadable += 1
            continue
        text = data.decode(errors="replace")
        found, _ = resolver.license_of(rel, text[:4096])
        if not policy.allows(found):
            funnel.denied_by_license += 1
            continue
        funnel.kept_after_filtering += 1
        duplicate = file_dedup.check(text)
        if duplicate == "exact":
            funnel.exact_duplicate_files += 1
        elif duplicate == "near":
            funnel.near_duplicate_files += 1
        else:
            secret = has_secrets(text)
            funnel.files_with_secrets += secret
            kept.append(KeptFile(rel, found, redact(text) if secret else text, secret))
            funnel.licenses[found or "none"] = funnel.licenses.get(found or "none", 0) + 1
    funnel.kept_after_dedup = len(kept)
    return kept


def next_token_chunks(rel: str, text: str, language: str | None) -> list[str]:
    """A file as next-token samples: pieces of up to NEXT_CHARS cut at line ends, each headed by
    the file's name as the completion prompt heads it (context.prompt.file_header)."""
    header, chunks, current = file_header(rel, language), [], ""
    for line in text.splitlines(keepends=True):
        if current and len(current) + len(line) > NEXT_CHARS:
            chunks.append(current)
            current = ""
        current += line[:NEXT_CHARS]
    if current.strip():
        chunks.append(current)
    return [header + c for c in chunks if len(c.strip()) >= MIDDLE_CHARS[0]]


def file_samples(kept: list[KeptFile], fmt: FimFormat | None, kinds: tuple[str, ...], seed: int,
                 funnel: Funnel) -> list[dict]:
    """The funnel's second half: samples cut from kept files (kinds: "fim" in `fmt`'s tokens,
    "next" next-token pieces, "instruct"), those showing a secret dropped, duplicates removed."""
    samples: list[dict] = []
    sample_dedup: dict[str, Dedup] = {}
    for rel, found, text, _secret in kept:
        language = EXTENSIONS[Path(rel).suffix.lower()]
        meta = {"path": rel, "license": found, "language": language}
        source = text.encode()
        candidates: list[tuple[str, str, dict]] = []  # (kind, text compared for deduplication, record)
        if "next" in kinds:
            for chunk in next_token_chunks(rel, text, language):
                candidates.append(("next", chunk, {"text": chunk, "meta": {**meta, "kind": "next"}}))
        if "fim" in kinds and fmt is not None:
            # Seeded per file: the same repository exports the same samples.
            rng = random.Random(f"{seed}:{rel}")
            count = min(FIM_PER_FILE, 1 + text.count("\n") // FIM_LINES_PER_SAMPLE)
            for start, end in fim_spans(source, language, rng, count):
                record = {"text": fim_text(source, start, end, fmt), "meta": {**meta, "kind": "fim"}}
                key = source[max(0, start - 400):end + 200].decode(errors="replace")
                candidates.append(("fim", key, record))
        if "instruct" in kinds:
            for name, doc, with_doc, bare in documented_functions(source, language):
                for kind, messages in instruction_samples(name, doc, with_doc, bare, language):
                    record = {"messages": messages, "meta": {**meta, "kind": kind, "name": name}}
                    candidates.append((kind, with_doc, record))
        for kind, key, record in candidates:
            funnel.samples += 1
            if REDACTED in str(record.get("text", "")) + str(record.get("messages", "")):
                funnel.samples_with_secrets += 1
                continue
            duplicate = sample_dedup.setdefault(kind, Dedup()).check(key)
            if duplicate == "exact":
                funnel.exact_duplicate_samples += 1
            elif duplicate == "near":
                funnel.near_duplicate_samples += 1
            else:
                samples.append(record)
                funnel.by_kind[kind] = funnel.by_kind.get(kind, 0) + 1
    funnel.kept_samples += len(samples)
    return samples


def funnel_lines(f: Funnel) -> list[str]:
    """The funnel as the command prints it: counts and percent of the stage it starts from."""
    pct = lambda n, of: f"{100 * n / of:.1f}%" if of else "-"  # noqa: E731
    return [
        f"files                       {f.files:>7}",
        f"  denied by licence policy  {f.denied_by_license:>7}",
        f"  secret files              {f.secret_files:>7}",
        f"  too large or binary       {f.unreadable:>7}",
        f"kept after filtering        {f.kept_after_filtering:>7}  {pct(f.kept_after_filtering, f.files)} of files",
        f"  exact duplicates          {f.exact_duplicate_files:>7}",
        f"  near duplicates           {f.near_duplicate_files:>7}",
        f"kept after deduplication    {f.kept_after_dedup:>7}  {pct(f.kept_after_dedup, f.files)} of files",
        f"  with secrets (redacted)   {f.files_with_secrets:>7}",
        f"samples cut                 {f.samples:>7}",
        f"  showing secrets, dropped  {f.samples_with_secrets:>7}",
        f"  exact duplicates          {f.exact_duplicate_samples:>7}",
        f"  near duplicates           {f.near_duplicate_samples:>7}",
        f"samples kept                {f.kept_samples:>7}  {pct(f.kept_samples, f.samples)} of samples: "
        + ", ".join(f"{k} {v}" for k, v in sorted(f.by_kind.items())),
        "licences of kept files: " + (", ".join(f"{k} {v}" for k, v in sorted(f.licenses.items(), key=lambda x: -x[1])) or "-"),
    ]
