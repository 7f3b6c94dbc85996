"""The `dataset` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from embedtune.common.params import Section


class Columns(Section):
    """The labelled file's column for each role of embedtune.dataset.formats.FORMATS."""

    anchor: str = "question"
    positive: str = "context"
    negative: str = "negative"
    sentence1: str = "sentence1"
    sentence2: str = "sentence2"
    score: str = "score"
    text: str = "text"
    label: str = "label"


class HardNegatives(Section):
    """Mined negatives for the training questions (pairs only): embedtune.dataset.negatives."""

    count: int = Field(default=0, ge=0)  # negatives per question, a training row each; 0: off
    relative_margin: float = Field(default=0.05, ge=0, lt=1)  # skip passages scoring within 5% of the positive
    range_max: int = Field(default=50, gt=0)  # among the base model's nearest passages
    batch_size: int = Field(default=32, gt=0)
    seed: int = 42  # the random negative of a question that has no mined one


class DatasetParams(Section):
    report: Path = Path("metrics/dataset.json")
    test_size: float = Field(default=0.2, gt=0, lt=1)
    validation_size: float = Field(default=0.1, ge=0, lt=1)
    seed: int = 42
    # A user's own labelled data (CSV, JSONL or Parquet) instead of the generated questions.
    labelled_file: Path | None = None
    format: Literal["auto", "pairs", "triplets", "scored_pairs", "labelled_texts"] = "auto"
    columns: Columns = Columns()
    hard_negatives: HardNegatives = HardNegatives()

    @model_validator(mode="after")
    def _room_for_training(self):
        if self.test_size + self.validation_size >= 1:
            raise ValueError(
                f"test_size + validation_size ({self.test_size} + {self.validation_size}) must leave room for training"
            )
        return self
