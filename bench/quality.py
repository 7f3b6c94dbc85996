"""Quality benchmarks: is the fine-tuning gain real on questions written by someone else?

1. financial-qa-10k: the public financial-qa-10K set (7,000 question/context pairs from 10-Ks)
   through the dataset stage's labelled-pairs path (test 10% of the contexts, seed 42; validation
   5% for checkpoint selection; retrieval over every distinct context), then the project's
   evaluate (base), train and evaluate (tuned) stages.
2. nvidia-fy2023: NVIDIA's FY2023 10-K through every stage (extract, chunk, generate with the
   offline default generator, dataset, train). Test questions: the 100 NVIDIA FY2023 rows of
   financial-qa-10K, never used in training; a chunk is relevant when it contains the row's
   context (whitespace-normalised), or holds its start or its end where the context straddles
   two consecutive chunks.

Cosine ndcg@10 on the test questions per Matryoshka dimension (base, fine-tuned; BM25 beside,
the same at every dimension). Writes bench/results/quality.json (the scores) and
bench/results/quality-runs.json (settings, sizes, seconds per stage, machine), prints a table.

An ablation (--ablation NAME with -S overrides, --seeds for train.seed) goes to
bench/results/quality-ablations.json instead, one entry per seed, and the Markdown table printed
compares every recorded ablation with the one named "defaults" (or the one its entry names under
"against"): mean over seeds and spread (max - min), so a gain smaller than the seeds' noise shows
as such. A headline run without -S is also the
"defaults" ablation's run of its seed; `--ablation defaults --seeds 43` adds another seed.

Each benchmark runs in a workspace under the embedtune cache (EMBEDTUNE_CACHE, default
~/.cache/embedtune/bench/quality/), so a rerun pays for no LLM call or extraction twice.

Run: python bench/quality.py [financial-qa-10k] [nvidia-fy2023] [-S section.key=value ...]
     python bench/quality.py nvidia-fy2023 --ablation hard_negatives -S dataset.hard_negatives.count=1 --seeds 42 43
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml
from measure import run_command

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
QA = SHARED / "financial-qa-10K" / "Financial-QA-10k.csv"
NVIDIA_10K = SHARED / "10k" / "nvda-20230129.pdf"
RESULTS = REPO / "bench" / "results" / "quality.json"
RUNS = REPO / "bench" / "results" / "quality-runs.json"
ABLATIONS = REPO / "bench" / "results" / "quality-ablations.json"

# What each benchmark changes in the repository's params.yaml, besides -S on the command line.
# fin-QA is 20x the default corpus's pairs: one epoch at batch 32 fits 2 cores (about 25 min).
SETTINGS = {
    "financial-qa-10k": {
        "dataset": {"labelled_file": "pairs.csv", "test_size": 0.1, "validation_size": 0.05},
        "train": {"epochs": 1, "batch_size": 32},
    },
    "nvidia-fy2023": {
        "dataset": {"test_size": 0.05, "validation_size": 0.1},
    },
}
# Published fine-tuned bge-base-en-v1.5 on financial-qa-10K (768 dims; its 64-dim score), for the table.
REFERENCE = {"financial-qa-10k": {"384": 0.8254, "64": 0.7892}}


def workspace(name: str, overrides: dict[str, dict]) -> Path:
    root = Path(os.environ.get("EMBEDTUNE_CACHE", Path.home() / ".cache" / "embedtune")) / "bench" / "quality" / name
    root.mkdir(parents=True, exist_ok=True)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    merge(params, SETTINGS[name])
    merge(params, overrides)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    (root / "prompts").mkdir(exist_ok=True)
    shutil.copy(REPO / "prompts" / "question.txt", root / "prompts" / "question.txt")
    return root


def merge(into: dict, values: dict) -> None:
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def stage(root: Path, timings: dict, name: str, *args: str) -> None:
    label = " ".join([name, *args])
    print(f"  {label} ...", flush=True)
    measured = run_command([sys.executable, "-m", f"embedtune.stages.{name}", *args], root)
    timings[label] = measured["wall_s"]


def financial_qa(overrides: dict) -> tuple[dict, dict]:
    root = workspace("financial-qa-10k", overrides)
    pd.read_csv(QA)[["question", "context"]].dropna().to_csv(root / "pairs.csv", index=False)
    timings: dict[str, float] = {}
    for name, *args in (["dataset"], ["evaluate"], ["train"], ["evaluate", "--tuned", "models/embedtune"]):
        stage(root, timings, name, *args)
    base = json.loads((root / "metrics" / "baseline.json").read_text())
    tuned = json.loads((root / "metrics" / "tuned.json").read_text())
    scores = {dim: {"base": base["dims"][dim]["ndcg@10"], "tuned": tuned["dims"][dim]["ndcg@10"],
                    "bm25": base["bm25"]["ndcg@10"]} for dim in sorted(base["dims"], key=int, reverse=True)}
    return scores, {"timings_s": timings, "test_questions": base["queries"], "corpus": base["corpus"],
                    "train": json.loads((root / "metrics" / "train.json").read_text()),
                    "dataset": json.loads((root / "metrics" / "dataset.json").read_text())}


def normal(text: str) -> str:
    return " ".join(text.split())


def relevant_chunks(context: str, chunks: list[dict]) -> set[str]:
    """The chunks that contain the context; where none does, the consecutive chunks of one
    document that it straddles (the first ends with its start, the next holds its end)."""
    context = normal(context)
    texts = [normal(chunk["text"]) for chunk in chunks]
    inside = {chunk["chunk_id"] for chunk, text in zip(chunks, texts, strict=True) if context in text}
    if inside:
        return inside
    straddled = set()
    head = context[:40]
    for i, text in enumerate(texts[:-1]):
        start = text.find(head)
        if start < 0 or not context.startswith(text[start:]) or chunks[i + 1]["doc_id"] != chunks[i]["doc_id"]:
            continue
        rest = context[len(text) - start:].strip()
        if rest and rest in texts[i + 1]:
            straddled |= {chunks[i]["chunk_id"], chunks[i + 1]["chunk_id"]}
    return straddled


def nvidia(overrides: dict) -> tuple[dict, dict]:
    from embedtune.evaluation.encoder import load_encoder
    from embedtune.evaluation.tasks import RetrievalTask
    from embedtune.jsonl import read_jsonl

    root = workspace("nvidia-fy2023", overrides)
    corpus = root / "data" / "pdfs"
    corpus.mkdir(parents=True, exist_ok=True)
    shutil.copy(NVIDIA_10K, corpus / NVIDIA_10K.name)
    timings: dict[str, float] = {}
    for name in ("extract", "chunk", "generate", "dataset", "train"):
        stage(root, timings, name)

    chunks = list(read_jsonl(root / "data" / "chunks.jsonl"))
    qa = pd.read_csv(QA)
    rows = qa[(qa["ticker"] == "NVDA") & (qa["filing"] == "2023_10K")]
    mapped = [(row.question, relevant_chunks(row.context, chunks)) for row in rows.itertuples()]
    mapped = [(question, relevant) for question, relevant in mapped if relevant]
    task = RetrievalTask([question for question, _ in mapped], [chunk["text"] for chunk in chunks],
                         [chunk["chunk_id"] for chunk in chunks], [relevant for _, relevant in mapped])
    params = yaml.safe_load((root / "params.yaml").read_text())
    dims = params["evaluate"]["dims"]
    started = time.perf_counter()
    base = task.measure(load_encoder(params["model"]["base_model"]), dims)
    tuned = task.measure(load_encoder(str(root / "models" / "embedtune")), dims)
    bm25 = task.bm25()["ndcg@10"]
    timings["evaluate base and tuned"] = round(time.perf_counter() - started, 2)
    scores = {str(dim): {"base": base[dim]["ndcg@10"], "tuned": tuned[dim]["ndcg@10"], "bm25": bm25} for dim in dims}
    return scores, {"timings_s": timings, "test_questions": len(mapped), "questions_in_set": len(rows),
                    "corpus": len(chunks),
                    "generate": json.loads((root / "metrics" / "generate.json").read_text()),
                    "train": json.loads((root / "metrics" / "train.json").read_text()),
                    "dataset": json.loads((root / "metrics" / "dataset.json").read_text())}


BENCHMARKS = {"financial-qa-10k": financial_qa, "nvidia-fy2023": nvidia}


def parse_overrides(pairs: list[str]) -> dict:
    """-S generate.filters.round_trip_top_k=3 -> {"generate": {"filters": {"round_trip_top_k": 3}}}."""
    overrides: dict = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        *path, last = key.split(".")
        node = overrides
        for part in path:
            node = node.setdefault(part, {})
        node[last] = yaml.safe_load(value)
    return overrides


def print_scores(name: str, scores: dict, run: dict, seconds: float) -> None:
    print(f"{name} ({run['test_questions']} test questions, {run['corpus']} passages, {seconds / 60:.0f} min):")
    print(f"  {'dim':>4} {'base':>7} {'tuned':>7} {'gain':>7} {'BM25':>7} {'reference':>9}")
    for dim, row in scores.items():
        reference = REFERENCE.get(name, {}).get(dim)
        print(f"  {dim:>4} {row['base']:>7.4f} {row['tuned']:>7.4f} {row['tuned'] - row['base']:>+7.4f} "
              f"{row['bm25']:>7.4f} {reference if reference else '':>9}")


def print_ablations(name: str, ablations: dict) -> None:
    """Fine-tuned ndcg@10 per ablation at the largest and smallest dimension, as a Markdown table
    for BENCHMARKS.md: mean over seeds, spread (max - min), and the mean's change from the ablation
    it is measured against ("defaults" unless its entry names another under "against", as for one
    measured before the defaults changed), marked "within noise" unless it exceeds both spreads."""
    def summary(entry: dict, dim: str) -> tuple[float, float]:
        values = [scores[dim]["tuned"] for scores in entry["seeds"].values()]
        return sum(values) / len(values), max(values) - min(values)

    first = next(iter(ablations.values()))
    dims = sorted(next(iter(first["seeds"].values())), key=int)
    largest, smallest = dims[-1], dims[0]
    print(f"{name} ablations (fine-tuned ndcg@10, mean over seeds, spread = max - min, change of the mean):")
    print(f"| ablation | params | seeds | @{largest} | @{smallest} | against | change @{largest} "
          f"| change @{smallest} |")
    print("|---|---|---|---:|---:|---|---:|---:|")
    for label, entry in ablations.items():
        against = entry.get("against", "defaults")
        baseline = ablations.get(against)
        if baseline is None or baseline is entry:
            baseline, against = None, ""
        means, changes = [], []
        for dim in (largest, smallest):
            mean, spread = summary(entry, dim)
            means.append(f"{mean:.4f} (spread {spread:.4f})")
            if baseline:
                base_mean, base_spread = summary(baseline, dim)
                change = mean - base_mean
                noise = "" if abs(change) > max(spread, base_spread) else " (within noise)"
                changes.append(f"{change:+.4f}{noise}")
            else:
                changes.append("")
        params = " ".join(f"`{override}`" for override in entry["overrides"]) or "—"
        print(f"| {label} | {params} | {', '.join(entry['seeds'])} | {' | '.join(means)} | {against} | "
              f"{' | '.join(changes)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmarks", nargs="*", choices=list(BENCHMARKS), help="both when none is named")
    parser.add_argument("-S", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="a params.yaml override for both benchmarks, as dvc exp run -S")
    parser.add_argument("--ablation", metavar="NAME",
                        help=f"record the runs under this name in {ABLATIONS.name}, not as the headline results")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42], help="train.seed of each run (default 42)")
    args = parser.parse_args()
    if len(args.seeds) > 1 and not args.ablation:
        parser.error("several --seeds are for an --ablation; the headline results are one run")
    if not QA.exists() or not NVIDIA_10K.exists():
        print(f"bench/quality.py: skipped, {SHARED} is absent (financial-qa-10K and NVIDIA's FY2023 10-K are needed)")
        return
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = json.loads(RUNS.read_text()) if RUNS.exists() else {}
    ablations = json.loads(ABLATIONS.read_text()) if ABLATIONS.exists() else {}
    # A headline run with no overrides is also the "defaults" ablation's run for its seed.
    ablation = args.ablation or (None if args.overrides else "defaults")
    if ablation == "defaults" and args.overrides:
        parser.error('the "defaults" ablation takes no -S overrides')
    for name in args.benchmarks or BENCHMARKS:
        for seed in args.seeds:
            print(f"{name}, seed {seed}:", flush=True)
            overrides = parse_overrides([*args.overrides, f"train.seed={seed}"])
            started = time.perf_counter()
            scores, run = BENCHMARKS[name](overrides)
            seconds = round(time.perf_counter() - started, 1)
            print_scores(name, scores, run, seconds)
            if ablation:
                record_ablation(ablations.setdefault(name, {}), ablation, args.overrides, seed, scores, seconds)
                ABLATIONS.write_text(json.dumps(ablations, indent=2) + "\n")
            if args.ablation:
                continue
            results[name] = scores
            runs[name] = {**run, "seconds": seconds, "overrides": args.overrides, "settings": SETTINGS[name],
                          "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                                                   capture_output=True).stdout.strip(),
                          "machine": {"cpus": os.cpu_count(),
                                      "processor": platform.processor() or platform.machine()}}
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
            RUNS.write_text(json.dumps(runs, indent=2) + "\n")
        if ablation:
            print_ablations(name, ablations[name])
    print(f"written to {(ABLATIONS if args.ablation else RESULTS).relative_to(REPO)}")


def record_ablation(ablations: dict, label: str, overrides: list[str], seed: int, scores: dict,
                    seconds: float) -> None:
    entry = ablations.setdefault(label, {"overrides": overrides, "seeds": {}, "seconds": {}})
    if entry["overrides"] != overrides:
        raise SystemExit(f"ablation {label} was recorded with {entry['overrides']}, not {overrides}; "
                         "name this one differently")
    entry["seeds"][str(seed)] = scores
    entry["seconds"][str(seed)] = seconds


if __name__ == "__main__":
    main()
