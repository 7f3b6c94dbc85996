"""Fault family LLM endpoint: refused connections, 500s, 429 with Retry-After, slow responses past
the timeout, truncated JSON, empty choices, a 401. The OpenAI-compatible client, then the
`generate` stage, against a real HTTP server on 127.0.0.1 that injects them: bounded retries with
backoff, a clear final error naming the URL, a 401 fails at once, partial work kept."""

import socket
import time

import pytest

from conftest import cache_lines, generate_report, openai_params, run_stage, workspace_with_chunks
from embedtune.generation.client import ChatClient
from embedtune.generation.errors import GenerationError, MalformedResponse
from llm_servers import ScriptedServer

MESSAGES = [{"role": "user", "content": "The AMR-7 carries 700 kg. Write a question."}]


def client(url: str, **options) -> ChatClient:
    return ChatClient(url, "test-model", **{"timeout_s": 5.0, "max_retries": 2, "backoff_s": 0.01, **options})


@pytest.fixture
def server():
    scenarios = {
        "ok": ["ok"], "down": ["500"], "flaky": ["500", "500", "ok"], "busy": ["429", "ok"], "slow": ["slow"],
        "cut": ["truncated"], "empty": ["empty"], "denied": ["401"],
    }
    with ScriptedServer(scenarios, slow_s=1.5) as running:
        yield running


def test_answer(server):
    assert client(server.url("ok")).complete(MESSAGES).startswith("What does section")


def test_refused_connection_fails_after_bounded_retries_naming_the_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(GenerationError, match=f"could not get an answer from {url}/chat/completions after 3 attempts"):
        client(url).complete(MESSAGES)


def test_server_errors_are_retried_a_bounded_number_of_times(server):
    with pytest.raises(GenerationError, match="after 3 attempts \\(last: HTTP 500\\)"):
        client(server.url("down")).complete(MESSAGES)
    assert server.requests["down"] == 3
    assert client(server.url("flaky")).complete(MESSAGES).startswith("What")
    assert server.requests["flaky"] == 3


def test_429_waits_as_long_as_retry_after_says(server):
    started = time.monotonic()
    assert client(server.url("busy")).complete(MESSAGES).startswith("What")
    assert time.monotonic() - started >= 1.0
    assert server.requests["busy"] == 2


def test_slow_responses_time_out_and_fail_clearly(server):
    with pytest.raises(GenerationError, match="last: no answer within 0.3s"):
        client(server.url("slow"), timeout_s=0.3, max_retries=1).complete(MESSAGES)


def test_truncated_json_and_empty_choices_are_malformed_not_fatal(server):
    with pytest.raises(MalformedResponse):
        client(server.url("cut")).complete(MESSAGES)
    assert server.requests["cut"] == 3
    with pytest.raises(MalformedResponse, match="no choices"):
        client(server.url("empty")).complete(MESSAGES)
    assert server.requests["empty"] == 1


def test_401_fails_at_once_naming_the_variable_not_the_key(server):
    secret = "sk-test-do-not-print-0123456789"
    with pytest.raises(GenerationError) as failure:
        client(server.url("denied"), api_key=secret, api_key_env="MY_LLM_KEY").complete(MESSAGES)
    assert server.requests["denied"] == 1
    assert "rejected the API key (read from $MY_LLM_KEY): HTTP 401" in str(failure.value)
    assert secret not in str(failure.value)


# The generate stage against the same faults.

def test_unreachable_endpoint_fails_naming_it_and_keeps_finished_replies(tmp_path, chunked_default, scripted):
    root = workspace_with_chunks(tmp_path, chunked_default, count=6, **openai_params(scripted.url("dies")))
    result = run_stage("generate", root, check=False)
    assert result.returncode != 0
    assert f"could not get an answer from {scripted.url('dies')}/chat/completions after 2 attempts" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(cache_lines(root)) == 3


def test_rejected_key_fails_at_once(tmp_path, chunked_default, scripted):
    root = workspace_with_chunks(tmp_path, chunked_default, count=6,
                                 **openai_params(scripted.url("denied"), api_key_env="EMBEDTUNE_TEST_KEY"))
    requests_before = scripted.requests["denied"]
    result = run_stage("generate", root, check=False, env={"EMBEDTUNE_TEST_KEY": "sk-wrong"})
    assert result.returncode != 0
    assert "rejected the API key (read from $EMBEDTUNE_TEST_KEY): HTTP 401" in result.stderr
    assert scripted.requests["denied"] - requests_before == 1


def test_malformed_replies_are_counted_and_skipped(tmp_path, chunked_default, scripted):
    root = workspace_with_chunks(tmp_path, chunked_default, count=5, **openai_params(scripted.url("odd")))
    run_stage("generate", root)
    metrics = generate_report(root)
    assert metrics["calls"] == 5 and metrics["malformed_replies"] == 2 and metrics["questions"] == 3
