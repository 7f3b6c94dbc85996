"""Fault family disk: the output disk fills up during `generate` and during `train`.

A size-limited tmpfs is mounted over the workspace's output folder and filled, so the stage's
writes fail with ENOSPC as on a real full disk. Mounting needs root (CI's machine has it);
elsewhere these tests are skipped and the README's "Troubleshooting" gives the same check by hand.
"""

import contextlib
import hashlib
import json
import os
import shutil
import subprocess

import pytest

from conftest import TRAIN, cache_lines, openai_params, run_stage, workspace_with_chunks, write_params

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("mount"),
    reason="mounting a size-limited tmpfs needs root; see the README's manual disk-full check",
)


@contextlib.contextmanager
def small_disk(folder, size_mib: int):
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


@contextlib.contextmanager
def filled(folder):
    """Every free byte of folder's disk taken by one file, removed afterwards."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 2**16)
    assert shutil.disk_usage(folder).free < 2**16
    try:
        yield
    finally:
        filler.unlink()


def tree_digest(folder) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_generate_on_a_full_disk_fails_clearly_and_keeps_every_reply(tmp_path, chunked_default, scripted):
    with small_disk(tmp_path / "data", 16):
        root = workspace_with_chunks(tmp_path, chunked_default, count=20, **openai_params(scripted.url("ok")))
        run_stage("generate", root)
        questions = (root / "data" / "questions.jsonl").read_bytes()
        replies = cache_lines(root)

        write_params(root, generate={**openai_params(scripted.url("ok")), "questions_per_chunk": 3})
        with filled(root / "data"):
            failed = run_stage("generate", root, check=False)
        assert failed.returncode != 0
        assert "error: no space left on device" in failed.stderr and "Free space now: data/ 0 MiB" in failed.stderr
        assert "Traceback" not in failed.stderr
        assert (root / "data" / "questions.jsonl").read_bytes() == questions
        assert cache_lines(root)[:len(replies)] == replies
        assert not list((root / "data").glob("*.partial"))

        # With space again: the replies the failed run saved are reused, the rest asked for.
        run_stage("generate", root)
        report = json.loads((root / "metrics" / "generate.json").read_text())
        assert report["calls"] + report["cache_hits"] == 20
        keys = {json.loads(line)["key"] for line in cache_lines(root) if line.endswith("}")}
        assert len(keys) == 40


def test_train_on_a_full_disk_fails_clearly_and_keeps_the_previous_model(tmp_path, trained):
    root = tmp_path / "workspace"
    shutil.copytree(trained / "data", root / "data")
    write_params(root, train={**TRAIN, "epochs": 1})
    with small_disk(root / "models", 160):
        shutil.copytree(trained / "models" / "embedtune", root / "models" / "embedtune")
        before = tree_digest(root / "models" / "embedtune")
        # The first checkpoint (weights and optimizer state, about 260 MiB) cannot fit.
        failed = run_stage("train", root, check=False)
        assert failed.returncode != 0
        assert "error: no space left on device" in failed.stderr and "Free space now: models/" in failed.stderr, \
            failed.stderr[-2000:]
        assert "Traceback" not in failed.stderr
        assert tree_digest(root / "models" / "embedtune") == before
