"""What each stage of the last run cost: wall seconds and peak memory, from the stages' own reports.

Kept out of `dvc metrics` on purpose (they change on every run and would drown a quality change in
review); the reports are committed, so `git diff metrics/` shows how a cost moved.

Run: embedtune costs
"""

import argparse
from pathlib import Path

from embedtune.common.jsonl import read_json
from embedtune.common.params import load_params
from embedtune.schemas import SCHEMAS


def reports() -> dict[str, Path]:
    """Each stage's report, in pipeline order, where params.yaml puts it."""
    params = {name: load_params(name, schema) for name, schema in SCHEMAS.items()}
    return {"extract": params["extract"].report, "chunk": params["chunk"].report,
            "generate": params["generate"].report, "dataset": params["dataset"].report,
            "evaluate_base": params["evaluate"].baseline_report, "train": params["train"].report,
            "evaluate_tuned": params["evaluate"].tuned_report,
            **{f"export@{name}": params["export"].metrics_dir / f"export-{name}.json"
               for name in params["export"].formats}}


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(prog="embedtune costs", description=__doc__.splitlines()[0]).parse_args(argv)
    print(f"{'stage':<16} {'seconds':>9} {'peak MiB':>9} {'workers MiB':>12}")
    total = 0.0
    for stage, path in reports().items():
        if not path.exists():
            print(f"{stage:<16} {'not run':>9}")
            continue
        cost = read_json(path)["runtime"]
        total += cost["seconds"]
        print(f"{stage:<16} {cost['seconds']:>9.1f} {cost['peak_rss_mib']:>9} {cost['peak_child_rss_mib']:>12}")
    print(f"{'all':<16} {total:>9.1f}")
