"""The `evaluate` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, field_validator

from embedtune.common.params import Section


class HybridParams(Section):
    """The fusions of BM25 and dense scores tried on the validation split (embedtune.evaluation.hybrid)."""

    fusions: list[Literal["rrf", "convex"]] = Field(default=["rrf", "convex"], min_length=1)
    # The dense side's weight; LLM-written validation questions flatter BM25, so none below 0.5 by default.
    dense_weights: list[float] = Field(default=[0.5, 0.6, 0.7, 0.8, 0.9], min_length=1)
    rrf_k: PositiveInt = 60
    # Fewer validation questions than this: plain reciprocal-rank fusion, not a chosen weight.
    min_validation_questions: PositiveInt = 30

    @field_validator("dense_weights")
    @classmethod
    def _weights_in_unit_interval(cls, weights: list[float]) -> list[float]:
        if any(not 0 <= weight <= 1 for weight in weights):
            raise ValueError(f"weights must lie in [0, 1], got {weights}")
        return weights


class QuestionColumns(Section):
    """The questions file's column for each role (embedtune.evaluation.questions_file)."""

    question: str = "question"
    context: str = "context"  # the answering text, as in the documents
    file: str = "file"  # or the file name and its page(s)
    page: str = "page"


class EvaluateParams(Section):
    split: str = "test"
    dims: list[PositiveInt] = Field(default=[384, 256, 128, 64], min_length=1)
    batch_size: PositiveInt = 32
    baseline_report: Path = Path("metrics/baseline.json")  # the base model's full table
    tuned_report: Path = Path("metrics/tuned.json")  # the fine-tuned model's full table
    # For review (`dvc metrics show`, `dvc metrics diff`): base, fine-tuned, BM25 and hybrid at full dimension
    # with the corpus's counts; the same scores at each other dimension, a file per dimension.
    report: Path = Path("metrics/metrics.json")
    report_by_dim: Path = Path("metrics/by-dim")
    plot: Path = Path("metrics/ndcg-by-dim.json")  # ndcg@10 per dimension, base vs fine-tuned, for dvc plots
    # The user's own questions (CSV, JSONL, Parquet), test-only: when given, the headline is on them.
    questions_file: Path | None = None
    questions_dir: Path = Path("data/questions")  # where questions files live: dvc.yaml tracks this folder
    columns: QuestionColumns = QuestionColumns()
    hybrid: HybridParams = HybridParams()

    @field_validator("dims")
    @classmethod
    def _largest_first(cls, dims: list[int]) -> list[int]:
        return sorted(set(dims), reverse=True)
