"""Benchmark of scaling out and of using the model.

1. Training: the `train` stage with train.nproc 1 and 2 (DDP under torchrun, gloo on CPU) on the
   same data and global batch: trainer samples/s (validation included), wall time (process start
   and model loading included), peak memory of all processes.
2. Search: `embedtune search` over the fin-QA contexts (6,755 chunks) with the model of run 1:
   the first query (encodes and caches the corpus), a repeated query in a new process (cached
   index), and the query alone in one process (median of 20, after the model is loaded).

Data: the seeded sample of `financial-qa-10K` of bench/train.py, through the dataset stage's
labelled-pairs path. Prints a table and writes bench/results/scale.json.

Run: python bench/scale.py
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from measure import parse_check, report_targets, run_command, run_stage
from train import BATCH, EPOCHS, PAIRS, QA, stage_run, workspace

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "scale.json"
QUESTION = "What was the company's total revenue in the most recent fiscal year?"


def search_runs(root: Path, contexts: list[str]) -> dict:
    with open(root / "data" / "chunks.jsonl", "w") as chunks:
        for i, text in enumerate(contexts):
            chunks.write(json.dumps({"chunk_id": f"qa-{i}", "file_name": "financial-qa-10k.csv", "pages": [i],
                                     "text": text}) + "\n")
    search = [str(Path(sys.executable).parent / "embedtune"), "search", QUESTION]  # the console script
    first, repeated = run_command(search, root), run_command(search, root)

    os.chdir(root)  # params.yaml and the chunks, as the command finds them
    from embedtune.common.models import ModelParams
    from embedtune.common.params import load_params
    from embedtune.common.paths import load_paths
    from embedtune.search import Index

    index = Index("models/embedtune", load_paths().chunks, load_params("model", ModelParams))
    index.search(QUESTION, 5)
    latencies = []
    for _ in range(20):
        started = time.perf_counter()
        index.search(QUESTION, 5)
        latencies.append(time.perf_counter() - started)
    return {"chunks": len(contexts),
            "first_query_cli_s": first["wall_s"], "repeated_query_cli_s": repeated["wall_s"],
            "query_in_process_ms": round(1000 * statistics.median(latencies), 1)}


def main() -> None:
    args = parse_check(__doc__)
    if not QA.exists():
        print(f"bench/scale.py: skipped, {QA} is absent (the shared financial-qa-10K set is needed)")
        return
    qa = pd.read_csv(QA).dropna(subset=["question", "context"])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["EMBEDTUNE_CACHE"] = str(root / "cache")
        qa.sample(n=PAIRS, random_state=42).to_csv(root / "pairs.csv", index=False)
        workspace(root)
        run_stage("dataset", root)
        # One process last: search uses its model.
        training = {nproc: {**stage_run(root, nproc=nproc), "processes": nproc} for nproc in (2, 1)}
        search = search_runs(root, list(dict.fromkeys(qa["context"])))

    ratio = training[2]["samples_per_second"] / training[1]["samples_per_second"]
    print(f"{PAIRS} financial-qa-10K pairs, one epoch at global batch {BATCH}, all-MiniLM-L6-v2, "
          f"{os.cpu_count()} CPUs")
    print(f"{'processes':>9} {'steps':>5} {'samples/s':>9} {'wall s':>8} {'peak MiB':>8}")
    for nproc in (1, 2):
        run = training[nproc]
        print(f"{nproc:>9} {run['steps']:>5} {run['samples_per_second']:>9.2f} {run['wall_s']:>8.1f} "
              f"{run['peak_rss_mib']:>8}")
    print(f"2 processes / 1: {ratio:.2f}x samples/s")
    print(f"search over {search['chunks']} chunks: first query {search['first_query_cli_s']:.1f} s, "
          f"repeated query {search['repeated_query_cli_s']:.1f} s (new processes), "
          f"query alone {search['query_in_process_ms']:.1f} ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count()}, "pairs": PAIRS, "epochs": EPOCHS, "global_batch_size": BATCH,
        "training": {str(nproc): run for nproc, run in training.items()},
        "two_vs_one_samples_per_second": round(ratio, 3), "search": search,
    }, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(REPO)}")
    report_targets([], args.check)


if __name__ == "__main__":
    main()
