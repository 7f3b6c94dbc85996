"""Fault family secrets: an API key in the environment during a whole pipeline run is used, and
written nowhere: not in params, dvc.lock, logs, metrics, the model card, the DVC cache or any
other file the run wrote."""

import pytest

from conftest import PIPELINE_API_KEY, sh

pytestmark = pytest.mark.slow


def test_the_api_key_of_a_full_run_is_in_no_file_it_wrote(repo, llm):
    # The scripted endpoint answers only with the key: questions were generated, so it was sent.
    assert llm.authorizations and set(llm.authorizations) == {f"Bearer {PIPELINE_API_KEY}"}
    output = (repo.parent / "first-repro.log").read_text() + sh("dvc", "repro", cwd=repo)
    assert (repo / "data" / "questions.jsonl").stat().st_size > 0
    assert PIPELINE_API_KEY not in output
    secret = PIPELINE_API_KEY.encode()
    written = [path for path in repo.rglob("*") if path.is_file() and ".git" not in path.relative_to(repo).parts]
    assert len(written) > 50  # the DVC cache, data, model, metrics, curves, params, dvc.lock
    assert [path for path in written if secret in path.read_bytes()] == []
