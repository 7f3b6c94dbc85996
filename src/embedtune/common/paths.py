"""The `paths` section of params.yaml: what one stage writes and the next reads, each defined once.

dvc.yaml names them as ${paths.<name>} in the writing stage's outs and the reading stages' deps,
and every stage reads them from here, so a stage's output and the next stage's input cannot disagree.
"""

from pathlib import Path

from pydantic import Field

from embedtune.common.params import Section, load_params


class Paths(Section):
    """What one stage writes and the next reads, each defined once; dvc.yaml names them `${paths.<name>}`."""

    extracted: Path = Field(Path("data/extracted"), description="extract → chunk: one JSONL of elements per document.")
    chunks: Path = Field(Path("data/chunks.jsonl"), description="chunk → generate, dataset, evaluate: the corpus.")
    questions: Path = Field(Path("data/questions.jsonl"), description="generate → dataset: the generated questions.")
    dataset: Path = Field(Path("data/dataset"), description="dataset → evaluate, train, export: the DatasetDict.")
    model: Path = Field(Path("models/embedtune"), description="train → evaluate_tuned, export, search: the "
                                                               "fine-tuned model.")


def load_paths() -> Paths:
    return load_params("paths", Paths)
