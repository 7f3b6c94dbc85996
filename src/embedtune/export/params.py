"""The `export` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field

from embedtune.common.params import Section

FORMATS = ("onnx", "onnx_int8")


class ExportParams(Section):
    """The fine-tuned model as ONNX, checked against PyTorch; off until formats lists one."""

    formats: list[Literal[FORMATS]] = Field([], description="Each format listed adds a stage export@<format>: "
                                            "onnx (fp32), onnx_int8 (dynamic int8 quantisation).")
    split: str = Field("test", description="The split whose texts the parity check encodes with both models.")
    output_dir: Path = Field(Path("models/onnx"), description="A folder per format under it: model.onnx, the "
                             "tokenizer, embedtune-onnx.json.")
    metrics_dir: Path = Field(Path("metrics"), description="Where export-<format>.json goes: parity, size, speed, "
                              "the headline metric of both.")
    opset: int = Field(17, ge=14, description="The ONNX opset.")
    min_mean_cosine: float = Field(0.99, gt=0, le=1, description="The stage fails when the exported embeddings' "
                                   "mean cosine similarity to PyTorch's falls below this.")
