"""Secrets kept out of prompts, the index and exported datasets: files that hold them
(`.env`, private keys, credential stores) are never read, and credential-looking strings in
other files are replaced by a marker before any text leaves the file it came from."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pathspec

REDACTED = "<redacted>"

# Gitignore-style patterns of files whose whole content is secret.
SECRET_FILES = pathspec.GitIgnoreSpec.from_lines([
    ".env", ".env.*", "*.env", ".envrc",
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.kdbx", "*.gpg", "*.asc",
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "*_rsa", "*_ed25519",
    ".npmrc", ".pypirc", ".netrc", ".git-credentials", ".dockercfg", "**/.docker/config.json",
    "credentials", "credentials.json", "*credentials*.json", "service-account*.json",
    "secrets.yml", "secrets.yaml", "secrets.json", "**/.aws/credentials", ".ssh/",  # at any depth
    "!*.example", "!*.sample", "!*.template", "!.env.example",
])

# Credential-looking strings: the whole match is replaced, except for the groups named
# `keep` (the name of an assigned setting stays, so code around it still makes sense).
_PATTERNS = [
    r"-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|\Z)",
    r"\b(AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key id
    r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",  # GitHub tokens
    r"\bgithub_pat_[A-Za-z0-9_]{40,}\b",
    r"\bglpat-[A-Za-z0-9_-]{20,}\b",  # GitLab
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",  # Slack
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b",  # OpenAI / Anthropic style keys
    r"\bAIza[0-9A-Za-z_-]{35}\b",  # Google API key
    r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b",  # JWT
    r"(?P<keep>[a-z][a-z0-9+.-]*://[^\s:/@'\"]+:)[^\s@'\"]{3,}(?=@)",  # password in a URL
    # NAME = "value" where NAME says it is a secret, and the value is a literal of some length.
    r"(?P<keep>(?i:[\w.-]*(?:passw(?:or)?d|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token"
    r"|private[_-]?key|client[_-]?secret|token)[\w.-]*)[\"']?\s*(?::=|=>|[:=])\s*)"
    # An unquoted value counts only with letters and digits mixed and no dots: not
    # `token = self.stream.current`, which is code.
    r"(?:\"[^\"\n]{8,}\"|'[^'\n]{8,}'|(?=[A-Za-z+/_\-]*\d)(?=[0-9+/_\-]*[A-Za-z])[A-Za-z0-9+/_\-]{16,}(?=\s|$|[,;]))",
]
_SECRET = re.compile("|".join(f"(?:{p})" for p in _PATTERNS).replace("?P<keep>", "?:"), re.M)
_ONE = [re.compile(p, re.M) for p in _PATTERNS]


def is_secret_file(rel_path: str) -> bool:
    """True for a file (path relative to its workspace, or a bare name) that holds secrets."""
    path = PurePosixPath(rel_path.replace("\\", "/"))
    return SECRET_FILES.match_file(path.as_posix()) or SECRET_FILES.match_file(path.name)


# Each pattern holds one of these literals (keep them in step), and a search for them is
# cheap where the patterns are not: Python's re tries `\b...` and `(?i:[\w.-]*...)` at every
# position (~0.4 ms per snippet, several ms per prompt). The patterns run only where a literal is.
_HINT = re.compile(r"-----BEGIN|AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|sk-|AIza|eyJ|://")
_NAME_HINT = re.compile(r"passw|secret|key|token")  # in lowercased text: a setting's name
_TOKENS = re.compile("|".join(f"(?:{p})" for p in _PATTERNS[:-1]).replace("?P<keep>", "?:"), re.M)
_SETTING = _ONE[-1]  # NAME = value, the last pattern
_NAME_START = re.compile(r"[\w.-]*\Z")  # searched up to a hit: where its name starts


def has_secrets(text: str) -> bool:
    """Whether `text` holds a credential-looking string: the same answer as `_SECRET`, faster."""
    lower = text.lower()
    if len(lower) != len(text):  # a few characters lowercase to two: positions would differ
        return _SECRET.search(text) is not None
    for hit in _HINT.finditer(text):
        # Every other pattern stays on the line of its literal (a private key block cut at the
        # line's end still matches: `\Z` holds at `endpos`).
        start = text.rfind("\n", 0, hit.start()) + 1
        end = text.find("\n", hit.end())
        if _TOKENS.search(text, start, len(text) if end < 0 else end):
            return True
    for hit in _NAME_HINT.finditer(lower):
        # A setting's name is the run of name characters around the hit: match from its start
        # (its value may follow on a later line).
        name = _NAME_START.search(text, max(0, hit.start() - 256), hit.start())
        if _SETTING.match(text, name.start() if name else hit.start()):
            return True
    return False


def redact(text: str) -> str:
    """`text` with every credential-looking string replaced by REDACTED."""
    if not has_secrets(text):  # the common case: one scan, no copy
        return text
    for pattern in _ONE:
        text = pattern.sub(_replacement, text)
    return text


def _replacement(match: re.Match) -> str:
    keep = match.groupdict().get("keep")
    return (keep or "") + REDACTED
