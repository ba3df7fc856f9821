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
        assert has_secrets(text) and secrets._reference_spans(text)
    assert not has_secrets(redact(secret).replace(REDACTED, "x"))


# Shapes the first rule set missed (issue 17). Each value below must be gone after redaction,
# and the text around it kept.
HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"
NPM = "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
PYPI = "pypi-AgEIcHlwaS5vcmc" + "CJGQ2YzZhNzY1LTI3ZmYtNDk2Yi04YjM0LWJiNDM1NjZlMmIxZgACKlsz"
SENDGRID = "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"
AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
MISSED = [
    ('DB_PASS = "Tr0ub4dor3"', "Tr0ub4dor3", "DB_PASS = "),
    ('PASSPHRASE = "correct horse battery staple"', "correct horse battery staple", "PASSPHRASE = "),
    ('headers = {"Authorization": "Bearer abc123def456ghi789"}', "abc123def456ghi789", '{"Authorization": '),
    ("Set it up:\n\n```sh\nexport DB_PASS=correcthorsebatterystaple\n```\n", "correcthorsebatterystaple",
     "export DB_PASS="),
    ("DB_PASSWORD=correcthorsebatterystaple\n", "correcthorsebatterystaple", "DB_PASSWORD="),  # .env, letters only
    ("database:\n  password: correcthorsebatterystaple\n", "correcthorsebatterystaple", "  password: "),  # YAML
    ('[client]\npassword = "correcthorsebatterystaple"\n', "correcthorsebatterystaple", "password = "),  # TOML
    ('client = stripe.StripeClient("sk_live_51HqTbJ2eZvKYlo2C0abcdef")', "sk_live_51HqTbJ2eZvKYlo2C0abcdef",
     "stripe.StripeClient("),
    ('post("https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/aBcDeFgHiJkLmNoPqRsTuVwX", json=msg)',
     "aBcDeFgHiJkLmNoPqRsTuVwX", "https://hooks.slack.com/services/"),
    (f'sg = SendGridAPIClient("{SENDGRID}")', SENDGRID[3:], "SendGridAPIClient("),
    (f"HfFolder.save_token('{HF}')", HF, "HfFolder.save_token("),
    (f'os.environ.setdefault("NODE_AUTH", "{NPM}")', NPM, 'os.environ.setdefault("NODE_AUTH", '),
    (f"//registry.npmjs.org/:_authToken={NPM}\n", NPM, "//registry.npmjs.org/:_authToken="),
    (f"twine upload -u __token__ -p {PYPI} dist/*", PYPI, "twine upload -u __token__ -p "),
    (f'conn = "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey={AZURE_KEY};EndpointSuffix=core.windows.net"',
     AZURE_KEY[:40], "AccountName=shop;AccountKey="),
    ("curl -H 'Authorization: Bearer 9f8e7d6c5b4a3928' https://api.example.com", "9f8e7d6c5b4a3928",
     "curl -H 'Authorization: Bearer "),
    ("GITHUB_TOKEN: gho_" + "x" * 36 + "\n", "gho_", "GITHUB_TOKEN: "),
    ("const client = twilio('AC0123', 'SK0123456789abcdef0123456789abcdef')", "SK0123456789abcdef",
     "const client = twilio("),
    ("define('DB_PASSWORD', 'wordpressrocks');", "wordpressrocks", "define('DB_PASSWORD', "),
    ("spring.datasource.password=correcthorsebatterystaple\n", "correcthorsebatterystaple", "spring.datasource.password="),
    ('password := "correcthorse"', "correcthorse", "password := "),  # Go
    ("config[:api_key] => 'abcdefgh12345678'", "abcdefgh12345678", "config[:api_key] => "),  # Ruby
    ('{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n"}', "MIIEvQIBADANBg",
     '{"private_key": '),  # a service account's JSON
    ("ENV DB_PASS=correcthorsebatterystaple\n", "correcthorsebatterystaple", "ENV DB_PASS="),  # Dockerfile
    ("redis_url: redis://:tundraplover@cache:6379/0\n", "tundraplover", "redis://:"),
]


@pytest.mark.parametrize("text, secret, kept", MISSED, ids=[m[2].strip()[:30] for m in MISSED])
def test_common_credential_shapes_are_redacted(text, secret, kept):
    out = redact(text)
    assert secret not in out, out
    assert kept in out and REDACTED in out
    assert has_secrets(text)


@pytest.mark.parametrize("path", ["secrets.toml", ".streamlit/secrets.toml", ".secrets.toml", "config/credentials.json",
                                  "certs/client.p12", "win/cert.pfx", ".npmrc", ".pypirc", ".netrc", ".git-credentials",
                                  "home/.docker/config.json", ".kube/config", "home/.ssh/id_ed25519", "id_ecdsa",
                                  ".pgpass", ".my.cnf", ".htpasswd", "infra/terraform.tfstate", ".vault-token",
                                  "keys/app.ppk", "AuthKey_ABC123.p8", ".config/gh/hosts.yml", ".cargo/credentials.toml",
                                  "vpn/office.ovpn", "etc/krb5.keytab", ".s3cfg", ".boto", "_netrc"])
def test_more_secret_files_are_recognised(path):
    assert is_secret_file(path)


@pytest.mark.parametrize("path", ["config.json", "src/config.json", "pyproject.toml", "settings.toml", "kube/deploy.yaml",
                                  "secrets.toml.example", "docs/secrets.md", "src/tokens.py", "passwords.py"])
def test_ordinary_config_files_are_not_secret_files(path):
    assert not is_secret_file(path)


# Code that mentions a secret-looking word without holding a secret: left as it is.
NOT_SECRETS = [
    "def check_password(user, password):\n    return hasher.verify(password, user.password_hash)\n",
    "if check_password(user, password):\n    login(request, user)\n",
    "password_field = forms.CharField(widget=forms.PasswordInput())\n",
    'password = os.environ["DB_PASSWORD"]\ntoken = os.getenv("TOKEN")\napi_key = os.environ.get("API_KEY", "")\n',
    'password = None\nsecret = ""\nDB_PASS = \'\'\n',
    'password = "<password>"\ntoken = "${GITHUB_TOKEN}"\nsecret = "{{ vault_secret }}"\n',
    "env:\n  API_KEY: ${{ secrets.API_KEY }}\n  DB_PASS: $DB_PASS\n",
    'eos_token = "<|endoftext|>"\npad_token = "[PAD]"\nbos_token = "<s>"\n',
    'token_type = "bearer"\ntoken_url = "https://oauth2.example.com/token"\nsecret_name = "prod/db"\n',
    'author = "Jane Doe"\nAUTH_METHOD = "oauth"\n',
    "self.password = password\nlogin(user=user, password=password)\n",
    'headers = {"Authorization": f"Bearer {token}"}\nheaders = {"Authorization": "Bearer " + token}\n',
    'password = input("Enter your password: ")\nprint("Token: ", end="")\n',
    "class User:\n    password: str = field(repr=False)\n    token: Optional[str] = None\n    api_key: SecretStr\n",
    "for token in tokens:\n    yield token\n",
    "max_tokens = 256\nPASSWORD_MIN_LENGTH = 12\n",
    'return {\n    "password": password,\n    "token": self.token,\n}\n',
    "const { password } = req.body;\nuser.password = await hash(password, 10);\n",
    "if token == \"EOF\":\n    pass\nkey = \"name\"\ncache_key = \"user-profile\"\n",
    "def __init__(self, token: str, secret: bytes) -> None:\n    pass\n",
    'msg = "a token: " + token\n',
    'class Password:\n    "A password, hashed."\n',
    'token = r"[-!#$%&\'*+.^_`|~0-9a-zA-Z]+"\nENV_API_KEY = "ATELIER_API_KEY"\napi_key_header = "X-API-Key"\n',
    'proxy = "socks5h://<username>:<password>@proxy-host"\nurl = "https://user:pass@host/path"\n',
    'MODEL_TENSOR.CONVNEXT_PW1: "convnext.{bid}.pw1",\n"pass": "refactor.rewrite.pass",\n',
]


@pytest.mark.parametrize("code", NOT_SECRETS)
def test_code_that_only_mentions_secrets_is_left_alone(code):
    assert redact(code) == code
    assert not has_secrets(code)


def test_the_keyword_prefilter_finds_what_every_rule_run_everywhere_finds():
    # The fast scan runs a rule only near its keywords: on real code, on every shape above and on
    # the false positives, it must agree with all rules run over the whole text.
    texts = [p.read_text() for p in sorted(Path(secrets.__file__).parent.glob("*.py"))]
    texts += [m[0] for m in MISSED] + NOT_SECRETS + SECRET_LINES
    texts.append("\n".join(texts))
    for text in texts:
        assert secrets._merged(secrets._spans(text)) == secrets._merged(secrets._reference_spans(text))
