"""Secrets stay out of what Atelier shows a model and of what it saves: a real workspace with a
`.env`, a private key and a config.py holding an API key, through the same code the server
runs (index build, WorkspaceContext, pipeline.prepare/make_prompt, chat context); and files
outside the workspace never enter its index."""

import os
import stat
from pathlib import Path

import pytest
from pygls.uris import from_fs_path, to_fs_path

from atelier.context.prompts import Span, chat_prompt, gather_context
from atelier.context.document import Document
from atelier.context.secrets import REDACTED
from atelier.context.assembly import prepare
from atelier.lsp_server.engine.completion import make_prompt
from atelier.lsp_server.settings import Settings
from atelier.context.workspace import WorkspaceContext
from atelier.models.backend import ChatMessage
from atelier.models.llama import LlamaBackend
from atelier.models.locate import bundled_model

API_KEY = "sk-proj-Zq81LmWv3RtY6pNc0XsDfGhJk"
DB_PASSWORD = "Vx7-tundra-Plover"
STRIPE = "sk_live_51HqTbJ2eZvKYlo2C0abcdef"
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
PASSWORD = "hunter2hunter2"
SECRETS = (API_KEY, DB_PASSWORD, STRIPE, PEM_BODY, PASSWORD)

FILES = {
    ".env": f"DATABASE_URL=postgres://shop:{DB_PASSWORD}@db.internal/shop\nSTRIPE_KEY={STRIPE}\nBILLING_URL=https://billing\n",
    "deploy/server.key": f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n",
    "config.py": (
        f'API_KEY = "{API_KEY}"\n\n\n'
        "def api_headers():\n"
        '    """Headers for the billing API."""\n'
        f'    return {{"Authorization": "Bearer {API_KEY}"}}\n\n\n'
        "class Settings:\n"
        f'    password = "{PASSWORD}"\n'
        "    billing_url = 'https://billing'\n\n"
        "    def headers(self):\n"
        "        return api_headers()\n"
    ),
    "app.py": (
        "import os\n\nfrom config import API_KEY, api_headers\n\n\n"
        "def charge(amount):\n"
        "    database_url = os.environ['DATABASE_URL']\n"
        "    stripe_key = os.environ['STRIPE_KEY']\n"
        "    headers = api_headers()\n"
        "    return post(BILLING_URL, headers, API_KEY, stripe_key, database_url, amount)\n"
    ),
}


@pytest.fixture()
def workspace(tmp_path):
    root = tmp_path / "ws"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    ctx = WorkspaceContext()
    ctx.open(root, tmp_path / "data")
    ctx.build()
    return root, ctx, tmp_path / "data"


def test_the_index_holds_no_secret_file_and_no_credential(workspace):
    root, ctx, data = workspace
    assert set(ctx.index.files) == {"config.py", "app.py"}
    assert any(t.name == "api_headers" for t in ctx.index.tags_of("config.py"))
    stores = list((data / "index").iterdir())
    assert stores and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in stores)  # private on disk
    assert stat.S_IMODE((data / "index").stat().st_mode) == 0o700
    stored = b"".join(p.read_bytes() for p in stores)
    assert b"api_headers" in stored  # the definitions are there …
    for secret in SECRETS:  # … their credentials are not, in memory or on disk
        assert secret.encode() not in stored
        assert all(secret not in t.text for t in ctx.index.tags_of("config.py"))


def open_docs(root: Path) -> dict[str, Document]:
    return {rel: Document((root / rel).as_uri(), text) for rel, text in FILES.items()}


@pytest.mark.slow  # the default model, in this process
def test_nothing_secret_reaches_the_completion_prompt(workspace):
    root, ctx, _ = workspace
    docs = open_docs(root)
    # The user edited .env and the key a moment ago, and has every file open.
    ctx.edited(docs[".env"], ".env", 1)
    ctx.edited(docs["deploy/server.key"], "deploy/server.key", 1)
    ctx.edited(docs["config.py"], "config.py", 5)
    doc = docs["app.py"]
    others = [(rel, d) for rel, d in docs.items() if rel != "app.py"]
    sources = ctx.sources(doc, "app.py", others)
    assert {path for path, _ in sources.others} == {"config.py"}
    line = len(doc.lines) - 2
    snap = prepare(doc, line, len(doc.lines[line]), "app.py", sources, "full")
    backend = LlamaBackend(bundled_model(), n_ctx=2048)
    try:
        prompt = make_prompt(snap, backend, Settings().completion)
    finally:
        backend.close()
    assert "def api_headers" in prompt.text and REDACTED in prompt.text  # config.py's code came, redacted
    for secret in (*SECRETS, "BEGIN PRIVATE KEY", "postgres://shop"):
        assert secret not in prompt.text


def count(text: str) -> int:
    return len(text) // 3 + 1


def test_chat_attachments_and_action_context_are_redacted():
    config = FILES["config.py"]
    messages = chat_prompt([ChatMessage("user", "What does this file do?")],
                           [Span("Attached file config.py", config, "python")], count, 2000)
    assert "def api_headers" in messages[-1].content
    assert not any(secret in m.content for m in messages for secret in SECRETS)
    # An action on `headers`: the enclosing class is shown for reference, redacted.
    at = config.index("def headers")
    ctx = gather_context(config, "python", at, at, "config.py", count, 2000)
    assert ctx.name == "headers" and ctx.spans[-1].text.startswith("def headers")
    reference = "\n".join(s.text for s in ctx.spans[:-1])
    assert "class Settings" in reference and PASSWORD not in reference and REDACTED in reference


def test_saves_and_watched_files_outside_the_workspace_never_enter_the_index(workspace, tmp_path):
    root, ctx, _ = workspace
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "stolen.py").write_text("def outside_function():\n    return 1\n")
    (root / "link.py").symlink_to(outside / "stolen.py")  # a link inside, to a file outside
    (root / "new.py").write_text("def inside_function():\n    return 2\n")
    (root / ".env.local").write_text(f"TOKEN={STRIPE}\n")
    for uri in (
        from_fs_path(str(outside / "stolen.py")),
        root.as_uri() + "/../elsewhere/stolen.py",
        from_fs_path(str(root / "link.py")),
        from_fs_path(str(root / ".env.local")),
        "untitled:Untitled-1",
        from_fs_path(str(root / "new.py")),
    ):
        ctx.file_changed(to_fs_path(uri))  # what didSave and didChangeWatchedFiles do
    ctx.index.update("../elsewhere/stolen.py")
    ctx.index.update(str(outside / "stolen.py"))
    assert set(ctx.index.files) == {"config.py", "app.py", "new.py"}
    assert ctx.index.definitions("outside_function") == []
    ctx.build()  # a full walk follows no link out either
    assert set(ctx.index.files) == {"config.py", "app.py", "new.py"}
    assert os.path.islink(root / "link.py")
