"""Secrets kept out of prompts, the index, the stores and exported datasets: files that hold
them (`.env`, private keys, credential stores) are never read, and credential-looking strings
in other files are replaced by a marker before any text leaves the file it came from.

Two kinds of rule find the strings:

- *tokens*: strings whose shape gives them away (`ghp_…`, `sk_live_…`, a private key block),
  whatever is around them. The patterns are ported from gitleaks' default rules
  (https://github.com/gitleaks/gitleaks, config/gitleaks.toml, MIT licence, Copyright (c)
  2019 Zachary Rice), rewritten for Python's `re` and for redaction rather than detection;
- *settings*: a literal assigned to a name that says it is a secret (`DB_PASS = "…"`,
  `"password": "…"`, `export API_TOKEN=…`, `password: …` in YAML), whatever the value looks
  like; code (`password = get_password()`, `token = self.token`) and placeholders (`""`,
  `None`, `"<password>"`, `"${TOKEN}"`) are not secrets.

Speed: as in gitleaks, every token rule has literal keywords, and a rule runs only on the
lines that hold one of them; a setting is tried only where a name holds one of a few words
(`pass`, `secret`, `token`, `key`…). Text without any of them costs a reversed copy, one
regular-expression search and seven `str.find` scans, all in C (about 0.4 ms for 350 lines)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Callable, NamedTuple

import pathspec

REDACTED = "<redacted>"

# Gitignore-style patterns of files whose whole content is secret.
SECRET_FILES = pathspec.GitIgnoreSpec.from_lines([
    ".env", ".env.*", "*.env", ".envrc",
    "*.pem", "*.key", "*.p12", "*.pfx", "*.pkcs12", "*.p8", "*.ppk", "*.jks", "*.jceks", "*.keystore",
    "*.keytab", "*.kdbx", "*.gpg", "*.asc", "*.ovpn", "*.tfstate", "*.tfstate.backup",
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "*_rsa", "*_dsa", "*_ecdsa", "*_ed25519",
    ".npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials", ".dockercfg", "**/.docker/config.json",
    "**/.kube/config", "kubeconfig", ".pgpass", ".my.cnf", ".htpasswd", ".vault-token", ".s3cfg", ".boto",
    "**/.config/gh/hosts.yml", "**/.cargo/credentials", "**/.cargo/credentials.toml",
    "**/.azure/accessTokens.json", "**/.azure/msal_token_cache.*",
    "credentials", "credentials.json", "*credentials*.json", "service-account*.json",
    "secrets.yml", "secrets.yaml", "secrets.json", "secrets.toml", ".secrets.toml", ".secrets.yml",
    ".secrets.yaml", ".secrets.json", "**/.aws/credentials", ".ssh/",  # at any depth
    "!*.example", "!*.sample", "!*.template", "!.env.example",
])


def is_secret_file(rel_path: str) -> bool:
    """True for a file (path relative to its workspace, or a bare name) that holds secrets."""
    path = PurePosixPath(rel_path.replace("\\", "/"))
    return SECRET_FILES.match_file(path.as_posix()) or SECRET_FILES.match_file(path.name)


# --- Tokens -----------------------------------------------------------------------------------

# A token's edges: not inside a longer word; a `\n` escape just before it (text quoted in
# JSON or in a log's repr) counts as an edge.
_L = r"(?:(?<![A-Za-z0-9])|(?<=\\[nrt]))"
_R = r"(?![A-Za-z0-9])"


class _Rule(NamedTuple):
    keywords: tuple[str, ...]  # literals, case-sensitive: the rule runs only on lines holding one
    pattern: re.Pattern  # the group `v`, where there is one, is what is redacted; else the match
    block: bool = False  # may run over several lines from its keyword (a private key block)
    accept: Callable[[str], bool] | None = None  # whether a match's value is a secret

    def span(self, m: re.Match) -> tuple[int, int] | None:
        if self.accept is not None and not self.accept(m["v"]):
            return None
        return m.span("v") if self.pattern.groupindex else m.span()


def _rule(keywords: tuple[str, ...], pattern: str, block: bool = False,
          accept: Callable[[str], bool] | None = None) -> _Rule:
    return _Rule(keywords, re.compile(pattern), block, accept)


def _not_a_placeholder(value: str) -> bool:  # user:password@host in documentation
    return not (value.lower() in _PLACEHOLDER_WORDS or _PLACEHOLDER.fullmatch(value) or _TEMPLATE.search(value))


# A rule stays on its keyword's line (no `\s`, no `[^…]` that takes a newline), but for a block.
_RULES = [
    _rule(("-----BEGIN",), r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
                           r"(?:-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|\Z)", block=True),
    _rule(("AKIA", "ASIA", "ABIA", "ACCA", "A3T"), _L + r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}" + _R),
    _rule(("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), _L + r"gh[pousr]_[A-Za-z0-9]{36,}"),
    _rule(("github_pat_",), _L + r"github_pat_\w{40,}"),
    _rule(("glpat-", "glptt-", "gldt-", "glrt-", "glsoat-", "glcbt-", "glimt-", "glft-", "GR1348941"),
          _L + r"(?:gl(?:pat|ptt|dt|rt|soat|cbt|imt|ft)-[\w-]{20,}|GR1348941[\w-]{20,})"),
    _rule(("xoxa-", "xoxb-", "xoxe-", "xoxe.", "xoxo-", "xoxp-", "xoxr-", "xoxs-"),
          _L + r"xox[abposre](?:\.xox[bp])?-[A-Za-z0-9-]{10,}"),  # Slack
    _rule(("xapp-",), _L + r"xapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+"),
    _rule(("hooks.slack.com/",), r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<v>[A-Za-z0-9+/_-]{20,})"),
    _rule(("sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_", "whsec_"),  # Stripe
          _L + r"(?:(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{24,})"),
    _rule(("SG.",), _L + r"SG\.[\w-]{16,}\.[\w-]{16,}"),  # SendGrid
    _rule(("SK",), _L + r"SK[0-9a-fA-F]{32}" + _R),  # Twilio
    _rule(("hf_", "api_org_"), _L + r"(?:hf|api_org)_[A-Za-z0-9]{30,}" + _R),  # Hugging Face
    _rule(("npm_",), _L + r"npm_[A-Za-z0-9]{36}" + _R),
    _rule(("pypi-AgE",), _L + r"pypi-AgE[\w-]{50,}"),
    _rule(("AccountKey=", "SharedAccessKey="), r"(?:AccountKey|SharedAccessKey)=(?P<v>[A-Za-z0-9+/]{20,}={0,2})"),  # Azure
    _rule(("sig=",), r"[?&;]sig=(?P<v>[A-Za-z0-9%+/]{20,}={0,2})"),  # Azure shared access signature
    _rule(("Q~",), r"(?<![\w~.])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])"),  # Azure AD client secret
    _rule(("AIz",), _L + r"AIza[\w-]{35}"),  # Google API key
    _rule(("GOCSPX-",), _L + r"GOCSPX-[\w-]{24,}"),  # Google OAuth client secret
    _rule(("ya29.",), _L + r"ya29\.[\w-]{30,}"),  # Google OAuth access token
    _rule(("eyJ",), _L + r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
    _rule(("sk-",), _L + r"sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),  # OpenAI, Anthropic
    _rule(("dop_v1_", "doo_v1_", "dor_v1_"), _L + r"do[opr]_v1_[a-f0-9]{64}"),  # DigitalOcean
    _rule(("shpat_", "shpss_", "shpca_", "shppa_"), _L + r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}"),  # Shopify
    _rule(("lin_api_",), _L + r"lin_api_[A-Za-z0-9]{40}"),  # Linear
    _rule(("dp.pt.",), _L + r"dp\.pt\.[A-Za-z0-9]{43}"),  # Doppler
    _rule(("PMAK-",), _L + r"PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}"),  # Postman
    _rule(("hvs.", "hvb."), _L + r"hv[sb]\.[\w-]{90,}"),  # Vault
    _rule(("AGE-SECRET-KEY-1",), r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    _rule(("sntrys_", "sntryu_"), _L + r"sntry[su]_[\w+/=]{40,}"),  # Sentry
    _rule(("glc_", "glsa_"), _L + r"(?:glc_[A-Za-z0-9+/]{32,}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})"),  # Grafana
    _rule(("sq0atp-", "sq0csp-"), _L + r"sq0(?:atp|csp)-[\w-]{22,}"),  # Square
    _rule(("HRKU-AA",), _L + r"HRKU-AA[\w-]{58}"),  # Heroku
    _rule(("NRAK-",), _L + r"NRAK-[A-Za-z0-9]{27}"),  # New Relic
    _rule(("pplx-",), _L + r"pplx-[A-Za-z0-9]{48}"),  # Perplexity
    _rule(("ATATT3",), _L + r"ATATT3[\w=-]{186}"),  # Atlassian
    _rule((":AA",), r"\b\d{8,10}:AA[\w-]{33}" + _R),  # Telegram bot
    # An HTTP Authorization header's credentials: with a scheme, or quoted.
    _rule(("uthoriz", "UTHORIZ"),
          r"(?i:authorization)[\"']?[ \t]*[:=][ \t]*(?:[\"']?(?i:bearer|basic|token|bot|digest)[ \t]+|[\"'])"
          r"(?P<v>[\w~+/.-]{8,}=*)(?![\w~+/.=(\[-])"),
    # A password in a URL: scheme://user:password@host.
    _rule(("://",), r"[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*:(?P<v>[^\s@'\"/]{3,})@", accept=_not_a_placeholder),
]


def _trie(words: list[str]) -> str:
    """An alternation of `words` as a trie (`_(?:[pousr]hg|…)`): Python's `re` tries the
    alternatives of a plain `a|b|c` one by one at every position, a trie's only where the
    first characters agree."""
    node: dict = {}
    for word in words:
        at = node
        for ch in word:
            at = at.setdefault(ch, {})
        at[""] = {}

    def emit(at: dict) -> str:
        alternatives = [re.escape(ch) + emit(rest) for ch, rest in sorted(at.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        if "" in at:  # a word ends here, a longer one goes on
            return "(?:" + body + ")?" if len(alternatives) == 1 else body + "?"
        return body

    return emit(node)


# The keywords are searched for backwards, in the reversed text: most start with a common
# letter (`ghp_`, `sk-`, `npm_`) but end in a rare character (`_`, `-`, `.`, `=`, a capital),
# and a search is cheap where few positions can start a match (5 times faster than forwards).
# No keyword ends in a lowercase letter but `AIz` and `uthoriz`.
_KEYWORD_REVERSED = re.compile(_trie(sorted({k[::-1] for r in _RULES for k in r.keywords})))
# The rules of every keyword, and of the keywords it ends with (the search finds the longest).
_RULES_OF = {k: [r for r in _RULES if any(k.endswith(o) for o in r.keywords)] for r0 in _RULES for k in r0.keywords}


# --- Settings ---------------------------------------------------------------------------------

# A name is a secret's when its last part (after dropping qualifiers like `_hash`, `_b64`, `2`)
# is one of these words, or `key` after one of _KEY_KINDS (`api_key`, `SECRET_KEY`).
_WORDS = {"password", "passwd", "pwd", "pword", "pass", "passphrase", "passcode", "secret", "token",
          "credential", "credentials", "creds", "auth", "authorization", "apikey", "privatekey", "secretkey",
          "accesskey"}
_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "secretkey",
            "accesskey")  # a one-part name ending so: `dbpassword`, `authtoken`
_KEY_KINDS = {"api", "access", "secret", "private", "signing", "sign", "signature", "encryption", "encrypt",
              "crypt", "crypto", "master", "account", "auth", "client", "app", "consumer", "shared", "storage",
              "subscription", "ssh", "deploy", "service", "hmac", "jwt", "webhook", "aes", "cipher", "pgp", "gpg",
              "rsa", "stripe", "openai", "anthropic", "sendgrid", "twilio", "mailgun", "algolia",
              "firebase", "supabase", "cloudflare", "datadog"}
_QUALIFIERS = {"value", "val", "str", "b64", "base64", "hex", "bytes", "raw", "plain", "plaintext", "hash",
               "hashed", "digest", "enc", "encrypted", "prod", "production", "dev", "development", "test",
               "testing", "staging", "stage", "live", "local", "old", "new", "default", "confirm", "confirmation",
               "again", "repeat"}
# Words whose values are long machine-made strings, never words with spaces: `token = "("` in a
# lexer, `error_token = "missing token"` and `auth = "basic"` are not secrets.
_LONG = {"token", "auth", "authorization", "key", "apikey", "privatekey", "secretkey", "accesskey", "credential",
         "credentials", "creds"}
_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _secret_word(name: str) -> str | None:
    """The word that makes `name` a secret's (`DB_PASS` → "pass"), or None."""
    parts = [p.lower() for p in _PART.findall(name)]
    while len(parts) > 1 and (parts[-1].isdigit() or parts[-1] in _QUALIFIERS):
        parts.pop()
    if not parts:
        return None
    last = parts[-1]
    if last == "pass" and len(parts) == 1 and not name.isupper():
        return None  # `"pass": …` is as often a step as a password; `DB_PASS`, `PASS` are passwords
    if last in _WORDS:
        return last
    if last == "key":
        return "key" if len(parts) > 1 and parts[-2] in _KEY_KINDS else None
    return next((e for e in _ENDINGS if last.endswith(e)), None)


# Every secret name holds one of these (in lowercased text). Seven `str.find` scans are
# faster than one regular expression whose words start with common letters.
_NAME_HINTS = ("pass", "pw", "secret", "token", "key", "auth", "cred")
_NAME_HINT_ANY_CASE = re.compile("|".join(_NAME_HINTS), re.I)
_NAME_CHARS = re.compile(r"[\w.-]*")  # matched backwards from a hit: where its name starts
_NAME_STARTS = re.compile(r"(?<![\w.-])[\w.-]")  # every name (the reference scan)

_SETTING = re.compile(r"""
    (?P<name>[\w.-]+)
    (?P<close>["'`]?\]?)                       # the end of a quoted key or of an index
    [ \t]*
    (?P<op>:[ \t]*[A-Za-z_][\w.\[\]|, ]*?[ \t]*=(?!=)   # an annotation: password: str = …
        | :=|=>|\?=|=(?!=)|:(?![:=])|,)
    (?:
        \s*(?P<q>(?P<prefix>[bBrRuUfF]{0,2})(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`\n]*`))
      | [ \t]*(?P<u>[^\s"'`,;(){}\[\]<>]+)[ \t]*(?P<end>[,;`]?)[ \t]*(?=$|\#|//)   # bare, to the line's end
    )
""", re.M | re.X)

_PLACEHOLDER = re.compile(r"<[^<>]*>|\$\{[^}]*\}|\$[A-Za-z_]\w*|\{\{.*\}\}|\{[\w.]*\}|%\(\w+\)[sd]|%[sd]|[*xX.•…:-]+")
_PLACEHOLDER_WORDS = {"pass", "password", "passwd", "pwd", "secret", "token", "user", "username"}
# The name of what holds it: an environment variable, an HTTP header.
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|(?:[A-Z][A-Za-z0-9]*-)+[A-Z][A-Za-z0-9]*")
_TEMPLATE = re.compile(r"\{[\w.]*\}|\$\{[^}]*\}|%\(\w+\)[sd]|%s")  # filled in later: "Bearer {}"
_NOT_VALUES = {"none", "null", "nil", "true", "false", "undefined", "nan", "yes", "no", "on", "off"}
_SCHEME = re.compile(r"(?i:bearer|basic|token|bot|digest)[ \t]+")
_NUMBER = re.compile(r"[+-]?[\d._]+(?:[eE][+-]?\d+)?")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_ATTRIBUTES = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")  # settings.API_KEY: code
_MIXED = re.compile(r"(?=[A-Za-z_]*\d)(?=\d*[A-Za-z])\w{16,}")  # letters and digits: a generated key
_TYPES = {"str", "string", "bytes", "bytearray", "int", "float", "number", "bool", "boolean", "any", "object",
          "dict", "list", "void", "unknown", "never"}
_CAMEL = re.compile(r"(?:[A-Z][a-z]+)+")  # a class: `token: Token` is an annotation
_SHELL = re.compile(r"[ \t]*(?P<kw>(?:export|set|setenv|ENV|ARG|declare|local|readonly)[ \t]+(?:-\w+[ \t]+)*)?")
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")


def _open_quote(line: str) -> str:
    """The quote of the string `line` ends inside, or ""."""
    quote, escaped = "", False
    for ch in line:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
    return quote


def _literal_is_secret(body: str, word: str, interpolated: bool) -> bool:
    value = body.strip()
    if (len(value) < 3 or value.lower() in _NOT_VALUES or _PLACEHOLDER.fullmatch(value) or _TEMPLATE.search(value)
            or (interpolated and "{" in value)):
        return False
    rest = _SCHEME.sub("", body.lstrip(), count=1)  # "Bearer abc…": the credential is abc…
    if not rest.strip() or _PLACEHOLDER.fullmatch(rest.strip()) or _ENV_NAME.fullmatch(rest.strip()):
        return False
    return word not in _LONG or (len(rest) >= 8 and body == body.strip() and not any(c.isspace() for c in rest))


def _bare_is_secret(text: str, m: re.Match, word: str, line: str) -> bool:
    value = m["u"]
    if value.lower() in _NOT_VALUES or value[0] in "$%{<&*!|>@" or _ATTRIBUTES.fullmatch(value):
        return False
    if _NUMBER.fullmatch(value):
        return value.isdigit() and len(value) >= 6  # a PIN, not a count
    if len(value) < (8 if word in _LONG else 4):
        return False
    if not _IDENTIFIER.fullmatch(value) or _MIXED.fullmatch(value):
        return True  # punctuation no name holds (`p@ss!`), or a generated string
    # A bare word: code in most languages (`password = pw`), a value in YAML and .env files.
    op = m["op"]
    if op == ":":  # YAML `password: hunter`, not `token: Token`, `"password": password,` or `password: str`
        return (m["end"] != "," and value.lower() not in _TYPES and not _CAMEL.fullmatch(value)
                and _secret_word(value) is None)
    if op == "=" and text[m.end("close"):m.start("u")] == "=":  # NAME=value, no spaces: shell, .env, properties
        shell = _SHELL.fullmatch(line)
        name = m["name"]
        return shell is not None and (shell["kw"] is not None or _CONSTANT.fullmatch(name) is not None
                                      or ("." in name and not name.startswith(("self.", "this.", "cls."))))
    return False


def _setting_span(text: str, m: re.Match) -> tuple[int, int] | None:
    """The span of a setting's secret value, or None where it holds none."""
    word = _secret_word(m["name"])
    if word is None:
        return None
    line = text[text.rfind("\n", 0, m.start()) + 1:m.start()]  # before the name
    if m["op"] == ",":  # PHP: define('DB_PASSWORD', '…')
        if m["q"] is None or not re.search(r"\bdefine\s*\(\s*[\"']\Z", line):
            return None
    if m["q"] is not None:
        if m["op"] == ":" and "\n" in text[m.end("op"):m.start("q")]:
            return None  # class Password:\n    "A docstring."
        prefix, literal = m["prefix"], m["q"][len(m["prefix"]):]
        opened = _open_quote(line)
        if opened and not m["close"].startswith(opened) and literal[0] == opened:
            return None  # the name is words in a string that this quote ends: print("password: ", …)
        if "r" in prefix.lower():  # a raw string: a regular expression (`token = r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"`)
            return None
        if not _literal_is_secret(literal[1:-1], word, "f" in prefix.lower() or literal[0] == "`"):
            return None
        return m.span("q")
    return m.span("u") if _bare_is_secret(text, m, word, line) else None


# --- Finding and redacting --------------------------------------------------------------------

def _spans(text: str, first: bool = False) -> list[tuple[int, int]]:
    """Spans of credential-looking strings (unsorted, may overlap); one at most if `first`."""
    spans = []
    done = set()
    size, reversed_text = len(text), text[::-1]
    for hit in _KEYWORD_REVERSED.finditer(reversed_text):
        first_char, after = size - hit.end(), size - hit.start()  # the keyword's place in `text`
        start = text.rfind("\n", 0, first_char) + 1
        end = text.find("\n", after)
        for rule in _RULES_OF[hit.group()[::-1]]:
            if rule.block:
                found = [m] if (m := rule.pattern.match(text, first_char)) else []
            elif (id(rule), start) in done:
                continue
            else:
                done.add((id(rule), start))
                found = rule.pattern.finditer(text, start, len(text) if end < 0 else end)
            for m in found:
                if span := rule.span(m):
                    spans.append(span)
                    if first:
                        return spans
    tried = -1
    for hit in _name_hits(text):
        # A setting's name is the run of name characters around the hit: match from its start.
        at = hit - _NAME_CHARS.match(reversed_text, size - hit).end() + (size - hit)
        if at == tried:
            continue
        tried = at
        if (m := _SETTING.match(text, at)) and (span := _setting_span(text, m)):
            spans.append(span)
            if first:
                return spans
    return spans


def _name_hits(text: str) -> list[int]:
    """Where the words of _NAME_HINTS are in `text`, any case, in order."""
    lower = text.lower()
    if len(lower) != len(text):  # a few characters lowercase to two: positions would differ
        return [m.start() for m in _NAME_HINT_ANY_CASE.finditer(text)]
    hits = []
    for word in _NAME_HINTS:
        at = lower.find(word)
        while at >= 0:
            hits.append(at)
            at = lower.find(word, at + 1)
    hits.sort()
    return hits


def _reference_spans(text: str) -> list[tuple[int, int]]:
    """What _spans finds, without the keyword prefilters: every rule over the whole text, a
    setting tried at every name (slow; tests check that both agree)."""
    spans = []
    for rule in _RULES:
        spans += [span for m in rule.pattern.finditer(text) if (span := rule.span(m))]
    for name in _NAME_STARTS.finditer(text):
        if (m := _SETTING.match(text, name.start())) and (span := _setting_span(text, m)):
            spans.append(span)
    return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def has_secrets(text: str) -> bool:
    """Whether `text` holds a credential-looking string."""
    return bool(_spans(text, first=True))


def redact(text: str) -> str:
    """`text` with every credential-looking string replaced by REDACTED."""
    spans = _spans(text)
    if not spans:  # the common case: no copy
        return text
    parts, at = [], 0
    for start, end in _merged(spans):
        parts += [text[at:start], REDACTED]
        at = end
    parts.append(text[at:])
    return "".join(parts)
