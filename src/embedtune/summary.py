"""The before/after table of the last run, from metrics/metrics.json (what `make repro` ends with).

Run: python -m embedtune.summary
"""

import sys
from pathlib import Path

from embedtune.evaluation.params import EvaluateParams
from embedtune.jsonl import read_json
from embedtune.params import load_params


def print_comparison(summary: dict) -> None:
    metric = summary.get("headline", "ndcg@10")
    print(f"{metric} on {summary['queries']} {summary['split']} rows, fine-tuned vs base")
    print(f"{'dim':>5} {'base':>8} {'tuned':>8} {'gain':>8}")
    for dim, row in sorted(summary["dims"].items(), key=lambda item: -int(item[0])):
        print(f"{dim:>5} {row['base']:>8.4f} {row['fine_tuned']:>8.4f} {row['gain']:>+8.4f}")
    if f"bm25_{metric}" in summary:
        print(f"{'bm25':>5} {summary[f'bm25_{metric}']:>8.4f}")


def main() -> None:
    report = Path(load_params("evaluate", EvaluateParams).report)
    if not report.exists():
        sys.exit(f"error: {report} not found; run `dvc repro` first")
    print_comparison(read_json(report))


if __name__ == "__main__":
    main()
