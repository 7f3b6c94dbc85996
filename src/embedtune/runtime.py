"""What a stage cost, for its metrics: so a slow or bloated stage shows in `dvc metrics diff`."""

import resource
import sys
import time

from embedtune import STARTED


def runtime() -> dict:
    """Wall seconds since the stage's process started; peak resident memory in MiB of the process
    (the in-process llama.cpp server included) and of its largest finished child (extraction workers)."""
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    unit = 1 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * unit
    return {"seconds": round(time.monotonic() - STARTED, 2), "peak_rss_mib": round(own / 2**20),
            "peak_child_rss_mib": round(child / 2**20)}
