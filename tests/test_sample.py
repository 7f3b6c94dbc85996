"""generate.max_chunks: a stable sample of the chunks, spread over the documents by size."""

import json
from collections import Counter

from conftest import generate_report, openai_params, run_stage, workspace_with_chunks, write_params
from embedtune.generation.sample import sample_chunks


def chunks_of(root) -> list[dict]:
    return [json.loads(line) for line in (root / "data" / "chunks.jsonl").read_text().splitlines()]


def test_the_sample_is_proportional_stable_and_seeded(chunked_default):
    chunks = chunks_of(chunked_default)
    sizes = Counter(chunk["doc_id"] for chunk in chunks)
    sample = sample_chunks(chunks, 40, seed=42)
    assert len(sample) == 40 and sample == [chunk for chunk in chunks if chunk in sample]  # corpus order
    for doc_id, count in Counter(chunk["doc_id"] for chunk in sample).items():
        assert abs(count - 40 * sizes[doc_id] / len(chunks)) <= 1, doc_id
    larger = sample_chunks(chunks, 60, seed=42)
    assert {c["chunk_id"] for c in sample} < {c["chunk_id"] for c in larger}
    assert sample_chunks(chunks, 40, seed=42) == sample != sample_chunks(chunks, 40, seed=7)
    assert sample_chunks(chunks, None, seed=42) == chunks == sample_chunks(chunks, 500, seed=42)


def test_raising_the_budget_only_asks_about_the_new_chunks(tmp_path, chunked_default, scripted):
    root = workspace_with_chunks(tmp_path, chunked_default, max_chunks=10, **openai_params(scripted.url("ok")))
    run_stage("generate", root)
    report = generate_report(root)
    # Table chunks get questions from their structure: only the sample's prose goes to the LLM.
    prose = {budget: [chunk for chunk in sample_chunks(chunks_of(root), budget, seed=42) if chunk["kind"] != "table"]
             for budget in (10, 25)}
    assert report["calls"] == len(prose[10]) > 0
    assert report["sampled_chunks"] == 10 and report["chunks"] == len(chunks_of(root))
    asked = {json.loads(line)["chunk_id"] for line in (root / "data" / "questions.jsonl").read_text().splitlines()}
    assert 0 < len(asked) <= 10

    write_params(root, generate={"max_chunks": 25, **openai_params(scripted.url("ok"))})
    run_stage("generate", root)
    report = generate_report(root)
    assert report["calls"] == len(prose[25]) - len(prose[10]) > 0 and report["cache_hits"] == len(prose[10])
    assert report["sampled_chunks"] == 25
