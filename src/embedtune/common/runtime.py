"""What a stage cost, for its metrics: so a slow or bloated stage shows in `dvc metrics diff`."""

import resource
import sys
import time
from pathlib import Path

from embedtune import STARTED

# ru_maxrss is in KiB on Linux, in bytes on macOS.
RU_MAXRSS_BYTES = 1 if sys.platform == "darwin" else 1024


def runtime() -> dict:
    """Wall seconds since the stage's process started; peak resident memory in MiB of the process
    (the in-process llama.cpp server included) and of its largest finished child (extraction workers)."""
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * RU_MAXRSS_BYTES
    return {"seconds": round(time.monotonic() - STARTED, 2), "peak_rss_mib": round(own_peak_rss() / 2**20),
            "peak_child_rss_mib": round(child / 2**20)}


def own_peak_rss() -> int:
    """Bytes. Linux's ru_maxrss survives exec, so it would count the size of whatever started the
    stage (a test runner holding models, say); VmHWM is this program's own high-water mark."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * RU_MAXRSS_BYTES
