"""Stages `evaluate_base` and `evaluate_tuned`: retrieval quality on the test split, BM25 beside it.

Queries are the split's questions; the corpus is every chunk. Cosine ndcg@10, mrr@10,
recall@1/5/10 and map@100 at every Matryoshka dimension in evaluate.dims, from one encoding
at full dimension (embedtune.evaluation.retrieval).

    python -m embedtune.stages.evaluate                    # the base model -> evaluate.baseline_report
    python -m embedtune.stages.evaluate --tuned MODEL_DIR  # the fine-tuned one -> evaluate.tuned_report,
                                                           # and the comparison -> evaluate.report
"""

import argparse
import time
from pathlib import Path

from datasets import load_from_disk

from embedtune.errors import StageError
from embedtune.evaluation.bm25 import bm25_metrics
from embedtune.evaluation.encoder import load_encoder
from embedtune.evaluation.evaluator import score
from embedtune.evaluation.params import EvaluateParams, ModelParams
from embedtune.jsonl import read_json, write_json
from embedtune.params import ParamsError, load_params
from embedtune.stages import run
from embedtune.summary import print_comparison


def evaluate(model_name: str, model: ModelParams, params: EvaluateParams) -> dict:
    if not (params.dataset_dir / "dataset_dict.json").exists():
        raise StageError(f"evaluate: no dataset at {params.dataset_dir}; run `dvc repro dataset` first")
    dataset = load_from_disk(str(params.dataset_dir))
    split, corpus = dataset[params.split], dataset["corpus"]
    encoder = load_encoder(model_name)
    full = encoder.get_embedding_dimension()
    too_large = [dim for dim in params.dims if dim > full]
    if too_large:
        raise ParamsError(f"evaluate.dims: {too_large} exceed the {full} dimensions of {model_name}")
    started = time.perf_counter()
    by_dim = score(encoder, split, corpus, params.dims, model.query_prompt, model.document_prompt, params.batch_size)
    relevant = [{chunk_id} for chunk_id in split["chunk_id"]]
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


def comparison(base: dict, tuned: dict) -> dict:
    """The headline for `dvc metrics diff`: fine-tuned ndcg@10 at full dimension, what it was, the gain."""
    dims = {dim: {"base": base["dims"][dim]["ndcg@10"], "fine_tuned": tuned["dims"][dim]["ndcg@10"],
                  "gain": tuned["dims"][dim]["ndcg@10"] - base["dims"][dim]["ndcg@10"]}
            for dim in tuned["dims"] if dim in base["dims"]}
    return {
        "ndcg@10": tuned["ndcg@10"],
        "base_ndcg@10": base["ndcg@10"],
        "gain": tuned["ndcg@10"] - base["ndcg@10"],
        "bm25_ndcg@10": tuned["bm25"]["ndcg@10"],
        "dims": dims,
        "split": tuned["split"],
        "queries": tuned["queries"],
    }


def print_table(result: dict) -> None:
    print(f"{'dim':>5} {'ndcg@10':>8} {'mrr@10':>8} {'recall@10':>9}")
    for dim, metrics in result["dims"].items():
        print(f"{dim:>5} {metrics['ndcg@10']:>8.4f} {metrics['mrr@10']:>8.4f} {metrics['recall@10']:>9.4f}")
    bm25 = result["bm25"]
    print(f"{'bm25':>5} {bm25['ndcg@10']:>8.4f} {bm25['mrr@10']:>8.4f} {bm25['recall@10']:>9.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuned", type=Path, help="the fine-tuned model's folder (train.output_dir)")
    tuned_dir = parser.parse_args().tuned
    params = load_params("evaluate", EvaluateParams)
    model = load_params("model", ModelParams)
    if tuned_dir is None:
        result = evaluate(model.base_model, model, params)
        write_json(params.baseline_report, result)
        print(f"evaluate: {model.base_model} on {result['queries']} {params.split} questions, "
              f"{result['corpus']} chunks")
        print_table(result)
        return
    if not params.baseline_report.exists():
        raise StageError(f"evaluate: {params.baseline_report} is missing; run `dvc repro evaluate_base` first")
    result = evaluate(str(tuned_dir), model, params)
    write_json(params.tuned_report, result)
    summary = comparison(read_json(params.baseline_report), result)
    write_json(params.report, summary)
    write_json(params.plot, [{"dim": int(dim), **row, "bm25": summary["bm25_ndcg@10"]}
                             for dim, row in summary["dims"].items()])
    print_comparison(summary)


if __name__ == "__main__":
    run(main)
