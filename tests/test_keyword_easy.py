"""train.bm25_first_kept: fewer of the training pairs BM25 already ranks first, on the default
corpus's real chunks and a real fine-tune."""

import json

import bm25s
import pytest
from datasets import load_from_disk

from conftest import TRAIN, dataset_workspace, run_stage
from embedtune.training.keyword_easy import kept_rows


def test_kept_rows_are_every_pair_bm25_misses_and_a_seeded_share_of_the_rest():
    ranks = [1, 3, 1, 1, 12, 1, 2, 1, 1, 1]
    missed = [1, 4, 6]
    assert kept_rows(ranks, 1.0, seed=0) == list(range(10))
    assert kept_rows(ranks, 0.0, seed=0) == missed
    halves = {tuple(kept_rows(ranks, 0.5, seed)) for seed in range(5)}
    assert all(len(rows) == 3 + 4 and set(missed) <= set(rows) for rows in halves)
    assert len(halves) > 1 and kept_rows(ranks, 0.5, seed=3) == kept_rows(ranks, 0.5, seed=3)


@pytest.mark.slow
def test_training_keeps_the_share_of_pairs_bm25_ranks_first(tmp_path, chunked_default):
    root = dataset_workspace(tmp_path, chunked_default, train={**TRAIN, "epochs": 1, "bm25_first_kept": 0.5})
    dataset = load_from_disk(str(root / "data" / "dataset"))
    split, corpus = dataset["train"], dataset["corpus"]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus["text"], stopwords="en", show_progress=False), show_progress=False)
    found, scores = retriever.retrieve(bm25s.tokenize(split["anchor"], stopwords="en", show_progress=False), k=2,
                                       show_progress=False)
    position = {chunk_id: i for i, chunk_id in enumerate(corpus["chunk_id"])}
    first = sum(top[0] == position[chunk_id] and score[0] > score[1]
                for top, score, chunk_id in zip(found, scores, split["chunk_id"], strict=True))
    assert 0 < first < len(split)

    run_stage("train", root)
    report = json.loads((root / "metrics" / "train.json").read_text())
    assert report["bm25_first_pairs"] == {"bm25_first": first, "kept": round(first / 2), "of_rows": len(split)}
    assert report["train_rows"] == len(split) - first + round(first / 2)
    assert (root / "models" / "embedtune" / "model.safetensors").exists()
