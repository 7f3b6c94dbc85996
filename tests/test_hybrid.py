"""Hybrid retrieval: the fusions on known scores, the fusion saved with the fine-tuned model, and
`embedtune search` using it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedtune.evaluation.hybrid import below_bm25, choose_fusion, fuse
from embedtune.evaluation.params import HybridParams

EMBEDTUNE = Path(sys.executable).parent / "embedtune"
QUESTION = "What does a VD-480 drive motor cost at annual volumes up to 8,000 units?"


@pytest.mark.parametrize("fusion", ["rrf", "convex"])
def test_a_fusion_follows_the_side_it_weighs(fusion):
    dense = np.array([[0.9, 0.7, 0.1, 0.3]])
    keyword = np.array([[0.0, 6.0, 7.0, 1.0]])
    order = {weight: list(np.argsort(-fuse(dense, keyword, {"fusion": fusion, "dense_weight": weight, "rrf_k": 60})[0],
                                     kind="stable")) for weight in (1.0, 0.0, 0.5)}
    assert order[1.0] == [0, 1, 3, 2] and order[0.0] == [2, 1, 3, 0]
    assert order[0.5][0] == 1  # second on both lists: first when they count alike


def test_too_few_validation_questions_fall_back_to_the_fallback_fusion():
    rng = np.random.default_rng(0)
    queries, corpus = rng.normal(size=(5, 8)), rng.normal(size=(20, 8))
    chosen = choose_fusion(queries, corpus, rng.random((5, 20)), [str(i) for i in range(20)],
                           [{str(i)} for i in range(5)], HybridParams(min_validation_questions=30))
    assert chosen["fusion"] == "convex" and chosen["dense_weight"] == 0.6
    assert chosen["chosen_on"].startswith("none: 5 validation questions, fewer than "
                                          "evaluate.hybrid.min_validation_questions (30)")


def test_a_fusion_that_scores_below_bm25_on_validation_is_reported():
    """BM25 ranks every validation question's chunk first; random dense scores can only pull the
    fusion down, as on LLM-written questions that reuse their chunk's words."""
    rng = np.random.default_rng(0)
    queries, corpus = rng.normal(size=(40, 8)), rng.normal(size=(60, 8))
    keyword = rng.random((40, 60))
    keyword[np.arange(40), np.arange(40)] = 2.0
    ids, relevant = [str(i) for i in range(60)], [{str(i)} for i in range(40)]
    chosen = choose_fusion(queries, corpus, keyword, ids, relevant, HybridParams())
    assert chosen["validation_bm25_ndcg@10"] == 1.0 > chosen["validation_ndcg@10"]
    assert below_bm25(chosen).startswith(f"warning: on the validation questions the chosen hybrid scored ndcg@10 "
                                         f"{chosen['validation_ndcg@10']:.4f}, below BM25 alone (1.0000)")
    # Now the dense side finds each chunk and BM25 is blind: the fusion beats BM25, and nothing is said.
    queries, keyword = corpus[:40] + rng.normal(scale=0.1, size=(40, 8)), rng.random((40, 60))
    assert below_bm25(choose_fusion(queries, corpus, keyword, ids, relevant, HybridParams())) is None


def test_the_fine_tuned_model_carries_its_fusion_and_its_card_says_so(trained):
    model = trained / "models" / "embedtune"
    fusion = json.loads((model / "embedtune-hybrid.json").read_text())
    validation = json.loads((trained / "metrics" / "dataset.json").read_text())["validation_rows"]
    assert validation < 30 and fusion["chosen_on"].startswith(f"none: {validation} validation questions")
    assert fusion == json.loads((trained / "metrics" / "train.json").read_text())["hybrid"]
    card = (model / "README.md").read_text()
    assert "## Hybrid retrieval (embedtune)" in card and "min-max scores, dense weight 0.6" in card


def search(workdir: Path, *args: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(EMBEDTUNE), "search", *args], cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "EMBEDTUNE_CACHE": str(cache)})


def test_search_is_hybrid_with_the_saved_fusion_and_caches_the_bm25_index(trained, tmp_path):
    model = str(trained / "models" / "embedtune")
    hybrid = search(trained, "--model", model, "-k", "3", QUESTION, cache=tmp_path)
    assert hybrid.returncode == 0, hybrid.stderr
    assert "; hybrid (convex combination of min-max scores, dense weight 0.6)" in hybrid.stderr
    assert "veltro-master-supply-agreement.pdf" in hybrid.stdout.splitlines()[0]
    assert len(list((tmp_path / "index").glob("bm25-*"))) == 1

    keyword = search(trained, "--model", model, "--retriever", "bm25", "-k", "3", QUESTION, cache=tmp_path)
    assert keyword.returncode == 0 and "cached" in keyword.stderr and "; bm25" in keyword.stderr
    dense = search(trained, "--model", "base", "-k", "3", QUESTION, cache=tmp_path)
    assert "; dense" in dense.stderr  # the base model has no fusion of its own
