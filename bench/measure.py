"""What the benchmarks share: a stage run in a process of its own, timed, with its peak memory."""

import subprocess
import sys
import threading
import time
from pathlib import Path

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
