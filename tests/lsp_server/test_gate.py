"""Every text on its way to a model passes one gate, judged on the file's real path: what the
"model" was sent is read back from the prompts log of the real server started with a scripted
backend (tests/lsp_server/scripted_server.py). Files outside the workspace root, symlinks
named like code, and files closed after an edit are the side paths checked here."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.context.licensed_workspace import GPL_TEXT
from tests.lsp_server.lsp_helpers import inline, scripted_config, wait_message

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

BASE = Path(tempfile.mkdtemp(prefix="atelier-gate-"))
atexit.register(shutil.rmtree, BASE, True)  # made at import (collection too): gone when pytest exits
ROOT, OUTSIDE = BASE / "ws", BASE / "outside"
for folder in (ROOT / "app", ROOT / "tests", OUTSIDE / ".docker", OUTSIDE / ".ssh", OUTSIDE / "gplvendor"):
    folder.mkdir(parents=True)
APP = "def total(items, prices, discount):\n    subtotal = sum(prices)\n    return \n"

(ROOT / ".env").write_text("def total(items, prices, discount):\n    subtotal = sum(prices)\n    return subtotal - discount  # env_secret_Tundra77\n")
os.symlink(ROOT / ".env", ROOT / "app" / "local_settings.py")
DOCKER = '{"auths": {"registry.internal": {"auth": "ZG9ja2VyX3NlY3JldF9hdXRo"}}}\n'
(OUTSIDE / ".docker" / "config.json").write_text(DOCKER)
SSH = "def total(items, prices, discount):\n    subtotal = sum(prices)\n    return subtotal - discount  # ssh_marker_prod_key\n"
(OUTSIDE / ".ssh" / "config").write_text(SSH)
shutil.copy(GPL_TEXT, OUTSIDE / "gplvendor" / "COPYING")
# Each file below looks like the code being completed (a similar chunk), so that only the gate keeps it out.
GPL_CODE = "def total(items, prices, discount):\n    subtotal = sum(prices)\n    return subtotal - discount  # gpl_outside_marker\n"
(OUTSIDE / "gplvendor" / "blend.py").write_text(GPL_CODE)
HEADED = "# SPDX-License-Identifier: GPL-3.0-only\ndef total(items, prices, discount):\n    subtotal = sum(prices)\n    return subtotal - discount  # headed_gpl_marker\n"
PLAIN = "def total(items, prices, discount):\n    subtotal = sum(prices)\n    return subtotal - discount  # plain_recent_marker\n"

SCRIPT = BASE / "script.json"
SCRIPT.write_text(json.dumps({"": ["items"]}))
PROMPTS = BASE / "prompts.jsonl"
CONFIG = scripted_config(SCRIPT, PROMPTS)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=ROOT.as_uri(),
        initialization_options={"generate": {"candidates": 2}}))
    yield
    await lsp_client.shutdown_session()


def sent() -> str:
    """Everything the model was sent so far."""
    return "\n".join(json.loads(line) for line in PROMPTS.read_text().splitlines()) if PROMPTS.exists() else ""


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "python", 1, path.read_text() if text is None else text)))
    return uri


def close_file(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))


_count = [0]


async def complete_in_app(client: LanguageClient) -> None:
    """A completion in a fresh workspace file (context held between keystrokes stays with its file)."""
    _count[0] += 1
    path = ROOT / "app" / f"main{_count[0]}.py"
    path.write_text(APP)
    uri = open_file(client, path)
    before = len(sent())
    await inline(client, uri, 2, 11)
    assert len(sent()) > before, "the completion reached the model"
    close_file(client, uri)


async def test_a_secret_file_outside_the_root_is_not_attached_to_chat(client):
    answer = await client.protocol.send_request_async("atelier/chat", {
        "conversationId": "g1", "messages": [{"role": "user", "content": "What registries do I use?"}],
        "attachments": [{"uri": (OUTSIDE / ".docker" / "config.json").as_uri()}]})
    assert "ZG9ja2VyX3NlY3JldF9hdXRo" not in sent() and "registry.internal" not in sent()
    assert "holds secrets" in await wait_message(client, "config.json holds secrets")
    assert (answer if isinstance(answer, dict) else answer._asdict())["conversationId"] == "g1"


async def test_an_ssh_file_outside_the_root_gets_no_completion_and_lends_nothing(client):
    uri = open_file(client, OUTSIDE / ".ssh" / "config")
    assert await inline(client, uri, 2, 11) == ""
    await complete_in_app(client)
    close_file(client, uri)
    assert "ssh_marker_prod_key" not in sent()


async def test_gpl_code_outside_the_root_is_not_an_open_file_snippet(client):
    uri = open_file(client, OUTSIDE / "gplvendor" / "blend.py")
    await complete_in_app(client)
    close_file(client, uri)
    assert "gpl_outside_marker" not in sent()


async def test_a_symlink_named_like_code_to_a_secret_file_gives_nothing(client):
    uri = open_file(client, ROOT / "app" / "local_settings.py")
    assert await inline(client, uri, 0, 5) == ""
    await complete_in_app(client)
    close_file(client, uri)
    assert "env_secret_Tundra77" not in sent()


async def _edit(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(2, uri),
        [types.TextDocumentContentChangePartial(types.Range(types.Position(1, 4), types.Position(1, 4)), "  ")]))


async def test_recent_edits_of_a_gpl_headed_file_never_reach_another_prompt(client):
    uri = open_file(client, ROOT / "app" / "headed.py", HEADED)  # as the editor holds it, not on disk
    await _edit(client, uri, HEADED)
    await complete_in_app(client)
    close_file(client, uri)
    await complete_in_app(client)
    assert "headed_gpl_marker" not in sent()


async def test_recent_edits_leave_the_prompts_when_their_file_closes(client):
    uri = open_file(client, ROOT / "app" / "plain.py", PLAIN)
    await _edit(client, uri, PLAIN)
    await complete_in_app(client)
    assert "plain_recent_marker" in sent()  # while open, the edit is context …
    close_file(client, uri)
    PROMPTS.write_text("")
    await complete_in_app(client)
    assert "plain_recent_marker" not in sent()  # … once closed, it is gone


# -- generate to pass the tests: the tests file is context too ---------------------------

CALC = "def add(a, b):\n    ...\n\n\ndef mul(a, b):\n    ...\n"
(ROOT / "calc.py").write_text(CALC)
(ROOT / "tests" / "gpl").mkdir()
(ROOT / "tests" / "test_calc.py").write_text(
    'from calc import add\n\nDEPLOY_TOKEN = "ghp_R8x2Lq9TmV4sN7wK3pZ6yB1cF5dH0jG2aE8u"\n\n\n'
    "def test_add():\n    assert add(2, 3) == 5\n")
shutil.copy(GPL_TEXT, ROOT / "tests" / "gpl" / "COPYING")
(ROOT / "tests" / "gpl" / "test_mul.py").write_text("from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6  # gpl_tests_marker\n")
ON_ADD = {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 4}}
ON_MUL = {"start": {"line": 4, "character": 4}, "end": {"line": 4, "character": 4}}


async def generate(client: LanguageClient, where: dict, tests: str | None = None) -> dict:
    uri = open_file(client, ROOT / "calc.py")
    args = {"uri": uri, "range": where, **({"tests": tests} if tests else {})}
    answer = await client.workspace_execute_command_async(types.ExecuteCommandParams("atelier.generateToPassTests", [args]))
    return answer if isinstance(answer, dict) else answer._asdict()


async def test_a_token_in_the_tests_file_is_redacted_from_every_candidates_prompt(client):
    before = len(sent())
    answer = await generate(client, ON_ADD, "tests/test_calc.py::test_add")
    assert answer["attempts"], answer  # candidates were sampled …
    prompts = sent()[before:]
    assert "def test_add" in prompts and "ghp_R8x2Lq9TmV4sN7wK3pZ6yB1cF5dH0jG2aE8u" not in prompts  # … with the token cut out


@pytest.mark.parametrize("tests", [".env", "app/local_settings.py"])
async def test_a_secret_file_given_as_the_tests_is_refused_and_never_sent(client, tests):
    before = len(sent())
    answer = await generate(client, ON_ADD, tests)
    assert answer["applied"] is False and "holds secrets" in answer["error"]
    assert sent()[before:] == "" and "env_secret_Tundra77" not in sent()


async def test_a_gpl_tests_file_is_never_chosen_nor_sent(client):
    before = len(sent())
    answer = await generate(client, ON_MUL)  # the only test that calls mul is GPL-licensed
    assert answer["tests"] == "tests/test_calc.py"  # passed over for the one that imports calc
    answer = await generate(client, ON_MUL, "tests/gpl/test_mul.py")  # named explicitly: refused, and why
    assert answer["applied"] is False and "licence policy" in answer["error"]
    assert "gpl_tests_marker" not in sent()[before:]
