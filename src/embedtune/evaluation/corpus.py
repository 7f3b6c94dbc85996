"""A retrieval corpus encoded once at full dimension and indexed for BM25, against which every
question set of a run (validation, generated test, the user's questions) is measured: dense at
every Matryoshka dimension, BM25, and their fusion."""

import numpy as np

from embedtune.common.models import ModelParams
from embedtune.dataset.formats import format_of
from embedtune.evaluation.bm25 import Bm25Index
from embedtune.evaluation.hybrid import METRIC, choose_fusion, fallback, fuse
from embedtune.evaluation.params import HybridParams
from embedtune.evaluation.retrieval import cosine_scores, query_ndcg, ranked, ranking_metrics
from embedtune.evaluation.tasks import encode, tasks_for


class EncodedCorpus:
    def __init__(self, encoder, texts: list[str], ids: list[str], document_prompt: str = "", batch_size: int = 32):
        self.encoder, self.ids, self.batch_size = encoder, ids, batch_size
        self.embeddings = encode(encoder, texts, document_prompt, batch_size, progress=True)
        self.bm25 = Bm25Index.build(texts)

    def _scores(self, queries: list[str], query_prompt: str) -> tuple[np.ndarray, np.ndarray]:
        return encode(self.encoder, queries, query_prompt, self.batch_size, progress=False), self.bm25.scores(queries)

    def choose_fusion(self, queries: list[str], relevant: list[set[str]], query_prompt: str,
                      params: HybridParams) -> dict:
        embedded, keyword = self._scores(queries, query_prompt)
        return choose_fusion(embedded, self.embeddings, keyword, self.ids, relevant, params)

    def measure(self, queries: list[str], relevant: list[set[str]], dims: list[int], query_prompt: str,
                fusion: dict, groups: list[str] | None = None) -> dict:
        """{queries, corpus, dims, bm25, hybrid: {fusion, dims}}; with groups (a name per query), also
        ndcg@10 per group of dense (full dimension), BM25 and hybrid (full dimension)."""
        embedded, keyword = self._scores(queries, query_prompt)
        dims_metrics, hybrid_metrics, rankings = {}, {}, {}
        for dim in dims:
            dense = cosine_scores(embedded, self.embeddings, dim)
            rankings[dim] = ranked(dense, self.ids), ranked(fuse(dense, keyword, fusion), self.ids)
            dims_metrics[str(dim)] = ranking_metrics(rankings[dim][0], self.ids, relevant)
            hybrid_metrics[str(dim)] = ranking_metrics(rankings[dim][1], self.ids, relevant)
        keyword_ranking = ranked(keyword, self.ids)
        result = {"queries": len(queries), "corpus": len(self.ids), "dims": dims_metrics,
                  "bm25": ranking_metrics(keyword_ranking, self.ids, relevant),
                  "hybrid": {"fusion": fusion, "dims": hybrid_metrics}}
        if groups:
            per_query = {"dense": query_ndcg(rankings[dims[0]][0], self.ids, relevant),
                         "bm25": query_ndcg(keyword_ranking, self.ids, relevant),
                         "hybrid": query_ndcg(rankings[dims[0]][1], self.ids, relevant)}
            names = np.array(groups)
            result["by_file"] = {name: {"queries": int((names == name).sum()),
                                        **{f"{kind}_{METRIC}": float(values[names == name].mean())
                                           for kind, values in per_query.items()}}
                                 for name in sorted(set(groups))}
        return result


def fusion_on_validation(dataset, encoder, model: ModelParams, params: HybridParams,
                         corpus: EncodedCorpus | None = None) -> dict:
    """The fusion chosen on the dataset's validation questions (against `corpus`, else the dataset's
    corpus encoded here); the fallback where there are none."""
    if "validation" not in dataset or format_of(dataset["validation"].column_names) not in ("pairs", "triplets"):
        return {**fallback(params), "chosen_on": "none: no validation questions; the fallback "
                "(evaluate.hybrid.fallback_fusion)"}
    validation = tasks_for(dataset, "validation")[0]
    corpus = corpus or EncodedCorpus(encoder, validation.corpus_texts, validation.corpus_ids, model.document_prompt)
    return corpus.choose_fusion(validation.queries, validation.relevant, model.query_prompt, params)
