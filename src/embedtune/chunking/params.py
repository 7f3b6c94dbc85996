"""The `chunk` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from embedtune.common.params import Section


class ChunkParams(Section):
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
