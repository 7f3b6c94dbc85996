"""Fault family concurrency: two `dvc repro` at once in one workspace. The second refuses on
DVC's locks, the first finishes, and nothing is corrupted."""

import re
import subprocess
import time

import pytest
import yaml

from conftest import dvc_environment, sh

pytestmark = pytest.mark.slow


def test_a_second_repro_refuses_while_the_first_runs(repo):
    sh("dvc", "repro", cwd=repo)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"]["learning_rate"] = 3e-5
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    log = repo.parent / "first.log"
    with open(log, "w") as output:
        first = subprocess.Popen(["dvc", "repro"], cwd=repo, stdout=output, stderr=subprocess.STDOUT,
                                 env=dvc_environment())
    deadline = time.monotonic() + 300
    while "Running stage 'train'" not in log.read_text():
        assert first.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)

    second = subprocess.run(["dvc", "repro"], cwd=repo, capture_output=True, text=True, env=dvc_environment())
    assert second.returncode != 0
    # DVC's repo lock, or its lock on the stage's files ("... is busy, it is being blocked by: (PID n): dvc repro").
    assert re.search(r"Unable to acquire lock|is busy, it is being blocked by", second.stderr), second.stderr
    assert "Traceback" not in second.stderr

    assert first.wait(timeout=600) == 0, log.read_text()
    assert "Data and pipelines are up to date." in sh("dvc", "status", cwd=repo)
    assert (repo / "models" / "embedtune" / "model.safetensors").exists()
