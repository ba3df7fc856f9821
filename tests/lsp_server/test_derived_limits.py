"""Defaults that follow the model: the token limit and the time caps of a completion come
from the speed measured when the model loads, unless a setting says otherwise. Through the
real server with an artificially slowed backend (tests/lsp_server/slowed_server.py: it
sleeps per token), a suggestion that the old fixed cap (450 ms of decoding) cut to a few
tokens comes back whole; with the setting it is cut again."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from msgspec.structs import astuple
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from atelier.lsp_server.engine.completion import BLOCK_TOKENS, FIXED, completion_limits
from atelier.lsp_server.settings import CompletionSettings
from atelier.models.backend import Speed
from tests.lsp_server.lsp_helpers import config, inline, wait_progress_end

BODY = ("total = 0\n    for value in values:\n        total += value\n    count = len(values)\n"
        "    mean = total / count if count else 0.0\n    return total, count, mean\n")


@pytest.mark.parametrize("speed", [Speed(2000, 150), Speed(300, 25), Speed(40, 3)])  # GPU, 1.5B CPU, 7B laptop
def test_derived_caps_leave_room_for_the_tokens_they_allow(speed):
    limits = completion_limits(CompletionSettings(), speed)
    assert limits.derived and BLOCK_TOKENS[0] <= limits.max_tokens <= BLOCK_TOKENS[1]
    decode_s = limits.max_tokens / speed.decode_tps
    assert limits.max_decode_ms / 1000 >= 1.5 * decode_s  # never the cap that cuts an ordinary answer
    cold_prompt_s = (CompletionSettings().context_tokens + 64) / speed.prompt_tps
    assert limits.timeout_ms / 1000 >= cold_prompt_s + limits.max_decode_ms / 1000


def test_a_slow_model_gets_fewer_tokens_and_longer_caps_than_a_fast_one():
    fast, slow = (completion_limits(CompletionSettings(), s) for s in (Speed(2000, 150), Speed(40, 3)))
    assert slow.max_tokens < fast.max_tokens and slow.timeout_ms > fast.timeout_ms
    assert slow.timeout_ms > 15000  # the old fixed cap: a cold 1,000-token prompt at 40 tokens/s needs more


def test_settings_override_the_derived_values_and_no_speed_keeps_the_fixed_ones():
    settings = CompletionSettings(max_tokens=200, timeout_ms=0, max_decode_ms=450)
    assert astuple(completion_limits(settings, Speed(40, 3)))[:3] == (200, 0, 450)
    assert completion_limits(CompletionSettings(max_tokens=200), Speed(40, 3)).max_decode_ms >= 200 / 3 * 1000
    assert astuple(completion_limits(CompletionSettings(), None))[:3] == FIXED  # a remote server: nothing measured


WORKSPACE = Path(tempfile.mkdtemp(prefix="atelier-slowed-"))
SCRIPT = WORKSPACE.parent / f"{WORKSPACE.name}-script.json"
SCRIPT.write_text(json.dumps({"def summarize": [BODY]}))
_base = config()
# 1 ms per prompt token, 40 ms per generated token (25 tokens/s: a 1.5B model on a laptop CPU)
CONFIG = ClientServerConfig(
    server_command=[sys.executable, str(Path(__file__).with_name("slowed_server.py")), str(SCRIPT), "1", "40"],
    server_env=_base.server_env)
STATE: dict = {}


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=WORKSPACE.as_uri(),
        initialization_options={"completion": {"debounce_ms": 0}}))
    STATE["ready"] = await wait_progress_end(lsp_client, "ready", timeout=30)
    uri = (WORKSPACE / "stats.py").as_uri()
    lsp_client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "python", 1, "def summarize(values):\n    \n")))
    STATE["uri"] = uri
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="module")
async def test_the_model_ready_message_reports_the_measured_speed_and_the_derived_limits(client):
    message = STATE["ready"].message
    assert "decode tokens/s" in message and "prompt tokens/s" in message, message
    assert "completions up to" in message and "decoding capped at" in message, message


@pytest.mark.asyncio(loop_scope="module")
async def test_a_slowed_backend_is_not_cut_short_by_a_fixed_cap(client):
    text = await inline(client, STATE["uri"], 1, 4)
    assert "return total, count, mean" in text, text  # ~40 tokens at 25/s: 1.6 s of decoding, past 450 ms


@pytest.mark.asyncio(loop_scope="module")
async def test_an_explicit_cap_still_cuts(client):
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"completion": {"max_decode_ms": 450}}))
    text = await inline(client, STATE["uri"], 1, 4)
    assert "return total" not in text, text  # 450 ms: about 11 tokens
    # What the cap cut is the answer's finished lines, not a name spelt halfway.
    assert text and BODY.startswith(text) and BODY[len(text)] == "\n", text
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"completion": {"max_decode_ms": None}}))
    assert "return total, count, mean" in await inline(client, STATE["uri"], 1, 4)


# -- the default model ---------------------------------------------------------------------

@pytest.mark.slow
def test_with_the_default_model_a_block_is_not_cut_short_by_the_time_caps():
    from atelier.context.assembly import prepare
    from atelier.context.document import Document
    from atelier.lsp_server.engine.completion import generate
    from atelier.models.llama import LlamaBackend
    from atelier.models.locate import bundled_model

    backend = LlamaBackend(bundled_model(), n_ctx=2048, n_threads=1)
    try:
        speed = backend.calibrate()
        assert speed.prompt_tps > 0 and speed.decode_tps > 0 and speed.seconds < 30
        settings = CompletionSettings(debounce_ms=0, context="none")
        limits = completion_limits(settings, speed)
        assert limits.derived and limits.max_decode_ms > 450  # room for the tokens it allows, not the old 450 ms
        source = "import csv\n\n\ndef read_rows(path):\n    \"\"\"Every row of a CSV file as a dict.\"\"\"\n    \n"
        doc = Document("file:///tmp/rows.py", source, "python")
        completion = generate(prepare(doc, 5, 4, "rows.py"), backend, settings)
        assert completion.finish_reason != "time", completion
        assert completion.completion_tokens > 0
    finally:
        backend.close()


@pytest.mark.slow
def test_doctor_with_a_model_file_shows_fim_chat_template_offload_and_the_calibration(tmp_path):
    import os
    import subprocess

    from atelier.models.locate import bundled_model

    result = subprocess.run(
        [sys.executable, "-I", "-m", "atelier.lsp_server", "doctor", "--model", str(bundled_model())],
        capture_output=True, text=True, timeout=300, env={**os.environ, "ATELIER_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in ("fim: none: prefix-only", "chat_template: True", "offload:", "prompt_tokens_per_s:",
                     "decode_tokens_per_s:", "derived: max_tokens="):
        assert expected in out, out


def test_a_cold_answer_decodes_in_the_time_its_prompt_leaves():
    from atelier.lsp_server.engine.completion import COLD_MIN_ANSWER_TOKENS, cold_answer_tokens

    cpu = Speed(130, 35)  # the default model on 2 cores
    assert cold_answer_tokens(cpu, 0, 96, 1000) == 35  # shorter prompt warm: the whole second
    assert cold_answer_tokens(cpu, 65, 96, 1000) == 17  # half a second of it left
    assert cold_answer_tokens(cpu, 200, 96, 1000) == COLD_MIN_ANSWER_TOKENS  # never less than a line
    assert cold_answer_tokens(Speed(5000, 400), 100, 96, 1000) == 96  # a GPU: the whole block
