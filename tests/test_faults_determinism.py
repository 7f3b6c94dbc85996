"""Fault family determinism: the same params twice give the same bytes. `extract`, `chunk` and
`dataset` always; `generate` with the offline default generator at temperature 0."""

import json
import shutil

from conftest import DEFAULT_MODEL, dataset_workspace, folder_bytes, run_stage, workspace_with_chunks
from embedtune.generation.gguf import KNOWN_MODELS


def test_extract_twice_gives_identical_elements(extracted_default, workspace):
    run_stage("extract", workspace)
    assert folder_bytes(workspace / "data" / "extracted") == folder_bytes(extracted_default / "data" / "extracted")


def test_chunk_twice_gives_identical_chunks(chunked_default, tmp_path):
    shutil.copytree(chunked_default / "data" / "extracted", tmp_path / "data" / "extracted")
    shutil.copy(chunked_default / "params.yaml", tmp_path / "params.yaml")
    run_stage("chunk", tmp_path)
    assert (tmp_path / "data" / "chunks.jsonl").read_bytes() == (chunked_default / "data" / "chunks.jsonl").read_bytes()


def test_dataset_twice_gives_identical_splits(chunked_default, tmp_path):
    root = dataset_workspace(tmp_path, chunked_default, dataset={"hard_negatives": {"count": 1}})
    first = folder_bytes(root / "data" / "dataset")
    shutil.rmtree(root / "data" / "dataset")
    run_stage("dataset", root)
    assert folder_bytes(root / "data" / "dataset") == first


def test_generate_twice_with_the_default_model_gives_identical_questions(tmp_path, chunked_default):
    root = workspace_with_chunks(tmp_path, chunked_default, count=3, temperature=0.0)
    result = run_stage("generate", root)
    metrics = json.loads((root / "metrics" / "generate.json").read_text())
    assert metrics["calls"] == 3 and metrics["cache_hits"] == 0
    assert metrics["generator"]["backend"] == "transformers"
    assert metrics["generator"]["sha256"] == KNOWN_MODELS[DEFAULT_MODEL][2]
    rows = [json.loads(line) for line in (root / "data" / "questions.jsonl").read_text().splitlines()]
    assert rows and all(row["question"].endswith("?") for row in rows)
    assert metrics["questions"] == len(rows)
    assert "3 LLM calls, 0 cached" in result.stdout

    first = folder_bytes(root / "data")
    (root / "data" / "generate-cache.jsonl").unlink()
    (root / "data" / "questions.jsonl").unlink()
    run_stage("generate", root)
    assert json.loads((root / "metrics" / "generate.json").read_text())["calls"] == 3
    assert folder_bytes(root / "data") == first
