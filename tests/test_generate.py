"""Stage `generate`: real models, real servers on 127.0.0.1, the real cache."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, run_stage, write_params
from embedtune.generation.gguf import KNOWN_MODELS, verified_gguf
from embedtune.generation.llama_server import LlamaServer
from llm_servers import ScriptedServer

DEFAULT_MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"


def workspace_with_chunks(root, chunked_default, count=None, **generate):
    """A workspace holding the default corpus's chunks (the first `count`) and the prompt."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    lines = (chunked_default / "data" / "chunks.jsonl").read_text().splitlines(keepends=True)
    (root / "data" / "chunks.jsonl").write_text("".join(lines[:count]))
    shutil.copytree(REPO / "prompts", root / "prompts", dirs_exist_ok=True)
    write_params(root, generate=generate)
    return root


def openai_params(url, **options):
    return {"backend": "openai", "openai": {"base_url": url, "model": "scripted", "api_key_env": None,
                                            "concurrency": 1, "max_retries": 1, "backoff_s": 0.01, **options}}


def report(root):
    return json.loads((root / "metrics" / "generate.json").read_text())


def cache_lines(root):
    path = root / "data" / "generate-cache.jsonl"
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture(scope="module")
def scripted():
    scenarios = {"ok": ["ok"], "slow": ["slow"], "dies": ["ok", "ok", "ok", "500"], "denied": ["401"],
                 "odd": ["ok", "empty", "truncated", "truncated", "ok"], "mixed": ["echo", "ok"] * 10}
    with ScriptedServer(scenarios, slow_s=0.3) as server:
        yield server


def test_default_offline_model_writes_questions(tmp_path, chunked_default):
    root = workspace_with_chunks(tmp_path, chunked_default, count=3)
    result = run_stage("generate", root)
    metrics = report(root)
    assert metrics["calls"] == 3 and metrics["cache_hits"] == 0
    assert metrics["generator"]["backend"] == "llamacpp"
    assert metrics["generator"]["sha256"] == KNOWN_MODELS[DEFAULT_MODEL][2]
    rows = [json.loads(line) for line in (root / "data" / "questions.jsonl").read_text().splitlines()]
    assert rows and all(row["question"].endswith("?") for row in rows)
    assert metrics["questions"] == len(rows)
    assert "3 LLM calls, 0 cached" in result.stdout


def test_openai_backend_against_a_real_llama_server_and_no_calls_on_rerun(tmp_path, chunked_default):
    root = workspace_with_chunks(tmp_path, chunked_default, count=4)
    path = verified_gguf(DEFAULT_MODEL, KNOWN_MODELS[DEFAULT_MODEL][2])
    with LlamaServer(path, threads=2) as server:
        write_params(root, generate=openai_params(server.url, timeout_s=300))
        run_stage("generate", root)
        first = (root / "data" / "questions.jsonl").read_bytes()
        assert report(root)["calls"] == 4
        run_stage("generate", root)
    assert report(root)["calls"] == 0 and report(root)["cache_hits"] == 4
    assert (root / "data" / "questions.jsonl").read_bytes() == first
    assert json.loads(first.splitlines()[0])["generator"]["backend"] == "openai"


def test_after_rechunking_only_changed_chunks_are_sent(tmp_path, chunked_default, scripted):
    shutil.copytree(chunked_default / "data", tmp_path / "data")
    workspace_with_chunks(tmp_path, chunked_default, **openai_params(scripted.url("ok")))
    run_stage("generate", tmp_path)
    before = {json.loads(line)["text"] for line in (tmp_path / "data" / "chunks.jsonl").read_text().splitlines()}
    assert report(tmp_path)["calls"] == len(before)

    write_params(tmp_path, chunk={"chunk_size": 700}, generate=openai_params(scripted.url("ok")))
    run_stage("chunk", tmp_path)
    after = {json.loads(line)["text"] for line in (tmp_path / "data" / "chunks.jsonl").read_text().splitlines()}
    run_stage("generate", tmp_path)
    assert 0 < report(tmp_path)["calls"] == len(after - before)
    assert report(tmp_path)["cache_hits"] == len(after & before) > 0


def test_a_killed_run_resumes_without_repeating_finished_chunks(tmp_path, chunked_default, scripted):
    root = workspace_with_chunks(tmp_path, chunked_default, count=30, **openai_params(scripted.url("slow")))
    process = subprocess.Popen([sys.executable, "-m", "embedtune.stages.generate"], cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(cache_lines(root)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished = len([line for line in cache_lines(root) if line.endswith("}")])
    assert 5 <= finished < 30

    write_params(root, generate=openai_params(scripted.url("ok")))
    run_stage("generate", root)
    assert report(root)["calls"] == 30 - finished
    keys = [json.loads(line)["key"] for line in cache_lines(root) if line.strip().endswith("}")]
    assert len(keys) == len(set(keys)) == 30


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
    metrics = report(root)
    assert metrics["calls"] == 5 and metrics["malformed_replies"] == 2 and metrics["questions"] == 3


def test_the_round_trip_filter_keeps_the_questions_their_chunk_answers(tmp_path, chunked_default, scripted):
    # Alternate chunks get a question made of their own words and a generic one about "section N".
    root = workspace_with_chunks(tmp_path, chunked_default, count=20, questions_per_chunk=1,
                                 filters={"round_trip_top_k": 3}, **openai_params(scripted.url("mixed")))
    run_stage("generate", root)
    kept = [json.loads(line)["question"] for line in (root / "data" / "questions.jsonl").read_text().splitlines()]
    metrics = report(root)
    assert metrics["calls"] == 20 and metrics["questions"] == len(kept)
    assert sum(question.startswith("Where does it say") for question in kept) >= 9
    assert sum(question.startswith("What does section") for question in kept) <= 2
    assert metrics["dropped"]["failed_round_trip"] == 20 - len(kept)


def test_the_api_key_is_never_written(tmp_path, chunked_default):
    secret = "sk-embedtune-test-6f1d0c1e9b7a4f3c"
    root = workspace_with_chunks(tmp_path, chunked_default, count=5)
    with ScriptedServer({"ok": ["ok"]}, require_key=secret) as server:
        write_params(root, generate=openai_params(server.url("ok"), api_key_env="EMBEDTUNE_TEST_KEY"))
        result = run_stage("generate", root, env={"EMBEDTUNE_TEST_KEY": secret})
        assert set(server.authorizations) == {f"Bearer {secret}"}  # the key was used...
    assert report(root)["questions"] == 5
    assert secret not in result.stdout + result.stderr  # ...and written nowhere
    for path in root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_missing_or_tampered_model_files_are_refused(tmp_path, chunked_default):
    root = workspace_with_chunks(tmp_path, chunked_default, count=2,
                                 llamacpp={"model": str(tmp_path / "absent.gguf")})
    result = run_stage("generate", root, check=False)
    assert f"model file not found: {tmp_path / 'absent.gguf'}" in result.stderr

    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + b"\0" * 64)
    write_params(root, generate={"llamacpp": {"model": str(fake), "sha256": "ab" * 32}})
    result = run_stage("generate", root, check=False)
    assert f"refusing to load {fake}" in result.stderr and "expected " + "ab" * 32 in result.stderr

    cache = tmp_path / "cache"
    (cache / "models").mkdir(parents=True)
    (cache / "models" / f"{DEFAULT_MODEL}.gguf").write_bytes(b"GGUF tampered")
    write_params(root)
    result = run_stage("generate", root, check=False, env={"EMBEDTUNE_CACHE": str(cache)})
    assert result.returncode != 0 and f"expected {KNOWN_MODELS[DEFAULT_MODEL][2]}" in result.stderr


def test_transformers_backend_runs_a_local_causal_lm(tmp_path, chunked_default):
    """The original recipe's route: a Hugging Face causal LM with its chat template. Offline, the
    default GGUF loaded through transformers (dequantized) stands in for a hub model."""
    from embedtune.generation.gguf import cache_dir

    verified_gguf(DEFAULT_MODEL, KNOWN_MODELS[DEFAULT_MODEL][2])  # joined on first use
    root = workspace_with_chunks(tmp_path, chunked_default, count=1, backend="transformers", max_tokens=40,
                                 transformers={"model": str(cache_dir() / "models"),
                                               "gguf_file": f"{DEFAULT_MODEL}.gguf", "device": "cpu"})
    run_stage("generate", root)
    metrics = report(root)
    assert metrics["calls"] == 1 and metrics["generator"]["backend"] == "transformers"
    assert (root / "data" / "generate-cache.jsonl").read_text().count('"reply"') == 1


def test_default_weights_are_joined_from_their_parts_and_verified(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDTUNE_CACHE", str(tmp_path))
    path = verified_gguf(DEFAULT_MODEL, KNOWN_MODELS[DEFAULT_MODEL][2])
    assert path == tmp_path / "models" / f"{DEFAULT_MODEL}.gguf"
    assert path.stat().st_size == 491_400_064 and not list(tmp_path.rglob("*.partial"))
