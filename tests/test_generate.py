"""Stage `generate`: real models, real servers on 127.0.0.1, the real cache."""

import json
import os
import shutil
import subprocess
import sys

from conftest import (
    DEFAULT_MODEL,
    cache_lines,
    generate_report,
    openai_params,
    run_stage,
    workspace_with_chunks,
    write_params,
)
from embedtune.common.jsonl import read_jsonl
from embedtune.common.records import CacheLine, Question, check_records
from embedtune.generation.gguf import KNOWN_MODELS, verified_gguf
from embedtune.generation.llama_server import LlamaServer
from embedtune.generation.questions import parse_reply
from llm_servers import ScriptedServer


def test_openai_backend_against_a_real_llama_server_and_no_calls_on_rerun(tmp_path, chunked_default):
    root = workspace_with_chunks(tmp_path, chunked_default, count=4)
    path = verified_gguf(DEFAULT_MODEL, KNOWN_MODELS[DEFAULT_MODEL][2])
    with LlamaServer(path, threads=2) as server:
        write_params(root, generate=openai_params(server.url, timeout_s=300))
        run_stage("generate", root)
        first = (root / "data" / "questions.jsonl").read_bytes()
        assert generate_report(root)["calls"] == 4
        run_stage("generate", root)
    assert generate_report(root)["calls"] == 0 and generate_report(root)["cache_hits"] == 4
    assert (root / "data" / "questions.jsonl").read_bytes() == first
    assert json.loads(first.splitlines()[0])["generator"]["backend"] == "openai"
    assert check_records(read_jsonl(root / "data" / "questions.jsonl"), Question) >= 1
    assert check_records(read_jsonl(root / "data" / "generate-cache.jsonl"), CacheLine) == 4


def test_batched_slots_of_llama_cpp_parse_every_reply_and_a_rerun_makes_no_calls(tmp_path, chunked_default):
    """generate.llamacpp.parallel above 1: llama.cpp answers several chunks at once. Its replies may
    differ from one request at a time in a token or two; what makes reruns reproducible is the cache."""
    root = workspace_with_chunks(tmp_path, chunked_default, count=6, backend="llamacpp", llamacpp={"parallel": 3})
    run_stage("generate", root)
    report = generate_report(root)
    assert report["calls"] == 6 and report["malformed_replies"] == 0 and len(cache_lines(root)) == 6
    assert report["chunks_with_questions"] >= 4
    first = (root / "data" / "questions.jsonl").read_bytes()
    run_stage("generate", root)
    assert generate_report(root)["calls"] == 0 and generate_report(root)["cache_hits"] == 6
    assert (root / "data" / "questions.jsonl").read_bytes() == first


def test_the_default_writes_for_a_batch_of_chunks_at_once_and_a_rerun_makes_no_calls(tmp_path, chunked_default):
    """The offline default: the 0.5B GGUF through transformers, `batch_size` chunks to a forward pass
    (left-padded to the batch's longest prompt). Every chunk gets its own reply, each parsed."""
    root = workspace_with_chunks(tmp_path, chunked_default, count=7, transformers={"batch_size": 3})
    run_stage("generate", root)
    report = generate_report(root)
    assert report["generator"]["backend"] == "transformers"
    assert report["generator"]["sha256"] == KNOWN_MODELS[DEFAULT_MODEL][2]
    assert report["calls"] == 7 and report["malformed_replies"] == 0 and len(cache_lines(root)) == 7
    replies = {json.loads(line)["chunk_id"]: json.loads(line)["reply"] for line in cache_lines(root)}
    assert len(replies) == 7 and all(parse_reply(reply) for reply in replies.values())
    assert report["chunks_with_questions"] >= 5 and report["local_llm"]["held_s"] > 0
    first = (root / "data" / "questions.jsonl").read_bytes()
    run_stage("generate", root)
    assert generate_report(root)["calls"] == 0 and generate_report(root)["cache_hits"] == 7
    assert (root / "data" / "questions.jsonl").read_bytes() == first


def test_two_generate_runs_at_once_take_the_local_llm_in_turn(tmp_path, chunked_default):
    """Two generate stages with the offline default LLM started at once, as `dvc queue start -j 2` or
    two clones would: one waits for the other's llama.cpp server and says for whom, they hold it one
    after the other, and each writes every question."""
    roots = [workspace_with_chunks(tmp_path / name, chunked_default, count=4) for name in ("a", "b")]
    runs = [subprocess.Popen([sys.executable, "-m", "embedtune.stages.generate"], cwd=root, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
            for root in roots]
    errors = [run.communicate(timeout=900)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors

    holdings = [generate_report(root)["local_llm"] for root in roots]
    first, second = sorted((0, 1), key=lambda i: holdings[i]["taken_at"])
    assert holdings[second]["taken_at"] >= holdings[first]["released_at"]
    assert holdings[second]["waited_s"] > 0
    assert (f"generate: waiting for the local LLM, which pid {runs[first].pid} (generate in {roots[first]}, "
            in errors[second])
    assert "waiting for the local LLM" not in errors[first]

    for root in roots:
        assert generate_report(root)["calls"] == 4 and len(cache_lines(root)) == 4
        overlap = generate_report(root)["question_overlap"]  # the real model's questions against their chunks
        assert 0 <= overlap["q1"] <= overlap["median"] <= overlap["q3"] <= 1 and 0 < overlap["mean"] < 1
    questions = [(root / "data" / "questions.jsonl").read_bytes() for root in roots]
    assert questions[0] == questions[1] and questions[0].count(b"\n") >= 4


def prose_texts(root):
    return {chunk["text"] for chunk in read_jsonl(root / "data" / "chunks.jsonl") if chunk["kind"] != "table"}


def test_after_rechunking_only_changed_chunks_are_sent(tmp_path, chunked_default, scripted):
    shutil.copytree(chunked_default / "data", tmp_path / "data")
    workspace_with_chunks(tmp_path, chunked_default, **openai_params(scripted.url("ok")))
    run_stage("generate", tmp_path)
    before = prose_texts(tmp_path)  # table chunks get questions from their structure, no call
    assert generate_report(tmp_path)["calls"] == len(before)

    write_params(tmp_path, chunk={"chunk_size": 700}, generate=openai_params(scripted.url("ok")))
    run_stage("chunk", tmp_path)
    after = prose_texts(tmp_path)
    run_stage("generate", tmp_path)
    assert 0 < generate_report(tmp_path)["calls"] == len(after - before)
    assert generate_report(tmp_path)["cache_hits"] == len(after & before) > 0


def test_the_round_trip_filter_keeps_the_questions_their_chunk_answers(tmp_path, chunked_default, scripted):
    # Alternate chunks get a question made of their own words and a generic one about "section N".
    root = workspace_with_chunks(tmp_path, chunked_default, count=20, questions_per_chunk=1,
                                 filters={"round_trip_top_k": 3}, **openai_params(scripted.url("mixed")))
    run_stage("generate", root)
    kept = [json.loads(line)["question"] for line in (root / "data" / "questions.jsonl").read_text().splitlines()]
    metrics = generate_report(root)
    assert metrics["calls"] == 20 and metrics["questions"] == len(kept)
    assert sum(question.startswith("Where does it say") for question in kept) >= 9
    assert sum(question.startswith("What does section") for question in kept) <= 2
    assert metrics["dropped"]["failed_round_trip"] == 20 - len(kept)


def test_a_pointer_at_the_source_is_cut_and_the_switch_costs_no_call(tmp_path, chunked_default, scripted):
    root = workspace_with_chunks(tmp_path, chunked_default, count=5, **openai_params(scripted.url("pointer")))
    run_stage("generate", root)
    kept = [json.loads(line)["question"] for line in (root / "data" / "questions.jsonl").read_text().splitlines()]
    assert len(kept) == 5 and all(question.endswith("say about robots?") for question in kept)
    assert generate_report(root)["source_phrases_cut"] == 5
    write_params(root, generate={**openai_params(scripted.url("pointer")), "filters": {"cut_source_phrases": False}})
    run_stage("generate", root)
    report = generate_report(root)
    assert report["calls"] == 0 and report["questions"] == 0 and report["source_phrases_cut"] == 0
    assert report["dropped"] == {"refers_to_the_passage": 5}


def test_the_api_key_is_never_written(tmp_path, chunked_default):
    secret = "sk-embedtune-test-6f1d0c1e9b7a4f3c"
    root = workspace_with_chunks(tmp_path, chunked_default, count=5)
    with ScriptedServer({"ok": ["ok"]}, require_key=secret) as server:
        write_params(root, generate=openai_params(server.url("ok"), api_key_env="EMBEDTUNE_TEST_KEY"))
        result = run_stage("generate", root, env={"EMBEDTUNE_TEST_KEY": secret})
        assert set(server.authorizations) == {f"Bearer {secret}"}  # the key was used...
    assert generate_report(root)["questions"] == 5
    assert secret not in result.stdout + result.stderr  # ...and written nowhere
    for path in root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_missing_or_tampered_model_files_are_refused(tmp_path, chunked_default):
    root = workspace_with_chunks(tmp_path, chunked_default, count=2, backend="llamacpp",
                                 llamacpp={"model": str(tmp_path / "absent.gguf")})
    result = run_stage("generate", root, check=False)
    assert f"model file not found: {tmp_path / 'absent.gguf'}" in result.stderr

    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + b"\0" * 64)
    write_params(root, generate={"backend": "llamacpp", "llamacpp": {"model": str(fake), "sha256": "ab" * 32}})
    result = run_stage("generate", root, check=False)
    assert f"refusing to load {fake}" in result.stderr and "expected " + "ab" * 32 in result.stderr

    cache = tmp_path / "cache"
    (cache / "models").mkdir(parents=True)
    (cache / "models" / f"{DEFAULT_MODEL}.gguf").write_bytes(b"GGUF tampered")
    write_params(root)
    result = run_stage("generate", root, check=False, env={"EMBEDTUNE_CACHE": str(cache)})
    assert result.returncode != 0 and f"expected {KNOWN_MODELS[DEFAULT_MODEL][2]}" in result.stderr


def test_a_converted_checkpoint_that_no_longer_matches_is_refused(tmp_path, chunked_default):
    """The transformers backend loads a known model from a checkpoint dequantized once from the
    verified GGUF; its files are checked against the manifest written with them, like the GGUF."""
    import torch

    from embedtune.generation.checkpoint import known_checkpoint

    folder = known_checkpoint(DEFAULT_MODEL, torch.bfloat16)
    copy = tmp_path / "cache" / "models" / folder.name
    shutil.copytree(folder, copy)
    (copy / "config.json").write_text((copy / "config.json").read_text().replace('"silu"', '"gelu"'))
    root = workspace_with_chunks(tmp_path / "workspace", chunked_default, count=1, transformers={"dtype": "bfloat16"})
    result = run_stage("generate", root, check=False, env={"EMBEDTUNE_CACHE": str(tmp_path / "cache")})
    assert result.returncode != 0 and f"refusing to load {copy}: config.json does not match" in result.stderr
    assert "Traceback" not in result.stderr and not cache_lines(root)


def test_transformers_backend_runs_a_local_causal_lm(tmp_path, chunked_default):
    """The original recipe's route: a Hugging Face causal LM with its chat template. Offline, the
    default GGUF loaded through transformers (dequantized) stands in for a hub model."""
    from embedtune.generation.gguf import cache_dir

    verified_gguf(DEFAULT_MODEL, KNOWN_MODELS[DEFAULT_MODEL][2])  # joined on first use
    root = workspace_with_chunks(tmp_path, chunked_default, count=1, backend="transformers", max_tokens=40,
                                 transformers={"model": str(cache_dir() / "models"),
                                               "gguf_file": f"{DEFAULT_MODEL}.gguf", "device": "cpu"})
    run_stage("generate", root)
    metrics = generate_report(root)
    assert metrics["calls"] == 1 and metrics["generator"]["backend"] == "transformers"
    assert (root / "data" / "generate-cache.jsonl").read_text().count('"reply"') == 1


def test_default_weights_are_joined_from_their_parts_and_verified(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDTUNE_CACHE", str(tmp_path))
    path = verified_gguf(DEFAULT_MODEL, KNOWN_MODELS[DEFAULT_MODEL][2])
    assert path == tmp_path / "models" / f"{DEFAULT_MODEL}.gguf"
    assert path.stat().st_size == 491_400_064 and not list(tmp_path.rglob("*.partial"))
