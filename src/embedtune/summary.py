"""Fine-tuned against base, per dimension, from the two evaluations' full reports; and the table of the
last run (what `make repro` ends with).

Run: python -m embedtune.summary
"""

import sys

from embedtune.common.jsonl import read_json
from embedtune.common.params import load_params
from embedtune.evaluation.hybrid import describe
from embedtune.evaluation.params import EvaluateParams


def compare(base: dict, tuned: dict, metric: str) -> dict:
    """Per dimension: base, fine-tuned, gain, and each one's hybrid where there is one."""
    dims = {}
    for dim in tuned["dims"]:
        if dim not in base["dims"]:
            continue
        row = {"base": base["dims"][dim][metric], "tuned": tuned["dims"][dim][metric]}
        row["gain"] = row["tuned"] - row["base"]
        if "hybrid" in tuned:
            row["hybrid_base"] = base["hybrid"]["dims"][dim][metric]
            row["hybrid_tuned"] = tuned["hybrid"]["dims"][dim][metric]
        dims[dim] = row
    summary = {"queries": tuned["queries"], "dims": dims}
    if "bm25" in tuned:
        summary[f"bm25_{metric}"] = tuned["bm25"][metric]
    return summary


def comparison(base: dict, tuned: dict) -> dict:
    """The fine-tuned model's headline metric (ndcg@10 for retrieval) against the base model's at every
    dimension, the first being the full one; hybrid and BM25 beside them. On the user's questions when
    evaluate.questions_file is set, with the generated test split beside."""
    metric = tuned["headline"]
    summary = {"headline": metric, "test_set": tuned["test_set"], "split": tuned["split"]}
    summary |= compare(base, tuned, metric)
    if "hybrid" in tuned:
        summary["fusion"] = tuned["hybrid"]["fusion"]
    if "generated_test" in tuned:
        summary["generated_test"] = compare(base["generated_test"], tuned["generated_test"], metric)
    return summary


def print_table(title: str, comparison: dict, metric: str) -> None:
    print(title)
    rows = sorted(comparison["dims"].items(), key=lambda item: -int(item[0]))
    hybrid = "hybrid_tuned" in rows[0][1]
    print(f"{'dim':>5} {'base':>8} {'tuned':>8} {'gain':>8}" + (f" {'hybrid':>8} {'hybrid':>8}" if hybrid else ""))
    if hybrid:
        print(f"{'':>5} {'':>8} {'':>8} {'':>8} {'base':>8} {'tuned':>8}")
    for dim, row in rows:
        print(f"{dim:>5} {row['base']:>8.4f} {row['tuned']:>8.4f} {row['gain']:>+8.4f}"
              + (f" {row['hybrid_base']:>8.4f} {row['hybrid_tuned']:>8.4f}" if hybrid else ""))
    if f"bm25_{metric}" in comparison:
        print(f"{'bm25':>5} {comparison[f'bm25_{metric}']:>8.4f}")


def print_comparison(summary: dict) -> None:
    metric = summary["headline"]
    if summary["test_set"] == "questions_file":
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
    params = load_params("evaluate", EvaluateParams)
    missing = [str(path) for path in (params.baseline_report, params.tuned_report) if not path.exists()]
    if missing:
        sys.exit(f"error: {', '.join(missing)} not found; run `dvc repro` first")
    print_comparison(comparison(read_json(params.baseline_report), read_json(params.tuned_report)))


if __name__ == "__main__":
    main()
