"""`embedtune search`: the console script, on the default corpus's chunks."""

import os
import subprocess
import sys
from pathlib import Path

EMBEDTUNE = Path(sys.executable).parent / "embedtune"
QUESTION = "What does a VD-480 drive motor cost at annual volumes up to 8,000 units?"


def search(workdir: Path, *args: str, cache: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(EMBEDTUNE), "search", *args], cwd=workdir, input=stdin, capture_output=True,
                          text=True, env={**os.environ, "EMBEDTUNE_CACHE": str(cache)})


def test_search_finds_the_price_table_and_caches_the_corpus_index(chunked_default, tmp_path):
    first = search(chunked_default, "--model", "base", "-k", "3", QUESTION, cache=tmp_path)
    assert first.returncode == 0, first.stderr
    hits = [line for line in first.stdout.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert len(hits) == 3 and "veltro-master-supply-agreement.pdf p. " in hits[0]
    assert "index: 93 chunks, encoded" in first.stderr
    assert len(list((tmp_path / "index").glob("*.npy"))) == 1

    again = search(chunked_default, "--model", "base", "-k", "3", QUESTION, cache=tmp_path)
    assert "index: 93 chunks, cached" in again.stderr
    assert again.stdout.splitlines()[:-1] == first.stdout.splitlines()[:-1]  # all but the timing line


def test_questions_from_stdin_reuse_one_index(chunked_default, tmp_path):
    result = search(chunked_default, "--model", "base", "-k", "1", cache=tmp_path,
                    stdin=f"{QUESTION}\n\nWhich roles does Harbor have?\n")
    assert result.returncode == 0, result.stderr
    timings = [line for line in result.stdout.splitlines() if line.startswith("(") and line.endswith(" ms)")]
    assert len(timings) == 2 and result.stderr.count("index:") == 1


def test_without_a_fine_tuned_model_it_says_what_to_do(chunked_default, tmp_path):
    result = search(chunked_default, QUESTION, cache=tmp_path)
    assert result.returncode != 0
    assert "no fine-tuned model at models/embedtune; run `dvc repro`" in result.stderr
    assert "--model base" in result.stderr
