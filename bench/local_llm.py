"""Benchmark of two `generate` runs with the offline default LLM on one machine: one after the
other, then both started at once (as `dvc queue start -j 2` or two clones would), each on the
same 20 chunks of the bundled corpus in a workspace of its own (no reply cache). With the
machine-wide lock the second waits for the first's llama.cpp server, so two at once should take
about as long as one after the other, not the ten times longer two servers sharing the cores
took. Prints a table; writes bench/results/local_llm.json. Target: two at once within 1.2x of
one after the other.

Run: python bench/local_llm.py
"""

import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from generate import workspace
from measure import Target, parse_check, report_targets, run_stage

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "local_llm.json"
CHUNKS = 20


def bundled_chunks(scratch: Path) -> list[str]:
    root = scratch / "chunked"
    root.mkdir()
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["extract"]["corpus_dir"] = str(REPO / "data" / "pdfs")
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    run_stage("extract", root)
    run_stage("chunk", root)
    return (root / "data" / "chunks.jsonl").read_text().splitlines(keepends=True)[:CHUNKS]


def generate_runs(roots: list[Path], at_once: bool) -> dict:
    """Wall seconds of the runs together, and each run's wait for and hold of the local LLM."""
    started = time.perf_counter()
    if at_once:
        with ThreadPoolExecutor(len(roots)) as pool:
            list(pool.map(lambda root: run_stage("generate", root), roots))
    else:
        for root in roots:
            run_stage("generate", root)
    wall = time.perf_counter() - started
    reports = [json.loads((root / "metrics" / "generate.json").read_text()) for root in roots]
    return {"wall_s": round(wall, 2), "calls": [report["calls"] for report in reports],
            "waited_s": [report["local_llm"]["waited_s"] for report in reports],
            "held_s": [report["local_llm"]["held_s"] for report in reports]}


def main() -> None:
    args = parse_check(__doc__)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        chunks = bundled_chunks(scratch)
        one_after_the_other = generate_runs([workspace(scratch / f"seq-{i}", chunks) for i in (1, 2)], at_once=False)
        at_once = generate_runs([workspace(scratch / f"once-{i}", chunks) for i in (1, 2)], at_once=True)
    ratio = round(at_once["wall_s"] / one_after_the_other["wall_s"], 2)

    print(f"two generate runs, {CHUNKS} chunks each, offline default LLM, {os.cpu_count()} cores")
    print(f"{'how':<22} {'wall s':>8} {'waited s (each)':>18} {'held s (each)':>16}")
    for name, row in (("one after the other", one_after_the_other), ("both at once", at_once)):
        print(f"{name:<22} {row['wall_s']:>8.1f} {' / '.join(f'{s:.1f}' for s in row['waited_s']):>18} "
              f"{' / '.join(f'{s:.1f}' for s in row['held_s']):>16}")
    print(f"at once / one after the other: {ratio:.2f}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"cpus": os.cpu_count(), "chunks_each": CHUNKS,
                                   "one_after_the_other": one_after_the_other, "at_once": at_once,
                                   "at_once_over_one_after_the_other": ratio, "targets": {"ratio_at_most": 1.2}},
                                  indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(REPO)}")
    report_targets([Target("at once / one after the other", ratio, 1.2, at_least=False)], args.check)


if __name__ == "__main__":
    main()
