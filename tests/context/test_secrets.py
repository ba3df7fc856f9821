from pathlib import Path

import pytest

from atelier.context import secrets
from atelier.context.secrets import REDACTED, has_secrets, is_secret_file, redact


@pytest.mark.parametrize("path", [".env", "config/.env.production", "deploy/server.pem", "id_rsa", ".ssh/config",
                                  "home/.npmrc", "gcp/credentials.json", "certs/tls.key"])
def test_files_that_hold_secrets_are_recognised(path):
    assert is_secret_file(path)


@pytest.mark.parametrize("path", ["src/app.py", "package.json", ".env.example", "docs/keys.md", "tokenizer.py"])
def test_ordinary_files_and_examples_are_not(path):
    assert not is_secret_file(path)


def test_credentials_are_redacted_and_the_code_around_them_stays():
    text = (
        'API_KEY = "abcd1234efgh5678"\n'
        "password: 'hunter22hunter'\n"
        'db = "postgres://bob:s3cretpw@db.internal/app"\n'
        "aws = 'AKIAABCDEFGHIJKLMNOP'\n"
        "gh = ghp_" + "a" * 36 + "\n"
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n"
        "token = get_token()\n"
        "x = 1\n"
    )
    out = redact(text)
    for secret in ("abcd1234efgh5678", "hunter22hunter", "s3cretpw", "AKIAABCDEFGHIJKLMNOP", "ghp_", "b3BlbnNzaC1rZXk"):
        assert secret not in out
    assert out.count(REDACTED) == 6
    assert 'API_KEY = <redacted>' in out and "postgres://bob:<redacted>@db.internal/app" in out
    assert "token = get_token()\nx = 1\n" in out  # a call is not a secret
    assert has_secrets(text) and not has_secrets(out.replace(REDACTED, "x"))


def test_code_without_secrets_is_returned_unchanged():
    code = "def password_ok(password: str) -> bool:\n    return len(password) >= 12\n"
    assert redact(code) is code


def test_attribute_chains_and_calls_assigned_to_secret_looking_names_are_code():
    code = "token = self.stream.current\napi_key = settings.api_key_from_environment\n"
    assert redact(code) is code
    assert redact("SECRET_KEY=9f8e7d6c5b4a39281716\n") == "SECRET_KEY=<redacted>\n"


SECRET_LINES = [
    'API_KEY = "abcd1234efgh5678"',
    "db.password =\n    'hunter22hunter'",  # the value on the next line
    "url = 'postgres://bob:s3cretpw@db.internal/app'",
    "aws = 'AKIAABCDEFGHIJKLMNOP'",
    "jwt = 'eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4'",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA",  # cut before its end
    "config.client_secret: 'x9y8z7w6v5u4'",
]


@pytest.mark.parametrize("secret", SECRET_LINES)
def test_a_secret_is_found_wherever_it_sits_in_real_code(secret):
    # The fast check searches only around literals: it must agree with the full patterns.
    code = Path(secrets.__file__).read_text()
    lines = code.split("\n")
    for at in (0, len(lines) // 2, len(lines)):
        text = "\n".join(lines[:at] + [secret] + lines[at:])
        assert has_secrets(text) and secrets._SECRET.search(text)
    assert not has_secrets(redact(secret).replace(REDACTED, "x"))
