"""params.yaml: one validated section per stage, rejected before any work with the key named."""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, model_validator

PARAMS_FILE = Path("params.yaml")


class ParamsError(ValueError):
    pass


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExtractParams(_Section):
    corpus_dir: Path = Path("data/pdfs")
    output_dir: Path = Path("data/extracted")
    report: Path = Path("metrics/extract.json")
    # fast: pdfminer text layer, runs anywhere. hi_res/auto need unstructured's layout
    # model from the Hugging Face hub; ocr_only needs tesseract.
    strategy: Literal["fast", "hi_res", "auto", "ocr_only"] = "fast"
    tables: bool = True
    languages: list[str] = ["eng"]
    workers: PositiveInt = 2
    pages_per_task: PositiveInt = 8


class ChunkParams(_Section):
    extracted_dir: Path = Path("data/extracted")
    output: Path = Path("data/chunks.jsonl")
    report: Path = Path("metrics/chunk.json")
    unit: Literal["characters", "tokens"] = "characters"
    chunk_size: PositiveInt = 800
    chunk_overlap: int = Field(default=120, ge=0)
    # Tokenizer that measures `tokens`: the embedding model's own, so that no chunk
    # is cut off by its max sequence length.
    tokenizer: str = "sentence-transformers/all-MiniLM-L6-v2"
    drop_element_types: list[str] = ["Header", "Footer", "PageNumber", "PageBreak"]

    @model_validator(mode="after")
    def _overlap_below_size(self):
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})"
            )
        return self


SECTIONS = {"extract": ExtractParams, "chunk": ChunkParams}


def load_params(section: str, path: Path = PARAMS_FILE):
    """The validated `section` of params.yaml; a ParamsError names the offending key."""
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path} not found: run stages from the repository root")
    data = yaml.safe_load(path.read_text()) or {}
    try:
        return SECTIONS[section].model_validate(data.get(section) or {})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join([section, *map(str, e['loc'])])}: {e['msg']}" for e in error.errors()
        )
        raise ParamsError(f"{path}: {problems}") from None
