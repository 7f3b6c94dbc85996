"""The before/after table of the last run, from metrics/metrics.json (what `make repro` ends with).

Run: python -m embedtune.summary
"""

import sys
from pathlib import Path

from embedtune.common.jsonl import read_json
from embedtune.common.params import load_params
from embedtune.evaluation.hybrid import describe
from embedtune.evaluation.params import EvaluateParams


def print_table(title: str, comparison: dict, metric: str) -> None:
    print(title)
    rows = sorted(comparison["dims"].items(), key=lambda item: -int(item[0]))
    hybrid = "hybrid_fine_tuned" in rows[0][1]
    print(f"{'dim':>5} {'base':>8} {'tuned':>8} {'gain':>8}" + (f" {'hybrid':>8} {'hybrid':>8}" if hybrid else ""))
    if hybrid:
        print(f"{'':>5} {'':>8} {'':>8} {'':>8} {'base':>8} {'tuned':>8}")
    for dim, row in rows:
        print(f"{dim:>5} {row['base']:>8.4f} {row['fine_tuned']:>8.4f} {row['gain']:>+8.4f}"
              + (f" {row['hybrid_base']:>8.4f} {row['hybrid_fine_tuned']:>8.4f}" if hybrid else ""))
    if f"bm25_{metric}" in comparison:
        print(f"{'bm25':>5} {comparison[f'bm25_{metric}']:>8.4f}")


def print_comparison(summary: dict) -> None:
    metric = summary.get("headline", "ndcg@10")
    if summary.get("test_set") == "questions_file":
        title = f"{metric} on {summary['queries']} of your questions (evaluate.questions_file), fine-tuned vs base"
    else:
        title = f"{metric} on {summary['queries']} {summary['split']} rows, fine-tuned vs base"
    print_table(title, summary, metric)
    if "fusion" in summary:
        print(f"hybrid: BM25 + dense, {describe(summary['fusion'])}")
    if "generated_test" in summary:
        print()
        print_table(f"{metric} on {summary['generated_test']['queries']} generated {summary['split']} questions",
                    summary["generated_test"], metric)


def main() -> None:
    report = Path(load_params("evaluate", EvaluateParams).report)
    if not report.exists():
        sys.exit(f"error: {report} not found; run `dvc repro` first")
    print_comparison(read_json(report))


if __name__ == "__main__":
    main()
