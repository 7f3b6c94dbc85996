"""One local LLM per machine. A llama.cpp server or an in-process model on the CPU takes every
core, and two at once run each ten times slower than one after the other (measured with llama.cpp:
2.5 s a chunk became 20-36 s), so a second one waits for the first: `dvc queue start -j 2`, or
`dvc repro` in two clones, then generate in turn.

The lock is an flock on a file in the machine's temporary folder ($TMPDIR, else /tmp), shared by
every user, released by the kernel when its holder exits however it exits; the file names the
holder for the waiters."""

import fcntl
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = Path(tempfile.gettempdir()) / "embedtune-llamacpp.lock"


@contextmanager
def local_llm_lock(purpose: str) -> Iterator[dict]:
    """Hold the machine's local-LLM lock for the block; yields what the holding cost (waited_s and,
    after the block, held_s, with the UTC times it was taken and let go)."""
    descriptor = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        started = time.monotonic()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{purpose}: waiting for the local LLM, which {_holder(descriptor)} is using (one local "
                  f"LLM per machine: two at once run ten times slower; lock {LOCK_FILE})",
                  file=sys.stderr, flush=True)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        waited = time.monotonic() - started
        if waited > 1:
            print(f"{purpose}: the local LLM is free after {waited:.0f} s of waiting", file=sys.stderr, flush=True)
        holding = {"waited_s": round(waited, 2), "taken_at": _now()}
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps({"pid": os.getpid(), "purpose": purpose, "cwd": os.getcwd(),
                                          "since": holding["taken_at"]}).encode(), 0)
        held_from = time.monotonic()
        try:
            yield holding
        finally:
            os.ftruncate(descriptor, 0)
            holding.update(held_s=round(time.monotonic() - held_from, 2), released_at=_now())
    finally:
        os.close(descriptor)  # closing the last descriptor releases the lock


def _holder(descriptor: int) -> str:
    """Who holds the lock, as it wrote itself into the file; a holder that has just taken the lock
    gets a moment to do so (two runs started together reach the lock together)."""
    for _ in range(100):
        try:
            holder = json.loads(os.pread(descriptor, 4096, 0))
            return f"pid {holder['pid']} ({holder['purpose']} in {holder['cwd']}, since {holder['since']})"
        except (ValueError, KeyError):
            time.sleep(0.05)
    return "another process"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
