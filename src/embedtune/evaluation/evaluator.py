"""Encoding a split's questions and the corpus once, scored at every Matryoshka dimension.

`score` serves the evaluate stage; `RetrievalEvaluator` wraps it in sentence-transformers'
evaluator protocol, so the trainer selects checkpoints on the very numbers the stage reports.
"""

from datasets import Dataset
from sentence_transformers.sentence_transformer.evaluation import SentenceEvaluator

from embedtune.evaluation.retrieval import retrieval_metrics


def score(encoder, split: Dataset, corpus: Dataset, dims: list[int], query_prompt: str = "",
          document_prompt: str = "", batch_size: int = 32, progress: bool = True) -> dict[int, dict[str, float]]:
    """Retrieval metrics per dimension of `encoder` for the split's questions over the whole corpus."""
    options = {"batch_size": batch_size, "convert_to_numpy": True, "show_progress_bar": progress}
    queries = encoder.encode(split["anchor"], prompt=query_prompt or None, **options)
    documents = encoder.encode(corpus["text"], prompt=document_prompt or None, **options)
    relevant = [{chunk_id} for chunk_id in split["chunk_id"]]
    return retrieval_metrics(queries, documents, corpus["chunk_id"], relevant, dims)


class RetrievalEvaluator(SentenceEvaluator):
    """ndcg@10 and mrr@10 at every dimension; the primary metric is ndcg@10 at the smallest one,
    the dimension where training helps most and a poor checkpoint shows first."""

    def __init__(self, split: Dataset, corpus: Dataset, dims: list[int], query_prompt: str = "",
                 document_prompt: str = "", batch_size: int = 32, name: str = "validation"):
        super().__init__()
        self.split, self.corpus, self.dims = split, corpus, sorted(dims, reverse=True)
        self.query_prompt, self.document_prompt, self.batch_size = query_prompt, document_prompt, batch_size
        self.name = name
        self.primary_metric = f"{name}_ndcg@10_{self.dims[-1]}d"

    def __call__(self, model, output_path=None, epoch: int = -1, steps: int = -1) -> dict[str, float]:
        by_dim = score(model, self.split, self.corpus, self.dims, self.query_prompt, self.document_prompt,
                       self.batch_size, progress=False)
        metrics = {f"{metric}_{dim}d": values[metric]
                   for dim, values in by_dim.items() for metric in ("ndcg@10", "mrr@10")}
        metrics = self.prefix_name_to_metrics(metrics, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics
