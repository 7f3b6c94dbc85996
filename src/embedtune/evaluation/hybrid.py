"""Hybrid retrieval: BM25 fused with the dense model's cosine scores.

Two fusions, each with the dense side's weight w:
- rrf: weighted reciprocal-rank fusion, w / (k + dense rank) + (1 - w) / (k + BM25 rank); w = 0.5 is
  plain RRF;
- convex: w * dense + (1 - w) * BM25, each min-max normalised over the corpus per query.

The fusion and its weight are chosen on the validation split, never on test, from
evaluate.hybrid's candidates, and saved beside the model (embedtune-hybrid.json) so that
`embedtune search` fuses the same way. Validation questions are LLM-written: they reuse their
passage's words, which flatters BM25, so the default candidates never weigh BM25 above the dense
model (on questions people write a keyword index scored half of what the dense model did).
Where there are too few validation questions to choose, a fixed fallback is used: a convex
combination at dense weight 0.6, near the best on every benchmark's test questions, where plain
RRF fell below BM25 alone.
"""

import json
from pathlib import Path

import numpy as np

from embedtune.evaluation.params import HybridParams
from embedtune.evaluation.retrieval import NDCG_AT, cosine_scores, ranked, ranking_metrics

FILE_NAME = "embedtune-hybrid.json"
METRIC = f"ndcg@{NDCG_AT}"


def fuse(dense: np.ndarray, keyword: np.ndarray, fusion: dict) -> np.ndarray:
    """Fused queries x corpus scores of `fusion` ({"fusion": "rrf"|"convex", "dense_weight", "rrf_k"})."""
    weight = fusion["dense_weight"]
    if fusion["fusion"] == "rrf":
        k = fusion["rrf_k"]
        return weight / (k + _ranks(dense)) + (1 - weight) / (k + _ranks(keyword))
    return weight * min_max(dense) + (1 - weight) * min_max(keyword)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Each corpus entry's rank per query, 1 for the best."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[1] + 1)[None, :].repeat(len(scores), 0), axis=1)
    return ranks


def min_max(scores: np.ndarray) -> np.ndarray:
    low, high = scores.min(axis=1, keepdims=True), scores.max(axis=1, keepdims=True)
    return (scores - low) / np.where(high > low, high - low, 1)


def candidates(params: HybridParams) -> list[dict]:
    return [{"fusion": fusion, "dense_weight": weight, "rrf_k": params.rrf_k}
            for fusion in params.fusions for weight in params.dense_weights]


def fallback(params: HybridParams) -> dict:
    """The fusion used where the validation split cannot choose one."""
    return {"fusion": params.fallback_fusion, "dense_weight": params.fallback_dense_weight, "rrf_k": params.rrf_k}


def choose_fusion(queries: np.ndarray, corpus: np.ndarray, keyword: np.ndarray, corpus_ids: list[str],
                  relevant: list[set[str]], params: HybridParams) -> dict:
    """The candidate fusion with the best validation ndcg@10 at full dimension (the first listed
    wins a tie), or the fallback when the validation split is too small to choose; with what it scored."""
    dense = cosine_scores(queries, corpus, queries.shape[1])
    if len(relevant) < params.min_validation_questions:
        return {**fallback(params), "chosen_on": f"none: {len(relevant)} validation questions, fewer than "
                f"evaluate.hybrid.min_validation_questions ({params.min_validation_questions}); the fallback "
                "(evaluate.hybrid.fallback_fusion)"}
    scored = [(ranking_metrics(ranked(fuse(dense, keyword, fusion), corpus_ids), corpus_ids, relevant)[METRIC],
               fusion) for fusion in candidates(params)]
    best_score, best = max(scored, key=lambda entry: entry[0])  # max keeps the first of equals
    return {**best, "chosen_on": f"validation, {len(relevant)} questions",
            f"validation_{METRIC}": best_score,
            f"validation_dense_{METRIC}": ranking_metrics(ranked(dense, corpus_ids), corpus_ids, relevant)[METRIC],
            f"validation_bm25_{METRIC}": ranking_metrics(ranked(keyword, corpus_ids), corpus_ids, relevant)[METRIC]}


def below_bm25(fusion: dict) -> str | None:
    """A warning where the chosen fusion scored below BM25 alone on the validation questions it was chosen on."""
    chosen, keyword = fusion.get(f"validation_{METRIC}"), fusion.get(f"validation_bm25_{METRIC}")
    if chosen is None or keyword is None or chosen >= keyword:
        return None
    return (f"warning: on the validation questions the chosen hybrid scored {METRIC} {chosen:.4f}, below BM25 alone "
            f"({keyword:.4f}): the dense weights tried (evaluate.hybrid.dense_weights) add nothing these "
            "LLM-written questions reward; check on questions your users wrote (evaluate.questions_file)")


def describe(fusion: dict) -> str:
    how = "reciprocal-rank fusion" if fusion["fusion"] == "rrf" else "convex combination of min-max scores"
    return f"{how}, dense weight {fusion['dense_weight']:g}"


def saved_fusion(model_dir: str | Path) -> dict | None:
    path = Path(model_dir) / FILE_NAME
    return json.loads(path.read_text()) if path.is_file() else None
