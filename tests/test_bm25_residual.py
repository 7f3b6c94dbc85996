"""train.bm25_residual: the ranking loss with BM25's normalised score added to its logits, on real
MiniLM, real BM25 and the default corpus's real chunks."""

import json

import numpy as np
import pytest
import torch
from datasets import load_from_disk
from pydantic import ValidationError
from sentence_transformers.sentence_transformer import losses

from conftest import TRAIN, dataset_workspace, run_stage
from embedtune.common.models import load_encoder
from embedtune.evaluation.bm25 import Bm25Index
from embedtune.training.bm25_residual import Bm25ResidualLoss, Bm25Scores
from embedtune.training.params import TrainParams

pytestmark = pytest.mark.slow

BASE = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def batch(tmp_path_factory, chunked_default):
    """The default corpus's dataset and MiniLM; a batch of 8 training pairs as the collator makes it."""
    root = dataset_workspace(tmp_path_factory.mktemp("residual"), chunked_default, train={**TRAIN, "epochs": 1})
    dataset = load_from_disk(str(root / "data" / "dataset"))
    model = load_encoder(BASE)
    rows = dataset["train"].select(range(8))
    return dataset, model, rows


def test_each_question_gets_bm25s_corpus_normalised_score_of_each_passage_found_by_its_token_ids(batch):
    dataset, model, rows = batch
    corpus = dataset["corpus"]["text"]
    for query_prompt in ("", "query: "):  # a prompt is part of the ids the collator makes, not of BM25's query
        scores = Bm25Scores(model, dataset["train"]["anchor"], corpus, query_prompt, "")
        questions = model.preprocess(rows["anchor"], prompt=query_prompt or None)
        keyword = scores(questions, [model.preprocess(rows["positive"])])
        raw = Bm25Index.build(corpus).scores(rows["anchor"])
        low, high = raw.min(axis=1, keepdims=True), raw.max(axis=1, keepdims=True)
        expected = ((raw - low) / (high - low))[:, [corpus.index(text) for text in rows["positive"]]]
        assert keyword.shape == (8, 8) and np.allclose(keyword.numpy(), expected)
        assert 0 <= keyword.min() and keyword.max() <= 1 and keyword.diagonal().mean() > 0.5


def test_with_weight_0_it_is_the_ranking_loss_and_bm25_lowers_it_where_bm25_ranks_the_passage_first(batch):
    dataset, model, rows = batch
    scores = Bm25Scores(model, dataset["train"]["anchor"], dataset["corpus"]["text"], "", "")
    features = [model.preprocess(rows["anchor"]), model.preprocess(rows["positive"])]
    with torch.no_grad():
        plain = losses.MultipleNegativesRankingLoss(model)(features, None)
        assert torch.isclose(Bm25ResidualLoss(model, scores, 0.0)(features, None), plain)
        keyword = scores(features[0], features[1:])
        assert (keyword.argmax(dim=1) == torch.arange(8)).float().mean() > 0.5
        assert Bm25ResidualLoss(model, scores, 8.0)(features, None) < plain


def test_training_with_bm25_residual_reports_it_and_other_losses_are_refused(tmp_path, chunked_default):
    root = dataset_workspace(tmp_path, chunked_default, train={**TRAIN, "epochs": 1, "bm25_residual": 8})
    run_stage("train", root)
    report = json.loads((root / "metrics" / "train.json").read_text())
    assert report["bm25_residual"] == 8 and report["steps"] > 0 and report["batches"]["drawn"] == "one_document"
    assert "loss:Bm25ResidualLoss" in (root / "models" / "embedtune" / "README.md").read_text()
    for refused in ({"loss": "TripletLoss"}, {"nproc": 2}):
        with pytest.raises(ValidationError, match="bm25_residual adds BM25"):
            TrainParams(bm25_residual=8, **refused)
