"""The `dataset` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from embedtune.common.params import Section


class Columns(Section):
    """The labelled file's column for each role of embedtune.dataset.formats.FORMATS."""

    anchor: str = Field("question", description="pairs, triplets: the query.")
    positive: str = Field("context", description="pairs, triplets: the passage that answers it.")
    negative: str = Field("negative", description="triplets: a passage that does not.")
    sentence1: str = Field("sentence1", description="scored_pairs: the first text.")
    sentence2: str = Field("sentence2", description="scored_pairs: the second text.")
    score: str = Field("score", description="scored_pairs: their similarity, in [0, 1].")
    text: str = Field("text", description="labelled_texts: the text.")
    label: str = Field("label", description="labelled_texts: its class.")


class HardNegatives(Section):
    """Negatives mined with the base model for the training questions (pairs only)."""

    count: int = Field(0, ge=0, description="Negatives per question, a training row each; 0: off (1 scored lower "
                       "on a 10-K).")
    relative_margin: float = Field(0.05, ge=0, lt=1, description="Skip passages scoring within this share of the "
                                   "question's own passage: likely answers too.")
    range_max: int = Field(50, gt=0, description="Mine among the base model's this many nearest passages.")
    batch_size: int = Field(32, gt=0, description="Encoding batch size.")
    seed: int = Field(42, description="The seed of the random negative of a question with none outside the "
                      "margin.")


class DatasetParams(Section):
    """(question, chunk) pairs, or the user's labelled data, into a Hugging Face DatasetDict split by chunk."""

    report: Path = Field(Path("metrics/dataset.json"), description="Rows and groups per split; what the stage "
                         "cost.")
    test_size: float = Field(0.2, gt=0, lt=1, description="The test split's share of the chunks with questions "
                             "(the split is by chunk: no chunk in two splits).")
    validation_size: float = Field(0.1, ge=0, lt=1, description="The validation split's share: it picks the best "
                                   "checkpoint and the hybrid fusion. Where up to twice this share reaches "
                                   "evaluate.hybrid.min_validation_questions, validation takes that many.")
    seed: int = Field(42, description="The seed of the split.")
    labelled_file: Path | None = Field(None, description="Your own labelled data (CSV, TSV, JSONL, Parquet; as "
                                       "evaluate.questions_file) instead of "
                                       "the generated questions.")
    format: Literal["auto", "pairs", "triplets", "scored_pairs", "labelled_texts"] = Field(
        "auto", description="The labelled file's format; auto: from its columns.")
    columns: Columns = Columns()
    hard_negatives: HardNegatives = HardNegatives()

    @model_validator(mode="after")
    def _room_for_training(self):
        if self.test_size + self.validation_size >= 1:
            raise ValueError(
                f"test_size + validation_size ({self.test_size} + {self.validation_size}) must leave room for training"
            )
        return self
