"""The `train` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt, field_validator, model_validator

from embedtune.common.params import Section

LOSSES = (
    "MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss", "TripletLoss",
    "CoSENTLoss", "CosineSimilarityLoss", "ContrastiveLoss", "BatchAllTripletLoss", "BatchHardTripletLoss",
)


class TrainParams(Section):
    # Checkpoints of a run in progress, one folder per (params, data): an interrupted run resumes
    # from its last checkpoint. Not a DVC output, so DVC does not delete it before the rerun.
    checkpoints_dir: Path = Path("models/checkpoints")
    keep_checkpoints: bool = False
    curves_dir: Path = Path("metrics/train-curves")
    report: Path = Path("metrics/train.json")
    loss: Literal[LOSSES] = "MultipleNegativesRankingLoss"
    mini_batch_size: PositiveInt = 16  # CachedMultipleNegativesRankingLoss: texts per forward pass
    # ContrastiveLoss on scored pairs: a score at or above the threshold is a similar pair.
    contrastive_threshold: float = Field(default=0.5, gt=0, lt=1)
    contrastive_margin: PositiveFloat = 0.5
    matryoshka_dims: list[PositiveInt] = [384, 256, 128, 64]  # empty: the loss at full dimension only
    epochs: PositiveFloat = 8
    batch_size: PositiveInt = 16
    learning_rate: PositiveFloat = 5e-5
    warmup_ratio: float = Field(default=0.1, ge=0, lt=1)
    weight_decay: float = Field(default=0.0, ge=0)
    seed: int = 42
    eval_strategy: Literal["epoch", "steps"] = "epoch"  # checkpoints are saved on the same schedule
    eval_steps: PositiveInt | None = None
    logging_steps: PositiveInt = 1
    save_total_limit: PositiveInt = 2
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"  # auto: fp32 on CPU, bf16 (else fp16) on a GPU
    # Processes (DDP under torchrun): one per GPU, or CPU processes. batch_size is the global
    # batch, batch_size / nproc per process, in-batch negatives gathered across processes.
    nproc: PositiveInt = 1

    @field_validator("matryoshka_dims")
    @classmethod
    def _largest_first(cls, dims: list[int]) -> list[int]:
        return sorted(set(dims), reverse=True)

    @model_validator(mode="after")
    def _steps_need_a_number(self):
        if self.eval_strategy == "steps" and self.eval_steps is None:
            raise ValueError("eval_strategy 'steps' needs eval_steps")
        return self

    @model_validator(mode="after")
    def _batch_splits_over_processes(self):
        if self.batch_size % self.nproc:
            raise ValueError(f"batch_size {self.batch_size} does not split over nproc {self.nproc} processes")
        return self
