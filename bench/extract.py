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
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

import psutil
import yaml

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

    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "embedtune.stages.extract"], cwd=workdir,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = _watch_memory(process.pid)
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"extract failed in {workdir}:\n{output}")
    totals = json.loads((workdir / "metrics" / "extract.json").read_text())["totals"]
    return {"wall_s": round(wall, 2), "peak_rss_mib": round(peak.result / 2**20), **totals}


class _watch_memory:
    """Peak resident memory of a process and its children, summed, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.result = 0
        self._thread = threading.Thread(target=self._sample, args=(pid,), daemon=True)
        self._thread.start()

    def _sample(self, pid: int) -> None:
        try:
            root = psutil.Process(pid)
            while root.is_running() and root.status() != psutil.STATUS_ZOMBIE:
                processes = [root, *root.children(recursive=True)]
                total = 0
                for process in processes:
                    try:
                        total += process.memory_info().rss
                    except psutil.NoSuchProcess:
                        pass
                self.result = max(self.result, total)
                time.sleep(0.05)
        except psutil.NoSuchProcess:
            pass


def main() -> None:
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


if __name__ == "__main__":
    main()
