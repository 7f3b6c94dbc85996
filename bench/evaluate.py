"""Benchmark of the single-encode evaluator against sentence-transformers' own.

The `financial-qa-10K` set from ../shared/data: 700 questions (a seeded sample) against all of
its distinct contexts, all-MiniLM-L6-v2 at 4 Matryoshka dimensions. Ours encodes queries and
corpus once and truncates per dimension; the reference is a SequentialEvaluator of one
InformationRetrievalEvaluator(truncate_dim=d) per dimension, which encodes everything again for
each. Both on the same model in the same process; the numbers must agree to 1e-6.
Prints a table and writes bench/results/evaluate.json. Target: >= 3x faster.

Run: python bench/evaluate.py
"""

import json
import os
import time
from pathlib import Path

import pandas as pd
from measure import Target, parse_check, report_targets
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator, SequentialEvaluator

from embedtune.common.hashing import text_digest
from embedtune.common.models import load_encoder
from embedtune.evaluation.retrieval import retrieval_metrics

REPO = Path(__file__).resolve().parents[1]
QA = REPO.parent / "shared" / "data" / "financial-qa-10K" / "Financial-QA-10k.csv"
RESULTS = REPO / "bench" / "results" / "evaluate.json"
DIMS = [384, 256, 128, 64]
QUERIES = 700
METRICS = ("ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10", "map@100")


def main() -> None:
    args = parse_check(__doc__)
    if not QA.exists():
        print(f"bench/evaluate.py: skipped, {QA} is absent (the shared financial-qa-10K set is needed)")
        return
    table = pd.read_csv(QA).dropna(subset=["question", "context"])
    corpus = {text_digest(context): context for context in table["context"]}
    sample = table.sample(n=QUERIES, random_state=42)
    queries = list(sample["question"])
    relevant = [{text_digest(context)} for context in sample["context"]]
    model = load_encoder("sentence-transformers/all-MiniLM-L6-v2")

    started = time.perf_counter()
    ours = retrieval_metrics(model.encode(queries, batch_size=64), model.encode(list(corpus.values()), batch_size=64),
                             list(corpus), relevant, DIMS)
    ours_s = time.perf_counter() - started

    reference = SequentialEvaluator([
        InformationRetrievalEvaluator(
            {str(i): q for i, q in enumerate(queries)}, corpus, {str(i): r for i, r in enumerate(relevant)},
            truncate_dim=dim, name=f"dim{dim}", batch_size=64, accuracy_at_k=[1, 5, 10],
            precision_recall_at_k=[1, 5, 10], write_csv=False,
        )
        for dim in DIMS
    ])
    started = time.perf_counter()
    theirs = reference(model)
    theirs_s = time.perf_counter() - started

    largest_difference = max(
        abs(ours[dim][metric] - theirs[f"dim{dim}_cosine_{metric}"]) for dim in DIMS for metric in METRICS
    )
    print(f"{len(queries)} questions, {len(corpus)} contexts, dims {DIMS}")
    print(f"{'evaluator':<44} {'wall s':>8}")
    print(f"{'single encoding, truncated per dim (ours)':<44} {ours_s:>8.2f}")
    print(f"{'SequentialEvaluator of 4 IR evaluators':<44} {theirs_s:>8.2f}")
    print(f"speed-up {theirs_s / ours_s:.2f}x; largest metric difference {largest_difference:.2e}")
    for dim in DIMS:
        print(f"  dim {dim}: ndcg@10 {ours[dim]['ndcg@10']:.4f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count()},
        "queries": len(queries), "corpus": len(corpus), "dims": DIMS,
        "ours_s": round(ours_s, 2), "sentence_transformers_s": round(theirs_s, 2),
        "speedup": round(theirs_s / ours_s, 2), "largest_metric_difference": largest_difference,
        "ndcg@10": {str(dim): ours[dim]["ndcg@10"] for dim in DIMS},
    }, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(REPO)}")
    report_targets([Target("speed-up over sentence-transformers' evaluators (x)", theirs_s / ours_s, 3.0),
                    Target("largest metric difference", largest_difference, 1e-6, at_least=False)], args.check)


if __name__ == "__main__":
    main()
