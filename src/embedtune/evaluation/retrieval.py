"""Retrieval metrics at every Matryoshka dimension from one encoding.

The corpus and queries are encoded once at full dimension; each smaller dimension takes the
first d components, renormalised. This gives the numbers of sentence-transformers'
InformationRetrievalEvaluator(truncate_dim=d) (cosine similarity, ties broken by corpus id)
without encoding everything again per dimension.
"""

import numpy as np

NDCG_AT, MRR_AT, RECALL_AT, MAP_AT = 10, 10, (1, 5, 10), 100


def retrieval_metrics(queries: np.ndarray, corpus: np.ndarray, corpus_ids: list[str],
                      relevant: list[set[str]], dims: list[int]) -> dict[int, dict[str, float]]:
    """Per dimension: ndcg@10, mrr@10, recall@1/5/10 and map@100 of `queries` against `corpus`.
    relevant[i] holds the corpus ids that answer query i."""
    order = np.argsort(np.array(corpus_ids), kind="stable")  # ties go to the smaller corpus id
    ids = [corpus_ids[i] for i in order]
    corpus = corpus[order]
    depth = min(MAP_AT, len(ids))
    results = {}
    for dim in dims:
        scores = normalised(queries[:, :dim]) @ normalised(corpus[:, :dim]).T
        # A stable sort of the negated scores keeps equal scores in corpus-id order.
        ranked = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
        results[dim] = ranking_metrics(ranked, ids, relevant)
    return results


def normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = matrix.astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-12)


def ranking_metrics(ranked: np.ndarray, ids: list[str], relevant: list[set[str]]) -> dict[str, float]:
    """Metrics of ranked lists: ranked[q] holds positions in `ids` of query q's results, best first."""
    hits = np.array([[ids[j] in relevant[q] for j in row] for q, row in enumerate(ranked)], dtype=float)
    relevant_counts = np.array([len(r) for r in relevant], dtype=float)
    discounts = 1 / np.log2(np.arange(hits.shape[1]) + 2)
    dcg = (hits[:, :NDCG_AT] * discounts[:NDCG_AT]).sum(axis=1)
    ideal = np.array([discounts[: int(min(n, NDCG_AT))].sum() for n in relevant_counts])
    first_hit = np.where(hits[:, :MRR_AT].any(axis=1), hits[:, :MRR_AT].argmax(axis=1), -1)
    reciprocal_rank = np.where(first_hit >= 0, 1 / np.maximum(first_hit + 1, 1), 0.0)
    precision_at_hit = np.cumsum(hits, axis=1) / np.arange(1, hits.shape[1] + 1) * hits
    average_precision = precision_at_hit.sum(axis=1) / np.minimum(MAP_AT, relevant_counts)
    metrics = {f"ndcg@{NDCG_AT}": (dcg / ideal).mean(), f"mrr@{MRR_AT}": reciprocal_rank.mean()}
    for k in RECALL_AT:
        metrics[f"recall@{k}"] = (hits[:, :k].sum(axis=1) / relevant_counts).mean()
    metrics[f"map@{MAP_AT}"] = average_precision.mean()
    return {name: float(value) for name, value in metrics.items()}
