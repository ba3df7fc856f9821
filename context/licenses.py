"""Which licence each file is under, and whether a policy lets it into prompts and datasets.

A file's licence is, first found wins: its own `SPDX-License-Identifier:` header; else the
nearest folder at or above it (up to the workspace root) that has a licence file (LICENSE,
COPYING, …, recognised by the phrases of its text) or package metadata naming one
(pyproject.toml, package.json, Cargo.toml, pom.xml; a Go module's licence file sits beside
its go.mod). Files under no licence get None: usually the company's own code. A licence file
whose text is not recognised gives `unknown` (UNKNOWN), which the default policy denies.

Expressions are parsed by license-expression (nexB; its SPDX licence index ships in its wheel,
nothing is fetched): parentheses, AND over OR, `+` and `-or-later`, `WITH` exceptions.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import tomllib
from pathlib import Path

from license_expression import LicenseWithExceptionSymbol, Licensing, get_spdx_licensing

NONE = "none"  # how policies and reports name "no licence found"
UNKNOWN = "unknown"  # a licence file whose text is not recognised: someone's licence, not ours
# The GPL and AGPL families (any version, `+` and `-or-later` included), the source-available
# SSPL and BUSL, the EUPL (copyleft), and licence texts it cannot read. The LGPL is allowed.
DEFAULT_DENY = ("GPL-1.0*", "GPL-2.0*", "GPL-3.0*", "AGPL-1.0*", "AGPL-3.0*", "SSPL-*", "EUPL-*", "BUSL-*", UNKNOWN)

# Distinctive phrases of each licence text, all of which must appear (after whitespace and
# case are normalised). Checked in order: the GPL family's texts mention each other, so
# the most specific comes first.
_FULL: list[tuple[str, tuple[str, ...]]] = [
    # Source-available and EU licences, whose texts quote GPL names: before the GNU family.
    ("SSPL-1.0", ("server side public license version 1, october 16, 2018",)),
    ("BUSL-1.1", ("business source license", "make non-production use of the licensed work")),
    ("EUPL-1.2", ("european union public licence v. 1.2",)),
    ("EUPL-1.1", ("european union public licence v. 1.1",)),
    ("EUPL-1.0", ("european union public licence v. 1.0",)),
    # Full texts, by their title lines (a GPL text mentions the AGPL and LGPL by name too).
    ("AGPL-3.0", ("gnu affero general public license version 3, 19 november 2007",)),
    ("LGPL-3.0", ("gnu lesser general public license version 3, 29 june 2007",)),
    ("LGPL-2.1", ("gnu lesser general public license version 2.1, february 1999",)),
    ("LGPL-2.0", ("gnu library general public license version 2, june 1991",)),
    ("GPL-3.0", ("gnu general public license version 3, 29 june 2007",)),
    ("GPL-2.0", ("gnu general public license version 2, june 1991",)),
    ("MPL-2.0", ("mozilla public license version 2.0",)),
    ("Apache-2.0", ("apache license version 2.0, january 2004",)),
    ("EPL-2.0", ("eclipse public license - v 2.0",)),
    ("EPL-1.0", ("eclipse public license - v 1.0",)),
    ("BSL-1.0", ("boost software license - version 1.0",)),
    ("CC0-1.0", ("cc0 1.0 universal",)),
]
_NOTICES: list[tuple[str, tuple[str, ...]]] = [
    # Short notices that stand for a text.
    ("AGPL-3.0", ("gnu affero general public license as published by the free software foundation", "version 3")),
    ("LGPL-3.0", ("gnu lesser general public license as published by the free software foundation", "version 3")),
    ("LGPL-2.1", ("gnu lesser general public license as published by the free software foundation", "version 2.1")),
    ("GPL-3.0", ("gnu general public license as published by the free software foundation", "version 3")),
    ("GPL-2.0", ("gnu general public license as published by the free software foundation", "version 2")),
    ("MPL-2.0", ("mozilla public license, v. 2.0",)),
    ("Apache-2.0", ("licensed under the apache license, version 2.0",)),
    ("Unlicense", ("this is free and unencumbered software released into the public domain",)),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "neither the name")),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "may be used to endorse or promote")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms", "this list of conditions")),
    ("MIT", ("permission is hereby granted, free of charge, to any person obtaining a copy",)),
    ("0BSD", ("distribute this software for any purpose with or without fee is hereby granted. the software",)),
    ("ISC", ("permission to use, copy, modify, and/or distribute this software for any purpose",)),
    ("ISC", ("permission to use, copy, modify, and distribute this software for any purpose",)),
    ("Zlib", ("this software is provided 'as-is', without any express or implied", "altered source versions must be plainly marked")),
]
_TEXTS = _FULL + _NOTICES
_FULL_TEXTS = len(_FULL)  # whole texts, whose appendix quotes the "or later" notice

# Names found in metadata and classifiers → SPDX identifiers.
_ALIASES = {
    "mit license": "MIT", "mit": "MIT", "expat": "MIT",
    "apache software license": "Apache-2.0", "apache license 2.0": "Apache-2.0", "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0", "apache 2": "Apache-2.0", "apache license, version 2.0": "Apache-2.0",
    "the apache software license, version 2.0": "Apache-2.0", "apache license version 2.0": "Apache-2.0",
    "bsd license": "BSD-3-Clause", "bsd": "BSD-3-Clause", "new bsd license": "BSD-3-Clause",
    "simplified bsd license": "BSD-2-Clause", "isc license (iscl)": "ISC", "isc license": "ISC",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0", "mpl 2.0": "MPL-2.0",
    "gnu general public license v2 (gplv2)": "GPL-2.0", "gplv2": "GPL-2.0", "gpl v2": "GPL-2.0", "gpl-2": "GPL-2.0",
    "gnu general public license v3 (gplv3)": "GPL-3.0", "gplv3": "GPL-3.0", "gpl v3": "GPL-3.0", "gpl-3": "GPL-3.0",
    "gnu general public license v2 or later (gplv2+)": "GPL-2.0-or-later",
    "gnu general public license v3 or later (gplv3+)": "GPL-3.0-or-later",
    "gnu affero general public license v3": "AGPL-3.0", "agplv3": "AGPL-3.0",
    "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0", "lgplv3": "LGPL-3.0",
    "gnu lesser general public license v2 (lgplv2)": "LGPL-2.0", "lgplv2": "LGPL-2.0",
    "the unlicense (unlicense)": "Unlicense", "unlicense": "Unlicense",
    "python software foundation license": "PSF-2.0",
    "the mit license": "MIT", "gpl": "GPL-2.0-or-later", "lgpl": "LGPL-2.0-or-later",
}

# The GNU family by name, as classifiers and metadata write it: "GNU General Public License v3
# or later (GPLv3+)", "GNU Library or Lesser General Public License (LGPL)", "GPLv2+", "AGPLv3".
_GNU_LONG = re.compile(r"^(?:the )?(?:gnu )?(?P<family>affero general|lesser general|library or lesser general|library general"
                       r"|general) public licen[cs]e(?:,? (?:v|version) ?\.? ?(?P<version>\d+(?:\.\d+)?))?"
                       r"(?P<later> or later| or any later version|\+)?(?: \((?:a|l)?gplv?[\d.]*\+?\))?$")
_GNU_SHORT = re.compile(r"^(?:gnu )?(?P<family>a|l)?gpl(?:[ -]?v?(?P<version>\d+(?:\.\d+)?))?"
                        r"(?P<later>\+| or later| or any later version)?(?: \([al]?gplv?[\d.]*\+?\))?$")
_GNU_IDS = {"affero general": "AGPL", "a": "AGPL", "lesser general": "LGPL", "library or lesser general": "LGPL",
            "library general": "LGPL", "l": "LGPL", "general": "GPL", None: "GPL"}
# A family named without a version: the oldest version the deny list still catches ("GPL"
# lets the user take any GPL version, so GPL-2.0-or-later is what it grants at the least).
_GNU_UNVERSIONED = {"GPL": "GPL-2.0-or-later", "LGPL": "LGPL-2.0-or-later", "AGPL": "AGPL-3.0-or-later"}
_EUPL = re.compile(r"^(?:the )?(?:european union public licen[cs]e|eupl)(?:,? (?:v|version)?\.? ?|[ -]v?)?"
                   r"(?P<version>1\.[012])?(?: \(eupl[ -]?v?1\.[012]\))?$")
_SSPL = re.compile(r"^(?:the )?(?:server side public license|sspl)(?:,? (?:v|version)?\.? ?|[ -]v?)?(?:1(?:\.0)?)?"
                   r"(?: \(sspl(?:[ -]?v?1(?:\.0)?)?\))?$")
_BUSL = re.compile(r"^(?:the )?(?:(?:mariadb )?business source license|busl)(?:[ -]v?|,? version )?(?:1\.1)?"
                   r"(?: \((?:busl|bsl)[ -]?1\.1\))?$|^(?:mariadb )?bsl[ -]v?1\.1$")  # BSL-1.0 is Boost's
_TRAILING_ID = re.compile(r"\(([A-Za-z0-9.+-]+)\)$")  # "Eclipse Public License 2.0 (EPL-2.0)"
_OPERATOR = re.compile(r"\s(?:and|or|with)\s", re.I)
_GENERIC_CLASSIFIERS = {"osi approved", "dfsg approved"}  # say nothing about which licence


@functools.cache
def _spdx_licensing() -> Licensing:
    """license-expression's SPDX licensing (its index ships in the wheel: ~30 ms, loaded once)."""
    return get_spdx_licensing()


@functools.cache
def _spdx_keys() -> dict[str, str]:
    return {key.lower(): key for key in _spdx_licensing().known_symbols}


@functools.lru_cache(maxsize=4096)
def common_name(name: str) -> str | None:
    """The SPDX identifier a licence's common name or trove classifier stands for ("GNU Affero
    General Public License v3 or later (AGPLv3+)" → AGPL-3.0-or-later); None if not one."""
    low = " ".join(name.lower().split()).removeprefix("license :: ").removeprefix("osi approved :: ")
    if low in _ALIASES:
        return _ALIASES[low]
    gnu = _GNU_LONG.match(low) or _GNU_SHORT.match(low)
    if gnu:
        family = _GNU_IDS[gnu["family"]]
        if not gnu["version"]:
            return _GNU_UNVERSIONED[family]
        version = gnu["version"] if "." in gnu["version"] else gnu["version"] + ".0"
        return f"{family}-{version}" + ("-or-later" if gnu["later"] else "")
    if eupl := _EUPL.match(low):
        return f"EUPL-{eupl['version'] or '1.2'}"
    if _SSPL.match(low):
        return "SSPL-1.0"
    if _BUSL.match(low):
        return "BUSL-1.1"
    trailing = _TRAILING_ID.search(name.strip())
    if trailing and name.count("(") == 1 and not _OPERATOR.search(name) and trailing[1].lower() in _spdx_keys():
        return _spdx_keys()[trailing[1].lower()]  # a name, not an expression such as "MIT AND (EPL-2.0)"
    return None


_SPDX = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+\-() ]+?)\s*(?:\*/|-->|$)", re.M)
LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|unlicense)([.\-_].*)?$", re.I)
# Names LICENSE_FILE matches that are code or data, not a licence text (a module license.py).
_NOT_TEXTS = frozenset("py pyi pyc js mjs cjs ts tsx jsx go rs java kt kts scala c h cc cpp hpp cs rb php swift sh"
                       " json toml yaml yml xml html htm css lock cfg ini sql".split())
HEADER_BYTES = 4096  # SPDX headers sit in a file's first lines


def is_license_text(name: str) -> bool:
    """Whether a file of this name holds a licence text (LICENSE, COPYING.LESSER, LICENSE-MIT.md),
    not code (license.py)."""
    if not LICENSE_FILE.match(name):
        return False
    return "." not in name or name.rsplit(".", 1)[-1].lower() not in _NOT_TEXTS


def identify_text(text: str) -> str | None:
    """The SPDX identifier of a licence text, from its distinctive phrases (or an
    `SPDX-License-Identifier:` line in it); None if unknown."""
    flat = " ".join(text.lower().split())
    for i, (spdx, phrases) in enumerate(_TEXTS):
        if all(p in flat for p in phrases):
            if i >= _FULL_TEXTS and "gpl" in spdx.lower() and "at your option) any later version" in flat:
                return spdx + "-or-later"
            return spdx
    return spdx_header(text)


def normalize(name: str) -> str | None:
    """An SPDX identifier (or expression) from a metadata string; None if empty."""
    name = name.strip()
    if not name or name.upper() in ("UNKNOWN", "NOASSERTION", "UNLICENSED", "SEE LICENSE FILE"):
        return None
    if len(name) > 200 or "\n" in name:  # a whole licence text in a metadata field
        return identify_text(name)
    return common_name(name) or name


def _classifiers(classifiers: list[str]) -> str | None:
    """The licence of a package's trove classifiers. Several: all of them (AND), since
    classifiers cannot say whether they are a choice."""
    found = []
    for classifier in classifiers:
        parts = [p.strip() for p in classifier.split("::")]
        if parts[0] != "License" or len(parts) < 2 or parts[-1].lower() in _GENERIC_CLASSIFIERS:
            continue
        name = normalize(parts[-1])
        if name:
            found.append(name)
    found = list(dict.fromkeys(found))
    if len(found) > 1:
        found = [f"({name})" if " " in name else name for name in found]
    return " AND ".join(found) if found else None


def spdx_header(head: str) -> str | None:
    """The expression of an `SPDX-License-Identifier:` line in a file's first bytes."""
    match = _SPDX.search(head[:HEADER_BYTES])
    return match.group(1).strip() if match else None


def _pyproject(path: Path) -> str | None:
    project = tomllib.loads(path.read_text(errors="replace")).get("project", {})
    lic = project.get("license")
    if isinstance(lic, str):  # PEP 639: an SPDX expression
        return normalize(lic)
    if isinstance(lic, dict) and isinstance(lic.get("text"), str):
        return normalize(lic["text"])
    classifiers = project.get("classifiers", [])
    return _classifiers([c for c in classifiers if isinstance(c, str)]) if isinstance(classifiers, list) else None


def _package_json(path: Path) -> str | None:
    lic = json.loads(path.read_text(errors="replace")).get("license")
    if isinstance(lic, dict):  # the old {"type": "MIT", "url": …} form
        lic = lic.get("type")
    return normalize(lic) if isinstance(lic, str) else None


def _cargo(path: Path) -> str | None:
    lic = tomllib.loads(path.read_text(errors="replace")).get("package", {}).get("license")
    return normalize(lic.replace("/", " OR ")) if isinstance(lic, str) else None  # "MIT/Apache-2.0": old Cargo style


def _pom(path: Path) -> str | None:
    block = re.search(r"<licenses>(.*?)</licenses>", path.read_text(errors="replace"), re.S)
    names = re.findall(r"<name>\s*(.*?)\s*</name>", block.group(1), re.S) if block else []
    found = [n for n in (normalize(x) for x in names) if n]
    return " OR ".join(dict.fromkeys(found)) or None


def _dist_info(folder: Path) -> tuple[str | None, str]:
    """An installed Python package (site-packages/NAME): the licence its dist-info declares."""
    for info in sorted(folder.parent.glob(f"{folder.name}-*.dist-info")):
        try:
            meta = (info / "METADATA").read_text(errors="replace").split("\n\n", 1)[0]
        except OSError:
            continue
        fields = dict(re.findall(r"^(License-Expression|License): *(.+)$", meta, re.M))
        classifiers = _classifiers(re.findall(r"^Classifier: *(License ::.+)$", meta, re.M))
        for value in (fields.get("License-Expression"), fields.get("License")):
            found = normalize(value) if value else None
            if found:
                return found, f"../{info.name}/METADATA"
        if classifiers:
            return classifiers, f"../{info.name}/METADATA"
        unrecognised = ""
        for path in sorted(info.rglob("*")):
            if LICENSE_FILE.match(path.name) and path.is_file():
                if found := identify_text(path.read_text(errors="replace")[:200_000]):
                    return found, f"../{info.name}/{path.relative_to(info)}"
                if not unrecognised and is_license_text(path.name):
                    unrecognised = f"../{info.name}/{path.relative_to(info)}"
        if unrecognised:
            return UNKNOWN, unrecognised
    return None, ""


_METADATA = {"pyproject.toml": _pyproject, "package.json": _package_json, "Cargo.toml": _cargo, "pom.xml": _pom}
METADATA_FILES = frozenset(_METADATA)


def folder_own_license(folder: Path) -> tuple[str | None, str]:
    """(licence, where it was read) declared in `folder` itself: package metadata, then a
    licence file; (UNKNOWN, that file) when it has a licence file whose text none of these
    recognise; (None, "") when the folder says nothing."""
    for name, read in _METADATA.items():
        path = folder / name
        if path.is_file():
            try:
                found = read(path)
            except (OSError, ValueError, AttributeError, tomllib.TOMLDecodeError):
                found = None  # malformed metadata: fall back to the licence file
            if found:
                return found, name
    try:
        names = sorted(p for p in folder.iterdir() if LICENSE_FILE.match(p.name) and p.is_file())
    except OSError:
        return None, ""
    unrecognised = ""
    for path in names:
        try:
            found = identify_text(path.read_text(errors="replace")[:200_000])
        except OSError:
            continue
        if found:
            return found, path.name
        if not unrecognised and is_license_text(path.name):
            unrecognised = path.name
    if folder.parent.name in ("site-packages", "dist-packages"):
        found, source = _dist_info(folder)
        if found:
            return found, source
    return (UNKNOWN, unrecognised) if unrecognised else (None, "")


class LicenseResolver:
    """Licences of the files under `root`, with each folder's answer cached."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._folders: dict[str, tuple[str | None, str]] = {}

    def folder_license(self, rel_folder: str) -> tuple[str | None, str]:
        """(licence, the file it came from relative to root) for a folder, nearest ancestor wins."""
        key = rel_folder.strip("/")
        if key in ("", "."):
            key = ""
        cached = self._folders.get(key)
        if cached is not None:
            return cached
        found, source = folder_own_license(self.root / key)
        if found:
            result = (found, f"{key}/{source}" if key else source)
        elif key:
            result = self.folder_license(key.rsplit("/", 1)[0] if "/" in key else "")
        else:
            result = (None, "")
        self._folders[key] = result
        return result

    def license_of(self, rel: str, head: str | None = None) -> tuple[str | None, str]:
        """(licence, where from) of the file `rel`; `head`: its first bytes if already read."""
        if head is None:
            try:
                with open(self.root / rel, "rb") as f:
                    head = f.read(HEADER_BYTES).decode(errors="replace")
            except OSError:
                head = ""
        own = spdx_header(head)
        if own:
            return own, "SPDX header"
        return self.folder_license(rel.rsplit("/", 1)[0] if "/" in rel else "")


# A parsed expression, as the policy walks it: ("and" | "or", (children…)) or
# ("licence", names, exception names, whether the exception is a licence of its own).
_Node = tuple


def _names(key: str) -> tuple[str, ...]:
    """The names a pattern may use for one licence id: the id, its short and `+` forms
    (GPL-2.0-only: GPL-2.0; GPL-2.0-or-later: GPL-2.0+, and back), and the SPDX id its
    common name stands for."""
    names = [key]
    low = key.lower()
    if low.endswith("-only"):
        names.append(key[:-5])
    elif low.endswith("-or-later"):
        names.append(key[:-9] + "+")
    elif key.endswith("+"):
        names.append(key[:-1] + "-or-later")
    mapped = common_name(key)
    if mapped and mapped not in names:
        names.extend(n for n in _names(mapped) if n not in names)
    return tuple(names)


def _symbol_names(symbol) -> tuple[str, ...]:
    """_names of a parsed symbol, with the other ids the SPDX index knows it by (GPL-2.0-only:
    GPL-2.0; SMLNJ: StandardML-NJ), so a pattern may name a deprecated id as written."""
    names = _names(symbol.key)
    aliases = [a for a in getattr(symbol, "aliases", ()) if not a.startswith("LicenseRef-") and a not in names]
    return names + tuple(aliases)


def _walk(node) -> _Node:
    licensing = _spdx_licensing()
    if isinstance(node, licensing.AND) or isinstance(node, licensing.OR):
        return ("and" if isinstance(node, licensing.AND) else "or", tuple(_walk(arg) for arg in node.args))
    if isinstance(node, LicenseWithExceptionSymbol):
        exception = node.exception_symbol
        return ("licence", _symbol_names(node.license_symbol), _symbol_names(exception),
                not exception.is_exception and exception.key.lower() in _spdx_keys())
    return ("licence", _symbol_names(node), (), False)


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-:_]*")


@functools.lru_cache(maxsize=4096)
def parse_expression(expression: str) -> _Node:
    """An SPDX expression as the policy judges it, cached (each distinct string is parsed once).
    One that license-expression cannot parse ("MIT AND", "GPL-2.0 WITH Classpath*"): every id
    it names, all needed (AND), so a malformed expression never lets a denied id through."""
    mapped = common_name(expression)
    if mapped:  # a whole name or classifier, "GNU General Public License v3 or later (GPLv3+)"
        expression = mapped
    try:
        tree = _spdx_licensing().parse(expression)
    except Exception:  # noqa: BLE001 — a third-party parser's errors vary; the fallback is strict
        tree = None
    if tree is not None:
        return _walk(tree)
    ids = [t for t in _ID.findall(expression) if t.lower() not in ("and", "or", "with")]
    return ("and", tuple(("licence", _names(t), (), False) for t in ids) or (("licence", (expression,), (), False),))


def _matcher(patterns: tuple[str, ...]):
    """One compiled regex for shell-style patterns, case-insensitive; None for no patterns."""
    if not patterns:
        return None
    return re.compile("|".join(fnmatch.translate(p.lower()) for p in patterns)).match


class LicensePolicy:
    """Which licences may reach prompts and datasets: a licence matching a `deny` pattern is
    excluded unless it also matches an `allow` pattern (allow wins). Patterns are shell-style
    over SPDX ids, case-insensitive (`GPL-3.0*`); `none` names files without a licence,
    `unknown` files under a licence text that was not recognised (denied by default).

    Expressions are parsed as SPDX says (license-expression): parentheses first, then AND,
    then OR. `A AND B` passes when every part passes. `A OR B` passes when at least one
    alternative passes: the licensor lets the user choose, and the user may choose the allowed
    one. `+` and `-or-later` are one licence (a pattern may use either form, `GPL-2.0+` or
    `GPL-2.0-or-later`; `GPL-2.0` and `GPL-2.0-only` too). `A WITH exception` is judged by its
    licence A: an exception only adds permissions, so `GPL-2.0-only WITH Classpath-exception-2.0`
    is denied wherever GPL-2.0-only is, unless an allow pattern names the whole term
    (`GPL-2.0-only WITH Classpath-exception-2.0`, or `GPL-2.0* WITH Classpath*`). A licence
    written where an exception belongs
    (`MIT WITH GPL-3.0-only`) must pass too. An expression that does not parse passes only if
    every id it names passes."""

    def __init__(self, deny: tuple[str, ...] | list[str] = DEFAULT_DENY, allow: tuple[str, ...] | list[str] = ()) -> None:
        self.deny = tuple(deny)
        self.allow = tuple(allow)
        self._denied = _matcher(self.deny)
        self._allowed = _matcher(self.allow)
        self._cache: dict[str | None, bool] = {}

    def __repr__(self) -> str:
        return f"LicensePolicy(deny={self.deny!r}, allow={self.allow!r})"

    def _hit(self, match, names) -> bool:
        return match is not None and any(match(n.lower()) for n in names)

    def _one(self, names: tuple[str, ...]) -> bool:
        return self._hit(self._allowed, names) or not self._hit(self._denied, names)

    def allows(self, license: str | None) -> bool:
        cached = self._cache.get(license)
        if cached is None:
            cached = self._cache[license] = self._evaluate(license)
        return cached

    def _evaluate(self, license: str | None) -> bool:
        if not license or not license.strip():
            return self._one((NONE,))
        if license.strip().lower() in (NONE, UNKNOWN):
            return self._one((license.strip().lower(),))
        return self._judge(parse_expression(license.strip()))

    def _judge(self, node: _Node) -> bool:
        kind = node[0]
        if kind == "and":
            return all(self._judge(child) for child in node[1])
        if kind == "or":
            return any(self._judge(child) for child in node[1])
        _, names, exception, exception_is_licence = node
        if not exception:
            return self._one(names)
        whole = tuple(f"{n} WITH {e}" for n in names for e in exception)
        if self._hit(self._allowed, whole):
            return True
        if not self._one(names):
            return False
        return self._one(exception) if exception_is_licence else True


def license_report(root: Path, paths: list[str], policy: LicensePolicy) -> dict:
    """Files per licence under `root` and what `policy` excludes, for `atelier licenses`:
    {"root", "files", "excluded_files", "policy", "licenses": [{"license", "files", "excluded",
    "sources": {where read: files}, "examples": [...]}], largest first, "unknown": {"files",
    "excluded", "license_files": the licence files whose text was not recognised}}."""
    resolver = LicenseResolver(root)
    groups: dict[str, dict] = {}
    for rel in paths:
        found, source = resolver.license_of(rel)
        name = found or NONE
        group = groups.setdefault(name, {"license": name, "files": 0, "excluded": not policy.allows(found),
                                         "sources": {}, "examples": []})
        group["files"] += 1
        where = source or "(no licence found)"
        group["sources"][where] = group["sources"].get(where, 0) + 1
        if len(group["examples"]) < 3:
            group["examples"].append(rel)
    ordered = sorted(groups.values(), key=lambda g: (-g["files"], g["license"]))
    unknown = groups.get(UNKNOWN, {"files": 0, "excluded": not policy.allows(UNKNOWN), "sources": {}})
    return {
        "root": str(resolver.root),
        "files": len(paths),
        "excluded_files": sum(g["files"] for g in ordered if g["excluded"]),
        "policy": {"deny": list(policy.deny), "allow": list(policy.allow)},
        "licenses": ordered,
        "unknown": {"files": unknown["files"], "excluded": unknown["excluded"],
                    "license_files": sorted(w for w in unknown["sources"] if w != "SPDX header")},
    }
