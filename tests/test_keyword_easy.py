"""train.bm25_first_kept and train.max_question_overlap: fewer of the training pairs keyword search
finds easily, on the default corpus's real chunks and a real fine-tune."""

import json

import bm25s
import pytest
from datasets import load_from_disk

from conftest import TRAIN, dataset_workspace, run_stage
from embedtune.generation.overlap import overlap_shares
from embedtune.training.keyword_easy import kept_rows, within_overlap


def test_kept_rows_are_every_pair_bm25_misses_and_a_seeded_share_of_the_rest():
    ranks = [1, 3, 1, 1, 12, 1, 2, 1, 1, 1]
    missed = [1, 4, 6]
    assert kept_rows(ranks, 1.0, seed=0) == list(range(10))
    assert kept_rows(ranks, 0.0, seed=0) == missed
    halves = {tuple(kept_rows(ranks, 0.5, seed)) for seed in range(5)}
    assert all(len(rows) == 3 + 4 and set(missed) <= set(rows) for rows in halves)
    assert len(halves) > 1 and kept_rows(ranks, 0.5, seed=3) == kept_rows(ranks, 0.5, seed=3)


def test_within_overlap_leaves_out_the_questions_that_copy_their_passage():
    passages = ["Revenue grew 12% to $4.1 billion on data center demand."] * 3
    questions = ["What revenue grew on data center demand?",  # every content word in the passage
                 "Why did sales rise?",  # none
                 "How much did data center revenue grow?"]  # 3 of 5: "much" and "grow" are not
    assert within_overlap(questions, passages, 1.0) == [0, 1, 2]
    assert within_overlap(questions, passages, 0.9) == [1, 2]
    assert within_overlap(questions, passages, 0.5) == [1]


@pytest.mark.slow
def test_training_leaves_out_pairs_bm25_ranks_first_and_questions_that_copy(tmp_path, chunked_default):
    root = dataset_workspace(tmp_path, chunked_default, train={**TRAIN, "epochs": 1, "bm25_first_kept": 0.5,
                                                               "max_question_overlap": 0.86})
    dataset = load_from_disk(str(root / "data" / "dataset"))
    split, corpus = dataset["train"], dataset["corpus"]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus["text"], stopwords="en", show_progress=False), show_progress=False)
    found, scores = retriever.retrieve(bm25s.tokenize(split["anchor"], stopwords="en", show_progress=False), k=2,
                                       show_progress=False)
    position = {chunk_id: i for i, chunk_id in enumerate(corpus["chunk_id"])}
    first = sum(top[0] == position[chunk_id] and score[0] > score[1]
                for top, score, chunk_id in zip(found, scores, split["chunk_id"], strict=True))
    copying = sum(share > 0.86 for share in overlap_shares(split["anchor"], split["positive"]))
    assert 0 < first < len(split) and 0 < copying < len(split)

    run_stage("train", root)
    report = json.loads((root / "metrics" / "train.json").read_text())
    left_out_first = first - round(first / 2)
    assert report["keyword_easy_pairs"] == {"of_rows": len(split), "bm25_first": first,
                                            "bm25_first_left_out": left_out_first, "copying_left_out": copying,
                                            "kept": report["train_rows"]}
    # Either filter may leave out a pair the other does.
    assert len(split) - left_out_first - copying <= report["train_rows"] <= len(split) - max(left_out_first, copying)
    assert (root / "models" / "embedtune" / "model.safetensors").exists()
