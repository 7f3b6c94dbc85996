"""Stages `evaluate_base` and `evaluate_tuned`: the model's quality on the test split, at every
Matryoshka dimension in evaluate.dims, from one encoding at full dimension.

For pairs (the generated questions), the split's questions retrieve from every chunk: cosine
ndcg@10, mrr@10, recall@1/5/10 and map@100, with BM25 and the hybrid of the two beside them (the
fusion saved with the model by the train stage; for the base model, one chosen here on the
validation split). Other formats are measured as embedtune.evaluation.tasks describes; each report
names its headline metric.

With evaluate.questions_file, the headline is on the user's own questions, mapped onto the chunks
(embedtune.evaluation.questions_file; the rows that map to nothing are listed in the report with
why), and the generated test split is reported beside it under generated_test.

    python -m embedtune.stages.evaluate                    # the base model -> evaluate.baseline_report
    python -m embedtune.stages.evaluate --tuned MODEL_DIR  # the fine-tuned one -> evaluate.tuned_report,
                                                           # and for review -> evaluate.report (full dimension),
                                                           # evaluate.report_by_dim (the others), evaluate.plot
"""

import argparse
import shutil
import time
from pathlib import Path

from datasets import load_from_disk

from embedtune.chunking.header import retrieval_text
from embedtune.common.errors import StageError
from embedtune.common.jsonl import read_json, read_jsonl, write_json
from embedtune.common.models import ModelParams, load_encoder
from embedtune.common.params import ParamsError, load_params
from embedtune.common.paths import Paths, load_paths
from embedtune.common.runtime import runtime
from embedtune.dataset.formats import format_of
from embedtune.evaluation.corpus import EncodedCorpus, fusion_on_validation
from embedtune.evaluation.hybrid import below_bm25, describe, fallback, saved_fusion
from embedtune.evaluation.params import EvaluateParams
from embedtune.evaluation.questions_file import map_questions
from embedtune.evaluation.tasks import RetrievalTask, tasks_for
from embedtune.stages import run
from embedtune.summary import comparison, print_comparison


def evaluate(model_name: str, model: ModelParams, params: EvaluateParams, paths: Paths) -> dict:
    if not (paths.dataset / "dataset_dict.json").exists():
        raise StageError(f"evaluate: no dataset at {paths.dataset}; run `dvc repro dataset` first")
    dataset = load_from_disk(str(paths.dataset))
    if params.split not in dataset:
        raise StageError(f"evaluate: the dataset has no {params.split} split (it has {', '.join(dataset)})")
    # The labelled-data path has no chunks of its own when a stage runs outside the pipeline.
    chunks = list(read_jsonl(paths.chunks)) if paths.chunks.exists() else []
    user_questions = None
    if params.questions_file:
        user_questions = map_questions(params.questions_file, params.questions_dir, params.columns.model_dump(),
                                       chunks)
    encoder = load_encoder(model_name)
    full = encoder.get_embedding_dimension()
    too_large = [dim for dim in params.dims if dim > full]
    if too_large:
        raise ParamsError(f"evaluate.dims: {too_large} exceed the {full} dimensions of {model_name}")
    started = time.perf_counter()
    headline, *others = tasks_for(dataset, params.split, model.query_prompt, model.document_prompt)
    result = {"model": model_name, "split": params.split, "format": format_of(dataset[params.split].column_names),
              "headline": headline.headline}
    if isinstance(headline, RetrievalTask):
        corpus = EncodedCorpus(encoder, headline.corpus_texts, headline.corpus_ids, model.document_prompt,
                               params.batch_size)
        # The fusion saved with the model (the train stage chose it), else one chosen here.
        fusion = saved_fusion(model_name) or fusion_on_validation(dataset, encoder, model, params.hybrid, corpus)
        generated = corpus.measure(headline.queries, headline.relevant, params.dims, model.query_prompt, fusion)
    else:
        generated = {"queries": len(headline), "dims": {str(dim): metrics for dim, metrics in
                                                        headline.measure(encoder, params.dims,
                                                                         params.batch_size).items()}}
    if user_questions:
        if not isinstance(headline, RetrievalTask) or set(headline.corpus_ids) != {c["chunk_id"] for c in chunks}:
            corpus = EncodedCorpus(encoder, [retrieval_text(c) for c in chunks], [c["chunk_id"] for c in chunks],
                                   model.document_prompt, params.batch_size)
            fusion = saved_fusion(model_name) or {**fallback(params.hybrid), "chosen_on": "none: the fallback "
                                                  "(the dataset's corpus is not the chunks)"}
        mine = corpus.measure(user_questions.questions, user_questions.relevant, params.dims, model.query_prompt,
                              fusion, groups=user_questions.files)
        result |= {"test_set": "questions_file", **mine, "generated_test": generated,
                   "questions_file": user_questions.report(params.questions_file)}
    else:
        result |= {"test_set": "generated", **generated}
    result[headline.headline] = result["dims"][str(params.dims[0])][headline.headline]
    result["counts"] = {**({"documents": len({chunk["doc_id"] for chunk in chunks}), "chunks": len(chunks)}
                           if chunks else {}),
                        "questions": sum(len(split) for split in dataset.values()), "test_questions": result["queries"]}
    for task in others:
        result[task.name] = {str(dim): metrics for dim, metrics in task.measure(encoder, params.dims,
                                                                                params.batch_size).items()}
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def review_rows(summary: dict) -> dict[str, dict]:
    """Per dimension, the scores a reviewer reads in `dvc metrics show` and `dvc metrics diff`: the
    same keys in every row (one file per row), so the table stays a few columns wide."""
    bm25 = summary.get(f"bm25_{summary['headline']}")
    extra = {"bm25": bm25} if bm25 is not None else {}
    return {dim: {key: value for key, value in row.items() if key != "gain"} | extra
            for dim, row in summary["dims"].items()}


def describe_test_set(result: dict) -> str:
    if result.get("test_set") == "questions_file":
        return f"{result['queries']} questions of {result['questions_file']['path']}"
    return f"{result['queries']} {result['split']} rows ({result['format']})"


def print_unmapped(report: dict, where: Path) -> None:
    if report["unmapped"]:
        print(f"evaluate: {report['unmapped']} of {report['rows']} questions map to no chunk and are not scored:")
        for entry in report["unmapped_rows"][:10]:
            print(f"  row {entry['row']}: {entry['reason']}")
        if report["unmapped"] > 10:
            print(f"  ... all {report['unmapped']} under questions_file.unmapped_rows in {where}")


def print_table(result: dict) -> None:
    first = next(iter(result["dims"].values()))
    metrics = [name for name in ("ndcg@10", "mrr@10", "recall@10") if name in first] or list(first)
    print(f"{'dim':>5} " + " ".join(f"{name:>10}" for name in metrics))
    for dim, values in result["dims"].items():
        print(f"{dim:>5} " + " ".join(f"{values[name]:>10.4f}" for name in metrics))
    if "bm25" in result:
        print(f"{'bm25':>5} " + " ".join(f"{result['bm25'][name]:>10.4f}" for name in metrics))
    if "hybrid" in result:
        print(f"hybrid ({describe(result['hybrid']['fusion'])}; chosen on {result['hybrid']['fusion']['chosen_on']})")
        if warning := below_bm25(result["hybrid"]["fusion"]):
            print(f"evaluate: {warning}")
        for dim, values in result["hybrid"]["dims"].items():
            print(f"{dim:>5} " + " ".join(f"{values[name]:>10.4f}" for name in metrics))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuned", type=Path, help="the fine-tuned model's folder (paths.model)")
    tuned_dir = parser.parse_args().tuned
    params = load_params("evaluate", EvaluateParams)
    model = load_params("model", ModelParams)
    paths = load_paths()
    if tuned_dir is None:
        result = evaluate(model.base_model, model, params, paths)
        write_json(params.baseline_report, {**result, "runtime": runtime()})
        print(f"evaluate: {model.base_model} on {describe_test_set(result)}")
        print_table(result)
        if "questions_file" in result:
            print_unmapped(result["questions_file"], params.baseline_report)
        return
    if not params.baseline_report.exists():
        raise StageError(f"evaluate: {params.baseline_report} is missing; run `dvc repro evaluate_base` first")
    result = evaluate(str(tuned_dir), model, params, paths)
    write_json(params.tuned_report, {**result, "runtime": runtime()})
    summary = comparison(read_json(params.baseline_report), result)
    rows = review_rows(summary)
    full, *smaller = rows
    write_json(params.report, {**rows[full], **result["counts"], "test_set": result["test_set"]})
    shutil.rmtree(params.report_by_dim, ignore_errors=True)
    for dim in smaller:
        write_json(params.report_by_dim / f"{dim}.json", rows[dim])
    write_json(params.plot, [{"dim": int(dim), **row} for dim, row in rows.items()])
    print_comparison(summary)


if __name__ == "__main__":
    run(main)
