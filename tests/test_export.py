"""The export stage: the fine-tuned model as ONNX (fp32 and int8) with its parity check, and the
stage's absence from the pipeline until a format is asked for."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from conftest import REPO, TRAIN, run_stage, write_params
from embedtune.common.models import load_encoder
from embedtune.export.encoder import OnnxEncoder

pytestmark = pytest.mark.slow


def test_onnx_embeds_as_the_pytorch_model_does(trained):
    result = run_stage("export", trained, args=("onnx",))
    report = json.loads((trained / "metrics" / "export-onnx.json").read_text())
    assert report["mean_cosine"] > 0.9999 and report["min_cosine"] > 0.9999
    for scores in report["dims"].values():
        assert scores["onnx"] == pytest.approx(scores["pytorch"], abs=1e-4)
    assert "mean cosine 1.0000" in result.stdout

    # The folder alone (onnxruntime and tokenizers, no PyTorch model) embeds a prompted query as
    # sentence-transformers does.
    folder = trained / "models" / "onnx" / "onnx"
    assert {"model.onnx", "tokenizer.json", "embedtune-onnx.json"} <= {path.name for path in folder.iterdir()}
    texts = ["What warranty covers the drive motor?", "A much longer passage. " * 200]
    exported = OnnxEncoder(folder).encode(texts, prompt="query: ")
    reference = load_encoder(str(trained / "models" / "embedtune")).encode(texts, prompt="query: ")
    assert exported.shape == reference.shape == (2, 384)
    assert np.abs(exported - reference).max() < 1e-4  # the 4,800-token passage is truncated alike


def test_int8_is_smaller_and_its_drift_is_checked(trained):
    write_params(trained, train=TRAIN, export={"min_mean_cosine": 1.0})
    failed = run_stage("export", trained, check=False, args=("onnx_int8",))
    report = json.loads((trained / "metrics" / "export-onnx_int8.json").read_text())
    assert failed.returncode != 0
    assert f"onnx_int8 embeddings have mean cosine {report['mean_cosine']:.4f}" in failed.stderr
    assert "below export.min_mean_cosine 1.0" in failed.stderr
    # What the default threshold asks of per-channel int8 weights, at a quarter of the size.
    assert report["mean_cosine"] >= 0.99
    fp32 = (trained / "models" / "embedtune" / "model.safetensors").stat().st_size
    assert (trained / "models" / "onnx" / "onnx_int8" / "model.onnx").stat().st_size < 0.3 * fp32


def test_the_export_stage_exists_only_when_a_format_is_listed(tmp_path):
    shutil.copy(REPO / "dvc.yaml", tmp_path / "dvc.yaml")
    subprocess.run(["dvc", "init", "--no-scm", "-q"], cwd=tmp_path, check=True)

    def stages() -> list[str]:
        listed = subprocess.run(["dvc", "stage", "list", "--name-only"], cwd=tmp_path, check=True,
                                capture_output=True, text=True)
        return listed.stdout.split()

    write_params(tmp_path)
    assert "train" in stages() and not [name for name in stages() if name.startswith("export")]
    write_params(tmp_path, export={"formats": ["onnx", "onnx_int8"]})
    assert [name for name in stages() if name.startswith("export")] == ["export@onnx", "export@onnx_int8"]
