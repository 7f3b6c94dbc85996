"""A BM25 keyword index on the same split: what retrieval without embeddings scores."""

import bm25s

from embedtune.evaluation.retrieval import MAP_AT, ranking_metrics


def bm25_metrics(queries: list[str], corpus: list[str], corpus_ids: list[str], relevant: list[set[str]]) -> dict:
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)
    depth = min(MAP_AT, len(corpus))
    ranked, _ = retriever.retrieve(bm25s.tokenize(queries, stopwords="en", show_progress=False), k=depth,
                                   show_progress=False)
    return ranking_metrics(ranked, corpus_ids, relevant)
