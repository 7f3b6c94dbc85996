"""Benchmark of the `train` stage.

1. Throughput: the stage against bench/plain_train.py, a plain sentence-transformers script with
   the same settings (MiniLM, MatryoshkaLoss over MNRL, no-duplicates batches, one epoch, an
   evaluation and checkpoint at its end, best model loaded). Trainer samples/s (evaluation
   included), wall time and peak memory of each process. Target: the stage >= 0.95x the script.
2. Memory: the stage at batch 64 with MultipleNegativesRankingLoss vs
   CachedMultipleNegativesRankingLoss (mini-batches of 16).

Data: a seeded sample of `financial-qa-10K` from ../shared/data through the dataset stage's
labelled-pairs path. Prints a table and writes bench/results/train.json.

Run: python bench/train.py
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml
from measure import Target, parse_check, report_targets, run_command, run_stage

REPO = Path(__file__).resolve().parents[1]
QA = REPO.parent / "shared" / "data" / "financial-qa-10K" / "Financial-QA-10k.csv"
RESULTS = REPO / "bench" / "results" / "train.json"
PAIRS = 800
EPOCHS, BATCH = 1, 32


def workspace(root: Path, **train) -> Path:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["dataset"].update(labelled_file="pairs.csv", test_size=0.1, validation_size=0.1)
    params["train"].update({"epochs": EPOCHS, "batch_size": BATCH, **train})
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return root


def stage_run(root: Path, **train) -> dict:
    workspace(root, **train)
    measured = run_stage("train", root)
    report = json.loads((root / "metrics" / "train.json").read_text())
    return {**measured, "samples_per_second": report["samples_per_second"], "steps": report["steps"]}


def main() -> None:
    args = parse_check(__doc__)
    if not QA.exists():
        print(f"bench/train.py: skipped, {QA} is absent (the shared financial-qa-10K set is needed)")
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        pd.read_csv(QA).dropna(subset=["question", "context"]).sample(n=PAIRS, random_state=42).to_csv(
            root / "pairs.csv", index=False)
        workspace(root)
        run_stage("dataset", root)

        runs = {"train stage": stage_run(root)}
        plain = run_command([sys.executable, str(REPO / "bench" / "plain_train.py"), "data/dataset",
                             "plain-output", str(EPOCHS), str(BATCH)], root)
        runs["plain sentence-transformers script"] = {
            **{key: plain[key] for key in ("wall_s", "peak_rss_mib")},
            **json.loads(plain["stdout"].strip().splitlines()[-1]),
        }
        memory = {
            loss: stage_run(root, loss=loss, batch_size=64)
            for loss in ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss")
        }

    stage, reference = runs["train stage"], runs["plain sentence-transformers script"]
    ratio = stage["samples_per_second"] / reference["samples_per_second"]
    print(f"{PAIRS} financial-qa-10K pairs, one epoch at batch {BATCH}, all-MiniLM-L6-v2, {os.cpu_count()} CPUs")
    print(f"{'run':<38} {'steps':>5} {'samples/s':>9} {'wall s':>8} {'peak MiB':>8}")
    for name, run in runs.items():
        print(f"{name:<38} {run['steps']:>5} {run['samples_per_second']:>9.2f} {run['wall_s']:>8.1f} "
              f"{run['peak_rss_mib']:>8}")
    print(f"stage / plain script samples/s: {ratio:.2f}x")
    print(f"batch 64: {'loss':<38} {'samples/s':>9} {'peak MiB':>8}")
    for loss, run in memory.items():
        print(f"          {loss:<38} {run['samples_per_second']:>9.2f} {run['peak_rss_mib']:>8}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count()}, "pairs": PAIRS, "epochs": EPOCHS, "batch_size": BATCH,
        "throughput": runs, "stage_vs_plain_samples_per_second": round(ratio, 3), "batch_64_memory": memory,
    }, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(REPO)}")
    report_targets([Target("stage / plain script, samples/s (x)", ratio, 0.95)], args.check)


if __name__ == "__main__":
    main()
