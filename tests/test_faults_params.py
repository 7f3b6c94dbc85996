"""Fault family params: unknown keys, wrong types, negative sizes, chunk_overlap >= chunk_size,
Matryoshka dimensions beyond the model's. Each is refused before any work, naming the key."""

import pytest
import yaml

from conftest import dataset_workspace, run_stage, write_params


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, chunked_default):
    """Chunks, questions and a dataset: every stage has its inputs, so only the params can stop it."""
    return dataset_workspace(tmp_path_factory.mktemp("params"), chunked_default)


def outputs(root) -> dict:
    return {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file() and path.name != "params.yaml"}


@pytest.mark.parametrize(("stage", "sections", "message"), [
    ("chunk", {"chunk": {"chunk_sise": 500}}, "chunk.chunk_sise: Extra inputs are not permitted"),
    ("generate", {"generate": {"temprature": 0.2}}, "generate.temprature: Extra inputs are not permitted"),
    ("chunk", {"chunk": {"chunk_size": "large"}}, "chunk.chunk_size: Input should be a valid integer"),
    ("chunk", {"chunk": {"unit": "words"}}, "chunk.unit: Input should be 'characters' or 'tokens'"),
    ("chunk", {"chunk": {"chunk_size": -5}}, "chunk.chunk_size: Input should be greater than 0"),
    ("extract", {"extract": {"workers": -1}}, "extract.workers: Input should be greater than 0"),
    ("dataset", {"dataset": {"test_size": -0.1}}, "dataset.test_size: Input should be greater than 0"),
    ("evaluate", {"evaluate": {"batch_size": 0}}, "evaluate.batch_size: Input should be greater than 0"),
    ("chunk", {"chunk": {"chunk_overlap": 800}},
     "chunk: Value error, chunk_overlap (800) must be smaller than chunk_size (800)"),
    ("train", {"train": {"matryoshka_dims": [512, 64]}}, "train.matryoshka_dims: 512 exceeds the 384 dimensions"),
    ("evaluate", {"evaluate": {"dims": [768, 64]}}, "evaluate.dims: [768] exceed the 384 dimensions"),
], ids=["unknown key", "unknown key generate", "wrong type", "wrong choice", "negative size", "negative workers",
        "negative share", "zero batch", "overlap >= size", "matryoshka dims", "evaluate dims"])
def test_bad_params_are_refused_before_any_work_naming_the_key(workspace, stage, sections, message):
    write_params(workspace, **sections)
    before = outputs(workspace)
    failed = run_stage(stage, workspace, check=False)
    assert failed.returncode != 0
    assert message in failed.stderr, failed.stderr
    assert "Traceback" not in failed.stderr
    assert outputs(workspace) == before


def test_a_misspelt_section_is_refused(workspace):
    params = yaml.safe_load(write_params(workspace).read_text())
    params["trian"] = {"epochs": 2}
    (workspace / "params.yaml").write_text(yaml.safe_dump(params))
    failed = run_stage("chunk", workspace, check=False)
    assert failed.returncode != 0
    assert "params.yaml: unknown section 'trian'; the sections are paths, extract, chunk," in failed.stderr
