"""Stage `evaluate_base`: retrieval quality of the base model on the test split, with BM25 beside it.

Queries are the split's questions; the corpus is every chunk. Cosine ndcg@10, mrr@10,
recall@1/5/10 and map@100 at every Matryoshka dimension in evaluate.dims, from one encoding
at full dimension (embedtune.evaluation.retrieval).
"""

import time

from datasets import load_from_disk

from embedtune.evaluation.bm25 import bm25_metrics
from embedtune.evaluation.encoder import load_encoder
from embedtune.evaluation.params import EvaluateParams, ModelParams
from embedtune.evaluation.retrieval import retrieval_metrics
from embedtune.jsonl import write_json
from embedtune.params import ParamsError, load_params
from embedtune.stages import run


def evaluate(model_name: str, model: ModelParams, params: EvaluateParams) -> dict:
    dataset = load_from_disk(str(params.dataset_dir))
    split, corpus = dataset[params.split], dataset["corpus"]
    relevant = [{chunk_id} for chunk_id in split["chunk_id"]]
    encoder = load_encoder(model_name)
    full = encoder.get_embedding_dimension()
    too_large = [dim for dim in params.dims if dim > full]
    if too_large:
        raise ParamsError(f"evaluate.dims: {too_large} exceed the {full} dimensions of {model_name}")
    started = time.perf_counter()
    options = {"batch_size": params.batch_size, "convert_to_numpy": True, "show_progress_bar": True}
    queries = encoder.encode(split["anchor"], prompt=model.query_prompt or None, **options)
    documents = encoder.encode(corpus["text"], prompt=model.document_prompt or None, **options)
    by_dim = retrieval_metrics(queries, documents, corpus["chunk_id"], relevant, params.dims)
    return {
        "model": model_name,
        "split": params.split,
        "queries": len(split),
        "corpus": len(corpus),
        "ndcg@10": by_dim[params.dims[0]]["ndcg@10"],
        "dims": {str(dim): metrics for dim, metrics in by_dim.items()},
        "bm25": bm25_metrics(split["anchor"], corpus["text"], corpus["chunk_id"], relevant),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    params = load_params("evaluate", EvaluateParams)
    model = load_params("model", ModelParams)
    result = evaluate(model.base_model, model, params)
    write_json(params.baseline_report, result)
    print(f"evaluate: {model.base_model} on {result['queries']} {params.split} questions, {result['corpus']} chunks")
    print(f"{'dim':>5} {'ndcg@10':>8} {'mrr@10':>8} {'recall@10':>9}")
    for dim, metrics in result["dims"].items():
        print(f"{dim:>5} {metrics['ndcg@10']:>8.4f} {metrics['mrr@10']:>8.4f} {metrics['recall@10']:>9.4f}")
    print(f"{'bm25':>5} {result['bm25']['ndcg@10']:>8.4f} {result['bm25']['mrr@10']:>8.4f} "
          f"{result['bm25']['recall@10']:>9.4f}")


if __name__ == "__main__":
    run(main)
