"""Language detection, per-language knowledge and offline tree-sitter grammars.

What Atelier knows of each language is data, one TOML file per grammar in this folder (as
aider keeps its tree-sitter queries): LSP languageIds, file extensions, comment syntax, and
the node types of declarations, imports and definitions that context/ looks for.

Grammars come from `tree-sitter-languages` (one bundled `languages.so`, loaded through ctypes
because its Python API needs an old tree-sitter) or, where that wheel does not exist (Python
3.13+), from the official per-language wheels. Nothing is ever downloaded.
"""

from __future__ import annotations

import ctypes
import functools
import importlib
import importlib.util
import logging
import tomllib
from pathlib import Path, PurePosixPath

import msgspec
from tree_sitter import Language, Parser

log = logging.getLogger(__name__)

DEFAULT_LINE_COMMENT = "//"

class LanguageSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One language's file here (`<grammar name>.toml`): how documents are recognised, how
    comments are written, and the tree-sitter node types the context engine looks for."""

    name: str  # the grammar name, as in tree-sitter-languages' symbol names
    language_ids: tuple[str, ...] = ()  # LSP languageIds
    extensions: tuple[str, ...] = ()
    line_comment: str = DEFAULT_LINE_COMMENT
    wheel: tuple[str, str] | None = None  # (module, function) of the official grammar wheel
    functions: frozenset[str] = frozenset()  # declarations (context.declarations)
    types: frozenset[str] = frozenset()
    imports: tuple[str, ...] = ()  # import statements (context.imports)
    definitions: dict[str, str] = {}  # node type -> tag kind (context.tags)


def _load_specs() -> dict[str, LanguageSpec]:
    folder = Path(__file__).parent
    return {path.stem: msgspec.convert({"name": path.stem, **tomllib.loads(path.read_text(encoding="utf-8"))}, LanguageSpec)
            for path in sorted(folder.glob("*.toml"))}


SPECS: dict[str, LanguageSpec] = _load_specs()
LANGUAGE_IDS: dict[str, str] = {i: spec.name for spec in SPECS.values() for i in spec.language_ids}
EXTENSIONS: dict[str, str] = {e: spec.name for spec in SPECS.values() for e in spec.extensions}
_WHEELS: dict[str, tuple[str, str]] = {spec.name: spec.wheel for spec in SPECS.values() if spec.wheel}

CORE_LANGUAGES = ("python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp", "c_sharp")


def language_for(uri_or_path: str, language_id: str | None = None) -> str | None:
    """The grammar name for a document, from its languageId, else its file extension."""
    if language_id and language_id.lower() in LANGUAGE_IDS:
        return LANGUAGE_IDS[language_id.lower()]
    suffix = PurePosixPath(uri_or_path.split("?", 1)[0]).suffix.lower()
    return EXTENSIONS.get(suffix)


def line_comment(language: str | None) -> str:
    spec = SPECS.get(language or "")
    return spec.line_comment if spec else (DEFAULT_LINE_COMMENT if language else "#")


@functools.cache
def _bundled_library() -> ctypes.CDLL | None:
    spec = importlib.util.find_spec("tree_sitter_languages")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        so = Path(folder) / "languages.so"
        if so.is_file():
            return ctypes.CDLL(str(so))
    return None


def _capsule(pointer: int) -> object:
    # tree-sitter accepts a bare int but warns that it is deprecated; a named capsule is the API.
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)
    return new(pointer, b"tree_sitter.Language", None)


@functools.cache
def load_language(name: str) -> Language | None:
    """The compiled grammar, or None when no installed grammar provides it."""
    lib = _bundled_library()
    if lib is not None:
        fn = getattr(lib, f"tree_sitter_{name}", None)
        if fn is not None:
            fn.restype = ctypes.c_void_p
            try:
                return Language(_capsule(fn()))
            except ValueError as exc:  # grammar ABI this tree-sitter cannot read
                log.warning("bundled grammar %s unusable: %s", name, exc)
    module_name, attr = _WHEELS.get(name, (f"tree_sitter_{name}", "language"))
    try:
        module = importlib.import_module(module_name)
        return Language(getattr(module, attr)())
    except (ImportError, AttributeError, ValueError):
        return None


def make_parser(name: str | None) -> Parser | None:
    if not name:
        return None
    language = load_language(name)
    return Parser(language) if language is not None else None


def available_grammars(names: tuple[str, ...] = CORE_LANGUAGES) -> dict[str, bool]:
    return {name: load_language(name) is not None for name in names}
