"""Where each retriever finds the answer, on questions written by others: the diagnosis a training
signal must aim at.

For a workspace that bench/quality.py ran (nvidia-fy2023, tenk-4: chunks, the base and tuned
models, the financial-qa-10K rows mapped onto the chunks), every test question's hit@10 for BM25,
the base model and the tuned model (dense at 384 and 64 dims), and each model's hybrid with BM25
(the fusion the run chose), split by:
- which of BM25, base and tuned find it (the share BM25 misses and tuned finds, and the reverse);
- company (the filing its answer is in), and how often each retriever's first result is from
  another company's filing;
- whether its answer is in a table chunk or in prose;
- how many of its content words its answer's chunk holds (embedtune.generation.overlap), beside the
  same overlap for the generated training questions.
Also every fusion's ndcg@10 at dense weights 0.3-0.9, for each model and dimension. Prints Markdown
tables and writes bench/results/diagnosis.json (one entry per workspace). Targets (--check): each
model's shipped hybrid at or above BM25 alone and the model alone, at every dimension measured.
financial-qa-10k (its labelled test split, no companies or tables) works as well.

Run: python bench/diagnose.py tenk-4 nvidia-fy2023 financial-qa-10k [--check]
"""

import argparse
import json
import os
from contextlib import chdir
from pathlib import Path

import numpy as np
import yaml
from datasets import load_from_disk
from measure import Target, add_check, machine, report_targets
from quality import workspace_of

from embedtune.common.jsonl import read_jsonl
from embedtune.common.models import load_encoder
from embedtune.evaluation.bm25 import Bm25Index
from embedtune.evaluation.hybrid import fuse, saved_fusion
from embedtune.evaluation.questions_file import map_questions
from embedtune.evaluation.retrieval import NDCG_AT, cosine_scores, query_ndcg, ranked
from embedtune.evaluation.tasks import encode, tasks_for
from embedtune.generation.overlap import overlap_shares, overlap_summary

RESULTS = Path(__file__).resolve().parent / "results" / "diagnosis.json"
TUNED = "models/embedtune"
DIMS = (384, 64)
# Every fusion at every dense weight from BM25-leaning to dense-leaning (the defaults try 0.5-0.9).
SWEPT = [{"fusion": fusion, "dense_weight": weight / 10, "rrf_k": 60} for fusion in ("rrf", "convex")
         for weight in range(3, 10)]
# Bins of the share of a question's content words found in its answer's chunk.
OVERLAP_BINS = ((0.0, 0.5, "< 0.5"), (0.5, 0.75, "0.5-0.75"), (0.75, 1.0, "0.75-1"), (1.0, 1.01, "all"))


def test_questions(workspace: Path, params: dict, chunks: list[dict],
                   dataset) -> tuple[list[str], list[set[str]], list[str]]:
    """The run's headline test questions, their relevant chunk ids and each one's filing: the questions
    file mapped onto the chunks, or (financial-qa-10k) the labelled test split."""
    evaluate = params["evaluate"]
    if evaluate["questions_file"]:
        with chdir(workspace):
            mapped = map_questions(Path(evaluate["questions_file"]), Path(evaluate["questions_dir"]),
                                   evaluate["columns"], chunks)
        return mapped.questions, mapped.relevant, mapped.files
    task = tasks_for(dataset, "test")[0]
    return task.queries, task.relevant, ["-"] * len(task.queries)


def corpus_of(workspace: Path, params: dict, dataset) -> list[dict]:
    """The chunks (id, text, kind, file) the run retrieved from: the chunks, or the labelled corpus."""
    chunks = workspace / params["paths"]["chunks"]
    if chunks.exists() and params["dataset"]["labelled_file"] is None:
        return list(read_jsonl(chunks))
    corpus = dataset["corpus"]
    return [{"chunk_id": i, "text": t, "kind": "prose", "file_name": "-"}
            for i, t in zip(corpus["chunk_id"], corpus["text"], strict=True)]


def per_question(workspace: Path) -> dict:
    """Each test question's group labels and, per retriever, its hit@10, ndcg@10 and first result's
    file; and every candidate fusion's ndcg@10 per model and dimension."""
    params = yaml.safe_load((workspace / "params.yaml").read_text())
    dataset = load_from_disk(str(workspace / params["paths"]["dataset"]))
    chunks = corpus_of(workspace, params, dataset)
    questions, relevant, files = test_questions(workspace, params, chunks, dataset)
    fusions = {"base": json.loads((workspace / params["evaluate"]["baseline_report"]).read_text())["hybrid"]["fusion"]}
    models = {"base": load_encoder(params["model"]["base_model"])}
    if (workspace / TUNED).is_dir():
        fusions["tuned"] = saved_fusion(workspace / TUNED)
        models["tuned"] = load_encoder(str(workspace / TUNED))
    ids, texts = [c["chunk_id"] for c in chunks], [c["text"] for c in chunks]
    by_id = {c["chunk_id"]: c for c in chunks}
    keyword = Bm25Index.build(texts).scores(questions)
    rankings = {"bm25": ranked(keyword, ids)}
    sweep: dict[str, dict[str, float]] = {}
    for name, encoder in models.items():
        corpus = encode(encoder, texts, params["model"]["document_prompt"], 32, progress=True)
        queries = encode(encoder, questions, params["model"]["query_prompt"], 32, progress=False)
        for dim in DIMS:
            dense = cosine_scores(queries, corpus, dim)
            rankings[f"{name}@{dim}"] = ranked(dense, ids)
            rankings[f"hybrid_{name}@{dim}"] = ranked(fuse(dense, keyword, fusions[name]), ids)
            for fusion in SWEPT:
                scores = query_ndcg(ranked(fuse(dense, keyword, fusion), ids), ids, relevant)
                sweep.setdefault(describe_briefly(fusion), {})[f"{name}@{dim}"] = round(float(scores.mean()), 4)
    results = {}
    for name, ranking in rankings.items():
        top = ranking[:, :NDCG_AT]
        found_ids = [{ids[j] for j in row} for row in top]
        results[name] = {"hit": [bool(found & answer) for found, answer in zip(found_ids, relevant, strict=True)],
                         "ndcg": query_ndcg(ranking, ids, relevant).tolist(),
                         "first_file": [by_id[ids[row[0]]]["file_name"] for row in top]}
    answers = [" ".join(by_id[i]["text"] for i in sorted(answer)) for answer in relevant]
    return {"questions": questions, "file": files,
            "kind": ["table" if any(by_id[i]["kind"] == "table" for i in answer) else "prose" for answer in relevant],
            "overlap": overlap_shares(questions, answers),
            "train_overlap": overlap_shares(dataset["train"]["anchor"], dataset["train"]["positive"]),
            "fusions": fusions, "sweep": sweep, "retrievers": results}


def describe_briefly(fusion: dict) -> str:
    return f"{fusion['fusion']} {fusion['dense_weight']:g}"


def overlap_bin(share: float) -> str:
    return next(label for low, high, label in OVERLAP_BINS if low <= share < high)


def diagnosis(found: dict) -> dict:
    retrievers = found["retrievers"]
    dense = "tuned" if "tuned@384" in retrievers else "base"
    patterns = {}
    for dim in DIMS:
        names = ["bm25", *(f"{model}@{dim}" for model in ("base", "tuned") if f"{model}@{dim}" in retrievers)]
        rows: dict[str, int] = {}
        for hits in zip(*(retrievers[name]["hit"] for name in names), strict=True):
            key = "/".join("found" if hit else "missed" for hit in hits)
            rows[key] = rows.get(key, 0) + 1
        bm25, model = np.array(retrievers["bm25"]["hit"]), np.array(retrievers[f"{dense}@{dim}"]["hit"])
        patterns[str(dim)] = {"/".join(names): dict(sorted(rows.items(), key=lambda item: -item[1])),
                              f"bm25 misses, {dense} finds": round(float((~bm25 & model).mean()), 3),
                              f"{dense} misses, bm25 finds": round(float((bm25 & ~model).mean()), 3)}
    groups = {"company": found["file"], "answer in": found["kind"],
              "question words in its chunk": [overlap_bin(share) for share in found["overlap"]]}
    splits = {}
    for title, labels in groups.items():
        labels = np.array(labels)
        splits[title] = {label: {"questions": int((labels == label).sum()),
                                 **{name: round(float(np.array(values["ndcg"])[labels == label].mean()), 3)
                                    for name, values in retrievers.items()}}
                         for label in sorted(set(labels))}
    own = np.array(found["file"])
    return {"questions": len(found["questions"]), "fusions": found["fusions"], "hit@10 patterns": patterns,
            "ndcg@10 by": splits,
            "first result from another filing": {name: round(float((np.array(values["first_file"]) != own).mean()), 3)
                                                 for name, values in retrievers.items()},
            "overlap": {"test questions": overlap_summary(found["overlap"]),
                        "generated training questions": overlap_summary(found["train_overlap"])},
            "ndcg@10": {name: round(float(np.mean(values["ndcg"])), 4) for name, values in retrievers.items()},
            "ndcg@10 by fusion": found["sweep"]}


def print_diagnosis(name: str, result: dict) -> None:
    columns = list(result["ndcg@10"])
    print(f"\n### {name}: {result['questions']} questions, ndcg@10\n")
    print("| questions | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    print("| all | " + " | ".join(f"{v:.3f}" for v in result["ndcg@10"].values()) + " |")
    for title, split in result["ndcg@10 by"].items():
        if len(split) < 2:
            continue
        for label, row in split.items():
            scores = " | ".join(f"{row[key]:.3f}" for key in columns)
            print(f"| {title}: {label} ({row['questions']}) | {scores} |")
    if len(result["ndcg@10 by"]["company"]) > 1:
        print("| first result from another filing | "
              + " | ".join(f"{v:.3f}" for v in result["first result from another filing"].values()) + " |")
    for dim, pattern in result["hit@10 patterns"].items():
        names, *shares = pattern
        counts = ", ".join(f"{key} {value}" for key, value in pattern[names].items())
        print(f"\nhit@10 at {dim} dims ({names}): {counts}; "
              + ", ".join(f"{share} {pattern[share]:.1%}" for share in shares))
    for who, summary in result["overlap"].items():
        print(f"overlap of {who}: " + ", ".join(f"{key} {value}" for key, value in summary.items()))
    sweep = result["ndcg@10 by fusion"]
    chosen: dict[str, list[str]] = {}
    for model, fusion in result["fusions"].items():
        chosen.setdefault(describe_briefly(fusion), []).append(model)
    columns = list(next(iter(sweep.values())))
    print("\n| fusion | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for fusion, row in sweep.items():
        mark = f" (chosen: {', '.join(chosen[fusion])})" if fusion in chosen else ""
        print(f"| {fusion}{mark} | " + " | ".join(f"{value:.4f}" for value in row.values()) + " |")


def targets(name: str, result: dict) -> list[Target]:
    """The shipped hybrid of each model at or above BM25 alone and the model alone."""
    scores = result["ndcg@10"]
    return [Target(f"{name} hybrid_{model}@{dim} >= {other}", scores[f"hybrid_{model}@{dim}"], scores[other])
            for model in result["fusions"] for dim in DIMS for other in ("bm25", f"{model}@{dim}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspaces", nargs="+", help="bench/quality.py benchmarks that ran: nvidia-fy2023, tenk-4, "
                                                      "financial-qa-10k")
    add_check(parser)
    args = parser.parse_args()
    names = args.workspaces
    checked = []
    os.environ.update({"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"})
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in names:
        workspace = workspace_of(name)
        run = yaml.safe_load((workspace / "params.yaml").read_text())
        result = diagnosis(per_question(workspace))
        saved[name] = {**result, "train_seed": run["train"]["seed"], "machine": machine()}
        print_diagnosis(name, result)
        checked += targets(name, result)
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    report_targets(checked, args.check)


if __name__ == "__main__":
    main()
