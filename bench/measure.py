"""What the benchmarks share: a stage run in a process of its own, timed, with its peak memory; the
`--check` flag and the table of targets it checks."""

import argparse
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import psutil


def run_stage(stage: str, workdir: Path) -> dict:
    """Run `python -m embedtune.stages.<stage>` in workdir: wall seconds and peak memory of the
    stage's processes together (workers included), sampled every 50 ms."""
    return {key: value for key, value in run_command([sys.executable, "-m", f"embedtune.stages.{stage}"],
                                                     workdir).items() if key != "stdout"}


def run_command(command: list[str], workdir: Path) -> dict:
    """Run `command` in workdir: wall seconds, peak memory of its processes together, its stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    sampler = threading.Thread(target=_sample, args=(process.pid, peak), daemon=True)
    sampler.start()
    output, errors = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {workdir}:\n{output}\n{errors}")
    return {"wall_s": round(wall, 2), "peak_rss_mib": round(peak[0] / 2**20), "stdout": output}


def _sample(pid: int, peak: list) -> None:
    try:
        root = psutil.Process(pid)
        while root.is_running() and root.status() != psutil.STATUS_ZOMBIE:
            total = 0
            for process in [root, *root.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            peak[0] = max(peak[0], total)
            time.sleep(0.05)
    except psutil.NoSuchProcess:
        pass


def machine() -> dict:
    """The cores and the processor's model name: machines of one kind differ (AVX2 or AVX-512), and
    so do their numbers."""
    lines = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), [])
    return {"cpus": os.cpu_count(), "processor": names[0] if names else platform.processor() or platform.machine(),
            "vector": "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "other"}


class Target(NamedTuple):
    name: str
    measured: float | None  # None: not measured in this run
    wanted: float
    at_least: bool = True  # False: at most


def parse_check(doc: str) -> argparse.Namespace:
    """The command line of a benchmark without options of its own: --check."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    add_check(parser)
    return parser.parse_args()


def add_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")


def report_targets(targets: list[Target], check: bool) -> None:
    """Print each target beside what was measured; with --check, exit 1 when one is missed."""
    if not targets:
        print("\nno targets: this benchmark measures, it does not judge")
        return
    print(f"\n{'target':<52} {'measured':>9} {'wanted':>11}  met")
    missed = []
    for target in targets:
        met = target.measured is not None and (target.measured >= target.wanted if target.at_least
                                               else target.measured <= target.wanted)
        measured = "-" if target.measured is None else f"{target.measured:.4g}"
        wanted = f"{'>=' if target.at_least else '<='} {target.wanted:g}"
        print(f"{target.name:<52} {measured:>9} {wanted:>11}  {'yes' if met else 'NO'}")
        if not met:
            missed.append(target.name)
    if check and missed:
        sys.exit(f"missed {len(missed)} of {len(targets)} targets: {'; '.join(missed)}")
