"""The DVC pipeline, run by dvc itself in a temporary copy of the repository."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from llm_servers import ScriptedServer

pytestmark = pytest.mark.slow


def sh(*command: str, cwd: Path) -> str:
    env = {
        **os.environ,
        # dvc runs stages with `python`: the interpreter running these tests.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def llm():
    with ScriptedServer({"ok": ["ok"]}) as server:
        yield server


@pytest.fixture(scope="module")
def repo(tmp_path_factory, llm) -> Path:
    """The repository's tracked and new files (not its DVC outputs) in a fresh git repository,
    generating questions with a scripted OpenAI-compatible server on 127.0.0.1 and training one
    epoch, for speed."""
    copy = tmp_path_factory.mktemp("repo")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    params = yaml.safe_load((copy / "params.yaml").read_text())
    params["generate"].update(backend="openai")
    params["generate"]["openai"].update(base_url=llm.url("ok"), api_key_env=None, max_retries=0)
    params["train"].update(epochs=1)
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh("git", "init", "-q", cwd=copy)
    sh("git", "add", "-A", cwd=copy)
    sh("git", "commit", "-q", "-m", "copy", cwd=copy)
    return copy


def test_repro_twice_then_only_chunk_reruns_after_chunk_size_changes(repo):
    first = sh("dvc", "repro", cwd=repo)
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
    summary = yaml.safe_load((repo / "metrics" / "metrics.json").read_text())
    assert {"ndcg@10", "base_ndcg@10", "gain", "bm25_ndcg@10"} <= set(summary)
    assert "Running stage" in first or "up to date" in first
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", "trained", cwd=repo)

    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"]["learning_rate"] = 5e-4
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    changed = sh("dvc", "repro", cwd=repo)
    assert set(re.findall(r"Running stage '([^']+)'", changed)) == {"train", "evaluate_tuned"}
    diff = sh("dvc", "metrics", "diff", cwd=repo)
    assert re.search(r"metrics/metrics\.json\s+ndcg@10\s", diff), diff
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
