"""The DVC pipeline, run by dvc itself in a temporary copy of the repository."""

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import dvc_environment, sh

pytestmark = pytest.mark.slow


def test_repro_twice_then_only_chunk_reruns_after_chunk_size_changes(repo):
    first = (repo.parent / "first-repro.log").read_text()
    assert all(f"Running stage '{stage}'" in first for stage in ("extract", "chunk", "generate"))
    assert (repo / "data" / "chunks.jsonl").exists() and list((repo / "data" / "extracted").glob("*.jsonl"))

    again = sh("dvc", "repro", cwd=repo)
    assert "Running stage" not in again
    assert "Data and pipelines are up to date." in again

    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", "repro", cwd=repo)
    assert "Data and pipelines are up to date." in sh("dvc", "status", cwd=repo)

    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["chunk"]["chunk_size"] = 600
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = sh("dvc", "status", cwd=repo)
    assert "chunk:" in status and "extract:" not in status
    changed = sh("dvc", "repro", cwd=repo)
    assert "Stage 'extract' didn't change, skipping" in changed
    assert "Running stage 'chunk'" in changed and "Running stage 'extract'" not in changed
    assert "Running stage 'generate'" in changed


def test_a_learning_rate_change_reruns_only_train_and_the_tuned_evaluation(repo):
    first = sh("dvc", "repro", cwd=repo)
    assert (repo / "models" / "embedtune" / "model.safetensors").exists()
    review = json.loads((repo / "metrics" / "metrics.json").read_text())
    assert set(review) == {"base", "tuned", "bm25", "hybrid_base", "hybrid_tuned", "documents", "chunks", "questions",
                           "test_questions", "test_set"}
    assert review["documents"] == 4 and review["test_set"] == "generated"
    shown = sh("dvc", "metrics", "show", cwd=repo)
    assert [line.split()[0] for line in shown.splitlines()[1:]] == [
        "metrics/metrics.json", "metrics/by-dim/128.json", "metrics/by-dim/256.json", "metrics/by-dim/64.json"]
    assert max(map(len, shown.splitlines())) <= 160, shown
    for report in ("extract", "chunk", "generate", "dataset", "baseline", "train", "tuned"):
        runtime = json.loads((repo / "metrics" / f"{report}.json").read_text())["runtime"]
        assert runtime["seconds"] > 0 and runtime["peak_rss_mib"] > 20, (report, runtime)
    costs = {line.split()[0]: line.split()[1:] for line in sh("embedtune", "costs", cwd=repo).splitlines()[1:]}
    train_seconds = json.loads((repo / "metrics" / "train.json").read_text())["runtime"]["seconds"]
    assert costs["train"][0] == f"{train_seconds:.1f}" and float(costs["all"][0]) > 0
    assert "Running stage" in first or "up to date" in first
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", "trained", cwd=repo)
    # Identical inputs, every stage run again: the run costs change, what review sees does not.
    sh("dvc", "repro", "-f", cwd=repo)
    assert sh("dvc", "metrics", "diff", cwd=repo).strip() == ""

    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"]["learning_rate"] = 5e-4
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    changed = sh("dvc", "repro", cwd=repo)
    assert set(re.findall(r"Running stage '([^']+)'", changed)) == {"train", "evaluate_tuned"}
    diff = sh("dvc", "metrics", "diff", cwd=repo)
    assert re.search(r"metrics/metrics\.json\s+tuned\s", diff), diff
    assert re.search(r"metrics/by-dim/64\.json\s+tuned\s", diff), diff
    assert "runtime" not in diff and "train.json" not in diff
    plots = sh("dvc", "plots", "diff", "--json", cwd=repo)
    assert "ndcg@10 by Matryoshka dimension" in plots and "training loss" in plots


def test_editing_the_chunker_does_not_rerun_extract(repo):
    sh("dvc", "repro", cwd=repo)
    splitter = repo / "src" / "embedtune" / "chunking" / "split.py"
    splitter.write_text(splitter.read_text() + "\n# an edit\n")
    status = sh("dvc", "status", cwd=repo)
    assert "chunk:" in status and "extract:" not in status


def test_a_teammate_who_pulls_makes_no_llm_calls(repo, llm, tmp_path):
    """dvc push from one clone, dvc pull in a fresh one: every stage is up to date, the cache of
    LLM replies came along, and no request reaches the LLM."""
    sh("dvc", "repro", cwd=repo)
    sh("dvc", "remote", "add", "-f", "-d", "team", str(tmp_path / "remote"), cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", "remote", cwd=repo)
    sh("dvc", "push", cwd=repo)

    teammate = tmp_path / "teammate"
    sh("git", "clone", "-q", str(repo), str(teammate), cwd=tmp_path)
    sh("dvc", "pull", cwd=teammate)
    requests = sum(llm.requests.values())
    result = sh("dvc", "repro", cwd=teammate)
    assert "Running stage" not in result and "Data and pipelines are up to date." in result
    cache = Path("data") / "generate-cache.jsonl"
    assert (teammate / cache).read_bytes() == (repo / cache).read_bytes()
    assert sum(llm.requests.values()) == requests


@contextlib.contextmanager
def moto_server(**env: str):
    """moto's S3 API served on 127.0.0.1: a real HTTP server, in a process of its own."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "moto server did not start"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait()


@pytest.fixture
def s3_endpoint(monkeypatch):
    """An S3 API on 127.0.0.1 with a bucket, and credentials it accepts in the environment."""
    import boto3

    with moto_server() as url:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(name, value)
        boto3.client("s3", endpoint_url=url).create_bucket(Bucket="embedtune")
        yield url


def test_s3_remote_round_trip_then_nothing_reruns(repo, llm, s3_endpoint, tmp_path):
    sh("dvc", "repro", cwd=repo)
    sh("dvc", "remote", "add", "-f", "s3", "s3://embedtune/dvc-cache", cwd=repo)
    sh("dvc", "remote", "modify", "s3", "endpointurl", s3_endpoint, cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", "s3 remote", cwd=repo)
    pushed = sh("dvc", "push", "-r", "s3", cwd=repo)
    assert "pushed" in pushed

    teammate = tmp_path / "teammate"
    sh("git", "clone", "-q", str(repo), str(teammate), cwd=tmp_path)
    sh("dvc", "pull", "-r", "s3", cwd=teammate)
    requests = sum(llm.requests.values())
    result = sh("dvc", "repro", cwd=teammate)
    assert "Running stage" not in result and "Data and pipelines are up to date." in result
    assert sum(llm.requests.values()) == requests
    model = Path("models") / "embedtune" / "model.safetensors"
    assert (teammate / model).read_bytes() == (repo / model).read_bytes()


def failed_push(repo: Path, remote: str, url: str, access_key: str, secret_key: str) -> str:
    """`dvc push` to an S3 remote at url, which must fail: its stderr, once it is checked that
    nothing local changed."""
    sh("dvc", "repro", cwd=repo)
    before = {path: path.read_bytes() for path in (repo / "data").glob("*.jsonl")}
    sh("dvc", "remote", "add", "-f", remote, "s3://embedtune/dvc-cache", cwd=repo)
    sh("dvc", "remote", "modify", remote, "endpointurl", url, cwd=repo)
    env = dvc_environment(AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key,
                          AWS_DEFAULT_REGION="us-east-1", AWS_MAX_ATTEMPTS="1")
    result = subprocess.run(["dvc", "push", "-r", remote], cwd=repo, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode != 0
    assert {path: path.read_bytes() for path in before} == before
    assert "Data and pipelines are up to date." in sh("dvc", "status", cwd=repo)
    return result.stderr


def test_an_unreachable_remote_fails_clearly_and_loses_nothing(repo):
    errors = failed_push(repo, "dead", "http://127.0.0.1:9", "testing", "testing")
    assert "ERROR" in errors and "127.0.0.1:9" in errors, errors


def test_rejected_credentials_fail_clearly_and_lose_nothing(repo):
    import boto3

    # moto checks credentials (as S3 does) after its first two requests: the readiness probe and
    # the bucket's creation.
    with moto_server(INITIAL_NO_AUTH_ACTION_COUNT="2") as url:
        boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="setup",
                     aws_secret_access_key="setup").create_bucket(Bucket="embedtune")
        errors = failed_push(repo, "locked", url, "AKIAWRONGWRONGWRONG0", "wrong")
    assert "ERROR" in errors and "Forbidden" in errors, errors


def test_experiments_run_queue_and_show_ndcg(repo):
    sh("dvc", "repro", cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", "before experiments", cwd=repo)
    sh("dvc", "exp", "run", "-n", "lr-high", "-S", "train.learning_rate=2e-4", cwd=repo)
    sh("dvc", "exp", "run", "--queue", "-n", "lr-low", "-S", "train.learning_rate=1e-5", cwd=repo)
    sh("dvc", "queue", "start", cwd=repo)
    deadline = time.monotonic() + 900
    while "Success" not in (status := sh("dvc", "queue", "status", cwd=repo)):
        assert "Failed" not in status and time.monotonic() < deadline, status
        time.sleep(2)
    shown = subprocess.run(["dvc", "exp", "show", "--json"], cwd=repo, capture_output=True, text=True, check=True,
                           env=dvc_environment())
    experiments = {exp["name"]: exp["revs"][0]["data"] for commit in json.loads(shown.stdout)
                   for exp in commit.get("experiments") or []}
    assert {"lr-high", "lr-low"} <= set(experiments)
    for name in ("lr-high", "lr-low"):
        review = experiments[name]["metrics"]["metrics/metrics.json"]["data"]
        assert 0 < review["tuned"] <= 1
    assert experiments["lr-high"]["params"]["params.yaml"]["data"]["train"]["learning_rate"] == 2e-4


def test_the_users_questions_rerun_only_the_evaluations_and_lead_the_review(repo, tmp_path):
    sh("dvc", "repro", cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", "before the questions file", cwd=repo)
    before = json.loads((repo / "metrics" / "metrics.json").read_text())
    assert before["test_set"] == "generated" and {"hybrid_tuned", "hybrid_base"} <= set(before)

    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["evaluate"]["questions_file"] = "data/questions/example.csv"
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    changed = sh("dvc", "repro", cwd=repo)
    assert set(re.findall(r"Running stage '([^']+)'", changed)) == {"evaluate_base", "evaluate_tuned"}
    assert "ndcg@10 on 20 of your questions (evaluate.questions_file)" in changed
    assert "generated test questions" in changed  # the generated split, beside
    review = json.loads((repo / "metrics" / "metrics.json").read_text())
    assert review["test_set"] == "questions_file" and review["test_questions"] == 20
    tuned = json.loads((repo / "metrics" / "tuned.json").read_text())
    assert tuned["generated_test"]["queries"] == before["test_questions"]
    diff = sh("dvc", "metrics", "diff", cwd=repo)
    assert re.search(r"metrics/metrics\.json\s+tuned\s", diff), diff
    assert re.search(r"metrics/metrics\.json\s+hybrid_tuned\s", diff), diff

    # Editing the questions file reruns the evaluations, nothing else.
    questions = repo / "data" / "questions" / "example.csv"
    questions.write_text("\n".join(questions.read_text().splitlines()[:-3]) + "\n")
    status = sh("dvc", "status", cwd=repo)
    assert "evaluate_base:" in status and "train:" not in status

    # The fine-tuned model carries its fusion: search is hybrid by default.
    found = subprocess.run(["embedtune", "search", "-k", "1", "How long are Harbor Cloud backups retained?"],
                           cwd=repo, capture_output=True, text=True,
                           env={**dvc_environment(), "EMBEDTUNE_CACHE": str(tmp_path)})
    assert found.returncode == 0, found.stderr
    assert "; hybrid (" in found.stderr and "harbor-administrator-guide.pdf" in found.stdout
