"""The `export` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field

from embedtune.common.params import Section

FORMATS = ("onnx", "onnx_int8")


class ExportParams(Section):
    # Off by default: each format listed adds a stage export@<format> to the pipeline.
    formats: list[Literal[FORMATS]] = []  # onnx (fp32) | onnx_int8 (dynamic int8 quantisation)
    split: str = "test"  # whose texts the parity check encodes with both models
    output_dir: Path = Path("models/onnx")  # a folder per format under it
    metrics_dir: Path = Path("metrics")  # export-<format>.json
    opset: int = Field(default=17, ge=14)
    # The exported model's embeddings against the PyTorch model's: the stage fails below this
    # mean cosine similarity over the split's texts.
    min_mean_cosine: float = Field(default=0.99, gt=0, le=1)
