"""Language detection and offline tree-sitter grammars.

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
from pathlib import Path, PurePosixPath

from tree_sitter import Language, Parser

log = logging.getLogger(__name__)

# LSP languageId -> grammar name (as in tree-sitter-languages' symbol names).
LANGUAGE_IDS: dict[str, str] = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "c": "c",
    "cpp": "cpp",
    "csharp": "c_sharp",
    "ruby": "ruby",
    "php": "php",
    "kotlin": "kotlin",
    "scala": "scala",
    "lua": "lua",
    "shellscript": "bash",
    "sh": "bash",
    "bash": "bash",
}

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".cs": "c_sharp",
    ".rb": "ruby", ".php": "php", ".kt": "kotlin", ".scala": "scala", ".lua": "lua",
    ".sh": "bash", ".bash": "bash",
}

# Line-comment syntax per grammar, for headers and snippets rendered as comments.
LINE_COMMENT: dict[str, str] = {"python": "#", "ruby": "#", "bash": "#", "lua": "--"}
DEFAULT_LINE_COMMENT = "//"

# The per-language wheels, for Pythons that tree-sitter-languages has no wheel for.
_WHEELS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "c_sharp": ("tree_sitter_c_sharp", "language"),
}

CORE_LANGUAGES = ("python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp", "c_sharp")


def language_for(uri_or_path: str, language_id: str | None = None) -> str | None:
    """The grammar name for a document, from its languageId, else its file extension."""
    if language_id and language_id.lower() in LANGUAGE_IDS:
        return LANGUAGE_IDS[language_id.lower()]
    suffix = PurePosixPath(uri_or_path.split("?", 1)[0]).suffix.lower()
    return EXTENSIONS.get(suffix)


def line_comment(language: str | None) -> str:
    return LINE_COMMENT.get(language or "", DEFAULT_LINE_COMMENT if language else "#")


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
