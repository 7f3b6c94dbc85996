"""Fault family interruption: Ctrl-C (SIGINT to the process group) and SIGKILL during `extract`,
`generate` and `train`, then the stage again, as `dvc repro` reruns it. It finishes; no LLM call
is repeated for a finished chunk, no finished document is extracted again, training resumes from
its last checkpoint; the outputs are those of an uninterrupted run. And Ctrl-C in `dvc repro`
itself, then `dvc repro` again."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import (
    TRAIN,
    cache_lines,
    dataset_workspace,
    folder_bytes,
    generate_report,
    loss_curve,
    openai_params,
    retrain_in_background,
    run_stage,
    sh,
    workspace_with_chunks,
    write_params,
)
from embedtune.common.jsonl import read_json, read_jsonl

SIGNALS = pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])


def interrupt(stage: str, root, ready, sig: signal.Signals, timeout_s: float = 600) -> subprocess.CompletedProcess:
    """Run the stage and send `sig` to its process group (as Ctrl-C in a terminal does) once `ready()`."""
    process = subprocess.Popen([sys.executable, "-m", f"embedtune.stages.{stage}"], cwd=root, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + timeout_s
    while not ready():
        assert process.poll() is None and time.monotonic() < deadline, f"{stage} ended before it was interrupted"
        time.sleep(0.05)
    os.killpg(process.pid, sig)
    output, errors = process.communicate(timeout=120)
    assert process.returncode != 0
    if sig == signal.SIGINT:
        assert process.returncode == 130 and "interrupted: run the stage again" in errors, errors
        assert "Traceback" not in errors, errors
    return subprocess.CompletedProcess(process.args, process.returncode, output, errors)


@SIGNALS
def test_extract_resumes_with_the_documents_it_finished(workspace, extracted_default, sig):
    extracted = workspace / "data" / "extracted"
    # A document is finished once the manifest lists it: a kill between writing its elements and
    # the manifest leaves elements that the next run cannot trust, so it extracts them again.
    manifest = extracted / "manifest.json"
    interrupt("extract", workspace, lambda: manifest.exists() and read_json(manifest)["documents"], sig)
    finished = read_json(manifest)["documents"]
    assert 1 <= len(finished) < 5

    run_stage("extract", workspace)
    files = json.loads((workspace / "metrics" / "extract.json").read_text())["files"]
    assert sum(entry["reused"] for entry in files.values()) == len(finished)
    assert folder_bytes(extracted) == folder_bytes(extracted_default / "data" / "extracted")


@SIGNALS
def test_generate_resumes_without_repeating_finished_chunks(tmp_path, chunked_default, scripted, sig):
    root = workspace_with_chunks(tmp_path, chunked_default, count=30, **openai_params(scripted.url("slow")))
    prose = sum(chunk["kind"] != "table" for chunk in read_jsonl(root / "data" / "chunks.jsonl"))  # tables: no call
    interrupt("generate", root, lambda: len(cache_lines(root)) >= 5, sig)
    finished = len([line for line in cache_lines(root) if line.endswith("}")])
    assert 5 <= finished < prose

    write_params(root, generate=openai_params(scripted.url("ok")))
    run_stage("generate", root)
    assert generate_report(root)["calls"] == prose - finished
    keys = [json.loads(line)["key"] for line in cache_lines(root) if line.strip().endswith("}")]
    assert len(keys) == len(set(keys)) == prose


@SIGNALS
def test_train_resumes_from_its_last_checkpoint(tmp_path, chunked_default, trained, sig):
    root = dataset_workspace(tmp_path, chunked_default, train=TRAIN)
    checkpoints = root / "models" / "checkpoints"
    interrupt("train", root, lambda: list(checkpoints.glob("*/checkpoint-*/trainer_state.json")), sig)
    assert not (root / "metrics" / "train.json").exists()

    resumed = run_stage("train", root)
    report = json.loads((root / "metrics" / "train.json").read_text())
    uninterrupted = json.loads((trained / "metrics" / "train.json").read_text())
    assert "resuming from" in resumed.stdout
    assert report["resumed_from_step"] == uninterrupted["steps"] // 2
    assert report["steps"] == uninterrupted["steps"]
    assert report["best_validation_ndcg@10_64d"] == pytest.approx(uninterrupted["best_validation_ndcg@10_64d"])
    assert loss_curve(root) == pytest.approx(loss_curve(trained), rel=1e-4)


@pytest.mark.slow
def test_dvc_repro_after_a_ctrl_c_in_dvc_repro_finishes(repo):
    """Ctrl-C in `dvc repro` while `train` runs; the next `dvc repro` trains, and all is up to date."""
    process = retrain_in_background(repo, 7e-5, repo.parent / "interrupted.log")
    time.sleep(3)
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=120) != 0

    again = sh("dvc", "repro", cwd=repo)
    assert "Running stage 'train'" in again
    assert "Data and pipelines are up to date." in sh("dvc", "status", cwd=repo)
    assert json.loads((repo / "metrics" / "metrics.json").read_text())["tuned"] > 0
