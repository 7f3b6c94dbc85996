"""Fault family concurrency: two `dvc repro` at once in one workspace. The second refuses on
DVC's locks, the first finishes, and nothing is corrupted."""

import re
import subprocess

import pytest

from conftest import dvc_environment, retrain_in_background, sh

pytestmark = pytest.mark.slow


def test_a_second_repro_refuses_while_the_first_runs(repo):
    log = repo.parent / "first.log"
    first = retrain_in_background(repo, 3e-5, log)

    second = subprocess.run(["dvc", "repro"], cwd=repo, capture_output=True, text=True, env=dvc_environment())
    assert second.returncode != 0
    # DVC's repo lock, or its lock on the stage's files ("... is busy, it is being blocked by: (PID n): dvc repro").
    assert re.search(r"Unable to acquire lock|is busy, it is being blocked by", second.stderr), second.stderr
    assert "Traceback" not in second.stderr

    assert first.wait(timeout=600) == 0, log.read_text()
    assert "Data and pipelines are up to date." in sh("dvc", "status", cwd=repo)
    assert (repo / "models" / "embedtune" / "model.safetensors").exists()
