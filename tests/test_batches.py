"""train.batches: one_document — batches of one document's questions, on the default corpus's
real chunks and dataset, and a real fine-tune with them."""

import json
import shutil

import pytest
from datasets import load_from_disk

from conftest import TRAIN, passage_questions, run_stage, write_params
from embedtune.training.batches import OneDocumentBatchSampler, one_document_refusal
from embedtune.training.losses import loss_inputs
from embedtune.training.params import TrainParams

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_per_chunk(tmp_path_factory, chunked_default):
    """The default corpus's chunks with two questions on each: every passage is in the training split twice."""
    root = tmp_path_factory.mktemp("two-per-chunk")
    (root / "data").mkdir()
    shutil.copy(chunked_default / "data" / "chunks.jsonl", root / "data" / "chunks.jsonl")
    chunks = [json.loads(line) for line in (root / "data" / "chunks.jsonl").read_text().splitlines()]
    rows = passage_questions(chunks)
    rows += [{**row, "question": row["question"].replace("Where does it say", "Which passage says")} for row in rows]
    (root / "data" / "questions.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    write_params(root, train={**TRAIN, "epochs": 1, "batches": "one_document"})
    run_stage("dataset", root)
    return root


def one_document_sampler(root) -> tuple[OneDocumentBatchSampler, list[str], list[str]]:
    """The sampler over the training split's loss inputs, each row's document and passage."""
    split = load_from_disk(str(root / "data" / "dataset"))["train"]
    document_of = {chunk["chunk_id"]: chunk["doc_id"]
                   for chunk in map(json.loads, (root / "data" / "chunks.jsonl").read_text().splitlines())}
    documents = [document_of[chunk_id] for chunk_id in split["chunk_id"]]
    rows = loss_inputs(split, "pairs", TrainParams())
    return OneDocumentBatchSampler(rows, 16, drop_last=False, documents=documents, seed=42), documents, rows["positive"]


def test_each_batch_holds_one_documents_questions_and_no_passage_twice(two_per_chunk):
    sampler, documents, positives = one_document_sampler(two_per_chunk)
    batches = sampler.batches()
    assert sorted(row for batch in batches for row in batch) == list(range(len(documents)))  # every row once
    assert all(len({positives[row] for row in batch}) == len(batch) for batch in batches)
    single = [batch for batch in batches if len({documents[row] for row in batch}) == 1]
    full = [batch for batch in single if len(batch) == 16]
    assert len(full) >= 2
    # What is left of each document fills as few batches as the texts allow.
    leftover = len(documents) - 16 * len(full)
    assert len(batches) - len(full) <= -(-leftover // 16) + 1
    assert sampler.batches() == batches and len(sampler) == len(batches)
    sampler.set_epoch(1)
    assert sampler.batches() != batches


def test_training_with_one_document_batches_reports_them(two_per_chunk):
    run_stage("train", two_per_chunk)
    report = json.loads((two_per_chunk / "metrics" / "train.json").read_text())
    sampler, documents, _ = one_document_sampler(two_per_chunk)
    single = sum(len({documents[row] for row in batch}) == 1 for batch in sampler.batches())
    assert report["batches"] == {"drawn": "one_document", "one_document_share": round(single / len(sampler), 3)}
    assert report["steps"] == len(sampler)  # one epoch: a step a batch
    assert (two_per_chunk / "models" / "embedtune" / "model.safetensors").exists()


def test_batches_are_random_where_one_document_cannot_apply(two_per_chunk):
    split = load_from_disk(str(two_per_chunk / "data" / "dataset"))["train"]
    chunks = two_per_chunk / "data" / "chunks.jsonl"
    assert one_document_refusal(split, chunks, TrainParams()) is None
    assert "train.nproc: 1" in one_document_refusal(split, chunks, TrainParams(nproc=2))
    assert "uses no in-batch negatives" in one_document_refusal(split, chunks, TrainParams(loss="TripletLoss"))
    relabelled = split.map(lambda row: {"chunk_id": row["chunk_id"][::-1]})  # passages that are no chunk
    assert "(labelled data)" in one_document_refusal(relabelled, chunks, TrainParams())
