"""Retrieval metrics at every Matryoshka dimension from one encoding.

The corpus and queries are encoded once at full dimension; each smaller dimension takes the
first d components, renormalised. This gives the numbers of sentence-transformers'
InformationRetrievalEvaluator(truncate_dim=d) (cosine similarity, ties broken by corpus id)
without encoding everything again per dimension. Any other scores (BM25, a fusion) are ranked
and measured the same way.
"""

import numpy as np

NDCG_AT, MRR_AT, RECALL_AT, MAP_AT = 10, 10, (1, 5, 10), 100


def retrieval_metrics(queries: np.ndarray, corpus: np.ndarray, corpus_ids: list[str],
                      relevant: list[set[str]], dims: list[int]) -> dict[int, dict[str, float]]:
    """Per dimension: ndcg@10, mrr@10, recall@1/5/10 and map@100 of `queries` against `corpus`.
    relevant[i] holds the corpus ids that answer query i."""
    return {dim: ranking_metrics(ranked(cosine_scores(queries, corpus, dim), corpus_ids), corpus_ids, relevant)
            for dim in dims}


def cosine_scores(queries: np.ndarray, corpus: np.ndarray, dim: int) -> np.ndarray:
    """Queries x corpus cosine similarities of the first `dim` components."""
    return normalised(queries[:, :dim]) @ normalised(corpus[:, :dim]).T


def ranked(scores: np.ndarray, corpus_ids: list[str]) -> np.ndarray:
    """Each query's best corpus positions (up to map@100's depth), best first; equal scores go to
    the smaller corpus id."""
    order = np.argsort(np.array(corpus_ids), kind="stable")
    depth = min(MAP_AT, len(corpus_ids))
    # A stable sort of the negated scores keeps equal scores in corpus-id order.
    return order[np.argsort(-scores[:, order], axis=1, kind="stable")[:, :depth]]


def normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = matrix.astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-12)


def query_ndcg(ranking: np.ndarray, ids: list[str], relevant: list[set[str]]) -> np.ndarray:
    """ndcg@10 of each query: ranking[q] holds positions in `ids` of query q's results, best first."""
    hits = _hits(ranking, ids, relevant)[:, :NDCG_AT]
    discounts = 1 / np.log2(np.arange(NDCG_AT) + 2)
    ideal = np.array([discounts[: min(len(r), NDCG_AT)].sum() for r in relevant])
    return (hits * discounts[: hits.shape[1]]).sum(axis=1) / ideal


def ranking_metrics(ranking: np.ndarray, ids: list[str], relevant: list[set[str]]) -> dict[str, float]:
    """Metrics of ranked lists: ranking[q] holds positions in `ids` of query q's results, best first."""
    hits = _hits(ranking, ids, relevant)
    relevant_counts = np.array([len(r) for r in relevant], dtype=float)
    first_hit = np.where(hits[:, :MRR_AT].any(axis=1), hits[:, :MRR_AT].argmax(axis=1), -1)
    reciprocal_rank = np.where(first_hit >= 0, 1 / np.maximum(first_hit + 1, 1), 0.0)
    precision_at_hit = np.cumsum(hits, axis=1) / np.arange(1, hits.shape[1] + 1) * hits
    average_precision = precision_at_hit.sum(axis=1) / np.minimum(MAP_AT, relevant_counts)
    metrics = {f"ndcg@{NDCG_AT}": query_ndcg(ranking, ids, relevant).mean(), f"mrr@{MRR_AT}": reciprocal_rank.mean()}
    for k in RECALL_AT:
        metrics[f"recall@{k}"] = (hits[:, :k].sum(axis=1) / relevant_counts).mean()
    metrics[f"map@{MAP_AT}"] = average_precision.mean()
    return {name: float(value) for name, value in metrics.items()}


def _hits(ranking: np.ndarray, ids: list[str], relevant: list[set[str]]) -> np.ndarray:
    return np.array([[ids[j] in relevant[q] for j in row] for q, row in enumerate(ranking)], dtype=float)
