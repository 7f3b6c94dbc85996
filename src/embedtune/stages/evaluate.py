"""Stages `evaluate_base` and `evaluate_tuned`: the model's quality on the test split, at every
Matryoshka dimension in evaluate.dims, from one encoding at full dimension.

For pairs (the generated questions), the split's questions retrieve from every chunk: cosine
ndcg@10, mrr@10, recall@1/5/10 and map@100, with a BM25 index beside them. Other formats are
measured as embedtune.evaluation.tasks describes; each report names its headline metric.

    python -m embedtune.stages.evaluate                    # the base model -> evaluate.baseline_report
    python -m embedtune.stages.evaluate --tuned MODEL_DIR  # the fine-tuned one -> evaluate.tuned_report,
                                                           # and the comparison -> evaluate.report
"""

import argparse
import time
from pathlib import Path

from datasets import load_from_disk

from embedtune.dataset.formats import format_of
from embedtune.errors import StageError
from embedtune.evaluation.encoder import load_encoder
from embedtune.evaluation.params import EvaluateParams, ModelParams
from embedtune.evaluation.tasks import RetrievalTask, tasks_for
from embedtune.jsonl import read_json, write_json
from embedtune.params import ParamsError, load_params
from embedtune.runtime import runtime
from embedtune.stages import run
from embedtune.summary import print_comparison


def evaluate(model_name: str, model: ModelParams, params: EvaluateParams) -> dict:
    if not (params.dataset_dir / "dataset_dict.json").exists():
        raise StageError(f"evaluate: no dataset at {params.dataset_dir}; run `dvc repro dataset` first")
    dataset = load_from_disk(str(params.dataset_dir))
    if params.split not in dataset:
        raise StageError(f"evaluate: the dataset has no {params.split} split (it has {', '.join(dataset)})")
    encoder = load_encoder(model_name)
    full = encoder.get_embedding_dimension()
    too_large = [dim for dim in params.dims if dim > full]
    if too_large:
        raise ParamsError(f"evaluate.dims: {too_large} exceed the {full} dimensions of {model_name}")
    started = time.perf_counter()
    headline, *others = tasks_for(dataset, params.split, model.query_prompt, model.document_prompt)
    by_dim = headline.measure(encoder, params.dims, params.batch_size)
    result = {
        "model": model_name,
        "split": params.split,
        "format": format_of(dataset[params.split].column_names),
        "headline": headline.headline,
        headline.headline: by_dim[params.dims[0]][headline.headline],
        "queries": len(headline),
        "dims": {str(dim): metrics for dim, metrics in by_dim.items()},
    }
    if isinstance(headline, RetrievalTask):
        result["corpus"] = len(headline.corpus_ids)
        result["bm25"] = headline.bm25()
    for task in others:
        result[task.name] = {str(dim): metrics for dim, metrics in task.measure(encoder, params.dims,
                                                                                params.batch_size).items()}
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def comparison(base: dict, tuned: dict) -> dict:
    """The headline for `dvc metrics diff`: the fine-tuned model's headline metric (ndcg@10 for
    retrieval) at full dimension, what the base model scored, the gain."""
    metric = tuned["headline"]
    dims = {dim: {"base": base["dims"][dim][metric], "fine_tuned": tuned["dims"][dim][metric],
                  "gain": tuned["dims"][dim][metric] - base["dims"][dim][metric]}
            for dim in tuned["dims"] if dim in base["dims"]}
    summary = {
        "headline": metric,
        metric: tuned[metric],
        f"base_{metric}": base[metric],
        "gain": tuned[metric] - base[metric],
        "dims": dims,
        "split": tuned["split"],
        "queries": tuned["queries"],
    }
    if "bm25" in tuned:
        summary[f"bm25_{metric}"] = tuned["bm25"][metric]
    return summary


def print_table(result: dict) -> None:
    first = next(iter(result["dims"].values()))
    metrics = [name for name in ("ndcg@10", "mrr@10", "recall@10") if name in first] or list(first)
    print(f"{'dim':>5} " + " ".join(f"{name:>10}" for name in metrics))
    for dim, values in result["dims"].items():
        print(f"{dim:>5} " + " ".join(f"{values[name]:>10.4f}" for name in metrics))
    if "bm25" in result:
        print(f"{'bm25':>5} " + " ".join(f"{result['bm25'][name]:>10.4f}" for name in metrics))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuned", type=Path, help="the fine-tuned model's folder (train.output_dir)")
    tuned_dir = parser.parse_args().tuned
    params = load_params("evaluate", EvaluateParams)
    model = load_params("model", ModelParams)
    if tuned_dir is None:
        result = evaluate(model.base_model, model, params)
        write_json(params.baseline_report, {**result, "runtime": runtime()})
        print(f"evaluate: {model.base_model} on {result['queries']} {params.split} rows ({result['format']})")
        print_table(result)
        return
    if not params.baseline_report.exists():
        raise StageError(f"evaluate: {params.baseline_report} is missing; run `dvc repro evaluate_base` first")
    result = evaluate(str(tuned_dir), model, params)
    write_json(params.tuned_report, {**result, "runtime": runtime()})
    summary = comparison(read_json(params.baseline_report), result)
    write_json(params.report, summary)
    bm25 = summary.get(f"bm25_{summary['headline']}")
    write_json(params.plot, [{"dim": int(dim), **row, **({"bm25": bm25} if bm25 is not None else {})}
                             for dim, row in summary["dims"].items()])
    print_comparison(summary)


if __name__ == "__main__":
    run(main)
