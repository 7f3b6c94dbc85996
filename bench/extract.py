"""Benchmark of the `extract` stage on real 10-K filings from ../shared/data/10k.

Measures, each as a run of the stage in a process of its own (as `dvc repro` runs it):
- pages/s and peak memory (all processes of the stage together) on NVIDIA's FY2023 10-K,
  with tables on (the default) and off, to show what table extraction costs;
- the four shared 10-Ks extracted from scratch, then the no-change rerun.
Prints a table and writes bench/results/extract.json. Targets: >= 4 pages/s on 2 cores
with tables on; a no-change rerun under 3 s.

Run: make bench   (or: python bench/extract.py)
"""

import json
import os
import platform
import tempfile
from importlib.metadata import version
from pathlib import Path

import yaml
from measure import Target, parse_check, report_targets, run_stage

REPO = Path(__file__).resolve().parents[1]
TEN_KS = REPO.parent / "shared" / "data" / "10k"
RESULTS = REPO / "bench" / "results" / "extract.json"


def run_extract(workdir: Path, pdfs: list[Path], tables: bool = True) -> dict:
    """One run of the stage over a corpus of links to `pdfs`: wall seconds, peak memory, report totals."""
    corpus = workdir / "corpus"
    corpus.mkdir(exist_ok=True)
    for pdf in pdfs:
        if not (corpus / pdf.name).exists():
            (corpus / pdf.name).symlink_to(pdf)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["extract"].update(corpus_dir="corpus", tables=tables)
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))

    measured = run_stage("extract", workdir)
    totals = json.loads((workdir / "metrics" / "extract.json").read_text())["totals"]
    return {**measured, **totals}


def main() -> None:
    args = parse_check(__doc__)
    pdfs = sorted(TEN_KS.glob("*.pdf"))
    if not pdfs:
        print(f"bench/extract.py: skipped, {TEN_KS} is absent (the shared 10-K filings are needed)")
        return
    nvda = TEN_KS / "nvda-20230129.pdf"
    rows = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for tables in (True, False):
            workdir = scratch / f"nvda-tables-{'on' if tables else 'off'}"
            workdir.mkdir()
            rows[f"nvda FY2023, tables {'on' if tables else 'off'}"] = run_extract(workdir, [nvda], tables)
        workdir = scratch / "four"
        workdir.mkdir()
        rows["four 10-Ks, first run"] = run_extract(workdir, pdfs)
        rows["four 10-Ks, no-change rerun"] = run_extract(workdir, pdfs)

    for row in rows.values():
        row["pages_per_s"] = round(row["pages"] / row["wall_s"], 2) if row["extracted"] else None
    print(f"{'run':<32} {'pages':>6} {'tables':>6} {'wall s':>8} {'pages/s':>8} {'peak MiB':>9}")
    for name, row in rows.items():
        rate = f"{row['pages_per_s']:.2f}" if row["pages_per_s"] else "-"
        print(f"{name:<32} {row['pages']:>6} {row['tables']:>6} {row['wall_s']:>8.2f} {rate:>8} "
              f"{row['peak_rss_mib']:>9}")
    params = yaml.safe_load((REPO / "params.yaml").read_text())["extract"]
    result = {
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "settings": {key: params[key] for key in ("strategy", "workers", "pages_per_task")},
        "versions": {name: version(name) for name in ("unstructured", "pdfminer.six", "pdfplumber")},
        "targets": {"pages_per_s_tables_on": 4.0, "no_change_rerun_s": 3.0},
        "runs": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(REPO)}")
    report_targets([Target("pages/s, NVIDIA's 10-K, tables on", rows["nvda FY2023, tables on"]["pages_per_s"], 4.0),
                    Target("no-change rerun of four 10-Ks (s)", rows["four 10-Ks, no-change rerun"]["wall_s"], 3.0,
                           at_least=False)], args.check)


if __name__ == "__main__":
    main()
