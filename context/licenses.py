"""Which licence each file is under, and whether a policy lets it into prompts and datasets.

A file's licence is, first found wins: its own `SPDX-License-Identifier:` header; else the
nearest folder at or above it (up to the workspace root) that has a licence file (LICENSE,
COPYING, …, recognised by the phrases of its text) or package metadata naming one
(pyproject.toml, package.json, Cargo.toml, pom.xml; a Go module's licence file sits beside
its go.mod). Files under no licence get None: usually the company's own code.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path

NONE = "none"  # how policies and reports name "no licence found"
DEFAULT_DENY = ("GPL-2.0*", "GPL-3.0*", "AGPL-3.0*")

# Distinctive phrases of each licence text, all of which must appear (after whitespace and
# case are normalised). Checked in order: the GPL family's texts mention each other, so
# the most specific comes first.
_TEXTS: list[tuple[str, tuple[str, ...]]] = [
    # Full texts, by their title lines (a GPL text mentions the AGPL and LGPL by name too).
    ("AGPL-3.0", ("gnu affero general public license version 3, 19 november 2007",)),
    ("LGPL-3.0", ("gnu lesser general public license version 3, 29 june 2007",)),
    ("LGPL-2.1", ("gnu lesser general public license version 2.1, february 1999",)),
    ("LGPL-2.0", ("gnu library general public license version 2, june 1991",)),
    ("GPL-3.0", ("gnu general public license version 3, 29 june 2007",)),
    ("GPL-2.0", ("gnu general public license version 2, june 1991",)),
    ("MPL-2.0", ("mozilla public license version 2.0",)),
    ("Apache-2.0", ("apache license version 2.0, january 2004",)),
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
    ("ISC", ("permission to use, copy, modify, and/or distribute this software for any purpose",)),
    ("ISC", ("permission to use, copy, modify, and distribute this software for any purpose",)),
]
_FULL_TEXTS = 8  # the first entries: whole texts, whose appendix quotes the "or later" notice

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

_SPDX = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+\-() ]+?)\s*(?:\*/|-->|$)", re.M)
LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|unlicense)([.\-_].*)?$", re.I)
HEADER_BYTES = 4096  # SPDX headers sit in a file's first lines


def identify_text(text: str) -> str | None:
    """The SPDX identifier of a licence text, from its distinctive phrases; None if unknown."""
    flat = " ".join(text.lower().split())
    for i, (spdx, phrases) in enumerate(_TEXTS):
        if all(p in flat for p in phrases):
            if i >= _FULL_TEXTS and "gpl" in spdx.lower() and "at your option) any later version" in flat:
                return spdx + "-or-later"
            return spdx
    return None


def normalize(name: str) -> str | None:
    """An SPDX identifier (or expression) from a metadata string; None if empty."""
    name = name.strip()
    if not name or name.upper() in ("UNKNOWN", "NOASSERTION", "UNLICENSED", "SEE LICENSE FILE"):
        return None
    if len(name) > 200 or "\n" in name:  # a whole licence text in a metadata field
        return identify_text(name)
    return _ALIASES.get(name.lower().removeprefix("license :: osi approved :: ").removeprefix("license :: "), name)


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
    for classifier in project.get("classifiers", []):
        if classifier.startswith("License ::"):
            return normalize(classifier.rsplit("::", 1)[-1])
    return None


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
        classifier = re.search(r"^Classifier: License :: .* :: (.+)$", meta, re.M)
        for value in (fields.get("License-Expression"), fields.get("License"), classifier and classifier.group(1)):
            found = normalize(value) if value else None
            if found:
                return found, f"../{info.name}/METADATA"
        for path in sorted(info.rglob("*")):
            if LICENSE_FILE.match(path.name) and path.is_file() and (found := identify_text(path.read_text(errors="replace"))):
                return found, f"../{info.name}/{path.relative_to(info)}"
    return None, ""


_METADATA = {"pyproject.toml": _pyproject, "package.json": _package_json, "Cargo.toml": _cargo, "pom.xml": _pom}
METADATA_FILES = frozenset(_METADATA)


def folder_own_license(folder: Path) -> tuple[str | None, str]:
    """(licence, where it was read) declared in `folder` itself: package metadata, then a
    licence file. (None, "") when the folder says nothing."""
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
    for path in names:
        try:
            found = identify_text(path.read_text(errors="replace")[:200_000])
        except OSError:
            continue
        if found:
            return found, path.name
    return _dist_info(folder) if folder.parent.name in ("site-packages", "dist-packages") else (None, "")


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


class LicensePolicy:
    """Which licences may reach prompts and datasets: a licence matching a `deny` pattern is
    excluded unless it also matches an `allow` pattern (allow wins). Patterns are shell-style
    (`GPL-3.0*`); `none` names files without a licence. An expression `A OR B` passes when one
    choice passes; `A AND B` needs both; `A WITH exception` is
    matched whole, so `GPL-2.0*` denies it and an allow pattern may name the exception."""

    def __init__(self, deny: tuple[str, ...] | list[str] = DEFAULT_DENY, allow: tuple[str, ...] | list[str] = ()) -> None:
        self.deny = tuple(deny)
        self.allow = tuple(allow)
        self._cache: dict[str | None, bool] = {}

    def _one(self, spdx: str) -> bool:
        lowered = spdx.lower()
        match = lambda patterns: any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)  # noqa: E731
        return match(self.allow) or not match(self.deny)

    def allows(self, license: str | None) -> bool:
        cached = self._cache.get(license)
        if cached is None:
            cached = self._cache[license] = self._evaluate(license)
        return cached

    def _evaluate(self, license: str | None) -> bool:
        if not license:
            return self._one(NONE)
        expr = license.replace("(", " ").replace(")", " ")
        choices = re.split(r"\s+OR\s+", expr.strip(), flags=re.I)
        # `X WITH exception` stays one term: a pattern may name the exception.
        return any(all(self._one(" ".join(p.split())) for p in re.split(r"\s+AND\s+", c.strip(), flags=re.I) if p)
                   for c in choices)



def license_report(root: Path, paths: list[str], policy: LicensePolicy) -> dict:
    """Files per licence under `root` and what `policy` excludes, for `atelier licenses`:
    {"root", "files", "excluded_files", "licenses": [{"license", "files", "excluded",
    "sources": {where read: files}, "examples": [...]}]}, largest first."""
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
    return {
        "root": str(resolver.root),
        "files": len(paths),
        "excluded_files": sum(g["files"] for g in ordered if g["excluded"]),
        "policy": {"deny": list(policy.deny), "allow": list(policy.allow)},
        "licenses": ordered,
    }
