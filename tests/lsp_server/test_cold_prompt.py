"""The first completion in a file whose prompt the model has not evaluated yet (a cold cache:
seconds of prompt evaluation on a CPU) is answered from a shorter prompt, and the full prompt
is evaluated in the idle time after it: the next request there uses the full prompt, mostly
from the cache. Through the real server with the real default model."""

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_server.lsp_helpers import config, initialize, inline, open_doc, stats, wait_progress_end

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


def big_module(functions: int = 70) -> str:
    """A file whose prompt fills the default context budget (~1,000 tokens) many times over."""
    parts = ['"""Unit conversions for the inventory reports."""\n\nimport math\n']
    for i in range(functions):
        parts.append(
            f"\n\ndef convert_{i}(value, factor={i + 2}):\n"
            f'    """Scale `value` by {i + 2} and round to {i % 4} places."""\n'
            f"    scaled = value * factor + {i}\n"
            f"    return round(math.sqrt(abs(scaled)), {i % 4})\n"
        )
    parts.append("\n\ndef convert_all(values):\n    return [convert_1(v) for v in values]\n\n\ndef total_of(values):\n    ")
    return "".join(parts)


def end_of(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines) - 1, len(lines[-1])


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    # cold_prompt_ms 1: whatever this machine's speed, a prompt it lacks ~1,000 tokens of is
    # "cold" (the other condition, that the shorter prompt spares at least half, is the file's).
    await initialize(lsp_client, {"completion": {"cold_prompt_ms": 1, "debounce_ms": 0}})
    await wait_progress_end(lsp_client, "ready")
    yield
    await lsp_client.shutdown_session()


async def until_warmed(client: LanguageClient, before: dict, timeout: float = 180.0) -> dict:
    """The counters once a warm-up that started after `before` ran to its end."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        now = await stats(client)
        if now["warmups"] - now["warmups_cancelled"] > before["warmups"] - before["warmups_cancelled"]:
            return now
        await asyncio.sleep(0.2)
    raise TimeoutError("no warm-up finished")


def cold_prompts(client: LanguageClient, ms: int) -> None:
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"completion": {"cold_prompt_ms": ms}}))


async def test_a_cold_file_is_answered_from_a_shorter_prompt_then_the_full_one_is_warmed(client):
    cold_prompts(client, 1)
    text = big_module()
    uri = open_doc(client, "conversions.py", text, "python")
    before = await stats(client)
    first = await inline(client, uri, *end_of(text))
    after_first = await stats(client)
    assert first.strip(), "the shorter prompt gave no answer"
    assert after_first["cold_answers"] - before["cold_answers"] == 1
    short_tokens = after_first["prompt_tokens"] - before["prompt_tokens"]
    assert short_tokens <= 400, short_tokens  # the shorter prompt: about 256 tokens

    # Idle time after it: the full prompt is evaluated into the document's own state.
    warmed = await until_warmed(client, after_first)
    second = await inline(client, uri, *end_of(text))
    after_second = await stats(client)
    assert second.strip()
    assert after_second["cold_answers"] == after_first["cold_answers"]  # the full prompt this time
    full_tokens = after_second["prompt_tokens"] - warmed["prompt_tokens"]
    assert full_tokens >= 2 * short_tokens, (full_tokens, short_tokens)
    assert after_second["reevaluated_tokens"] - warmed["reevaluated_tokens"] <= 0.05 * full_tokens


async def test_a_cold_answer_stops_at_what_decodes_in_the_cold_time(client):
    # A table to continue: the model goes on for lines. With cold_prompt_ms 1 the cold
    # answer may decode COLD_MIN_ANSWER_TOKENS (16): about a line, cut to its finished part.
    cold_prompts(client, 1)
    rows = "".join(f'    "unit_{i}": {i * 10},\n' for i in range(1, 25))
    text = big_module(69) + "\n\n\nUNITS = {\n" + rows + "    "
    uri = open_doc(client, "units.py", text, "python")
    before = await stats(client)
    first = await inline(client, uri, *end_of(text))
    after = await stats(client)
    assert after["cold_answers"] - before["cold_answers"] == 1
    assert first.strip(), "the cold answer was empty"
    assert after["decode_steps"] - before["decode_steps"] <= 16
    assert first.rstrip().endswith(","), first  # its finished rows, not a half-written one


async def test_with_cold_prompts_off_the_first_request_evaluates_the_full_prompt(client):
    cold_prompts(client, 0)
    text = big_module(71)
    uri = open_doc(client, "conversions_full.py", text, "python")
    before = await stats(client)
    await inline(client, uri, *end_of(text))
    after = await stats(client)
    assert after["cold_answers"] == before["cold_answers"]
    assert after["prompt_tokens"] - before["prompt_tokens"] >= 700
