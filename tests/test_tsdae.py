"""train.tsdae_sentences: TSDAE on the corpus's own sentences before the question pairs, with the
real MiniLM, the real decoder sentence-transformers ties to it, on the bundled corpus."""

import json
import random

import numpy as np
import pytest
from pydantic import ValidationError

from conftest import TRAIN, dataset_workspace, run_stage
from embedtune.common.jsonl import read_jsonl
from embedtune.common.models import load_encoder
from embedtune.training.params import TrainParams
from embedtune.training.tsdae import DELETION, adapt, corpus_sentences, damaged


def test_the_sentences_are_the_corpus_prose_a_seeded_sample_and_their_damage_deletes_most_words(chunked_default):
    texts = [chunk["text"] for chunk in read_jsonl(chunked_default / "data" / "chunks.jsonl")]
    every = corpus_sentences(texts, 10_000, seed=42)
    assert len(every) == len(set(every)) > 100
    assert not any("|" in sentence for sentence in every)  # table rows are not sentences to rebuild
    assert all(len(sentence.split()) >= 6 for sentence in every)
    sample = corpus_sentences(texts, 50, seed=42)
    assert len(sample) == 50 and set(sample) < set(every) and sample == corpus_sentences(texts, 50, seed=42)
    assert sample != corpus_sentences(texts, 50, seed=7)

    rng = random.Random(42)
    words = sum(len(sentence.split()) for sentence in every)
    kept = sum(len(damaged(sentence, rng).split()) for sentence in every)
    assert abs(kept / words - (1 - DELETION)) < 0.03
    assert damaged("one two", random.Random(0)).split()[0] in {"one", "two"}  # never empty


def test_adapting_changes_the_encoder_and_the_train_stage_reports_it(tmp_path, chunked_default):
    texts = [chunk["text"] for chunk in read_jsonl(chunked_default / "data" / "chunks.jsonl")]
    sentences = corpus_sentences(texts, 16, seed=42)
    model = load_encoder("sentence-transformers/all-MiniLM-L6-v2")
    before = model.encode(sentences[:4], normalize_embeddings=True)
    done = adapt(model, sentences, seed=42, output_dir=tmp_path / "tsdae", precision_flags={})
    assert done["sentences"] == 16 and done["steps"] == 2 and np.isfinite(done["loss"])
    assert not (tmp_path / "tsdae").exists()
    after = model.encode(sentences[:4], normalize_embeddings=True)
    assert (np.sum(before * after, axis=1) < 1 - 1e-4).all()  # every sentence's embedding moved

    root = dataset_workspace(tmp_path / "stage", chunked_default, train={**TRAIN, "epochs": 1, "tsdae_sentences": 24})
    result = run_stage("train", root)
    report = json.loads((root / "metrics" / "train.json").read_text())
    assert report["tsdae"]["sentences"] == 24 and report["tsdae"]["steps"] == 3 and report["steps"] > 0
    assert "TSDAE on 24 of the corpus's sentences" in result.stdout
    with pytest.raises(ValidationError, match="tsdae_sentences adapts the model in one process"):
        TrainParams(tsdae_sentences=24, nproc=2)
