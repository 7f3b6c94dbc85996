"""The `chunk` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from embedtune.common.params import Section


class ChunkParams(Section):
    """Elements into retrieval chunks, with langchain-text-splitters; a table is its own chunk."""

    report: Path = Field(Path("metrics/chunk.json"), description="Chunk counts and sizes; what the stage cost.")
    unit: Literal["characters", "tokens"] = Field("characters", description="What chunk_size and chunk_overlap "
                                                  "count: characters, or tokens of `tokenizer`.")
    chunk_size: PositiveInt = Field(800, description="The largest chunk, in `unit`s.")
    chunk_overlap: int = Field(120, ge=0, description="How much consecutive chunks of prose share, in `unit`s.")
    tokenizer: str = Field("sentence-transformers/all-MiniLM-L6-v2", description="The tokenizer that measures "
                           "`tokens`: the embedding model's own, so that no chunk is cut off by its maximum "
                           "sequence length.")
    drop_element_types: list[str] = Field(["Header", "Footer", "PageNumber", "PageBreak"],
                                          description="unstructured's element types left out of the chunks.")
    header: list[Literal["title", "section"]] = Field([], description="Written above each chunk's text wherever "
                                                      "it is embedded or indexed (training pairs, evaluation, "
                                                      "search): the document's title and the section heading the "
                                                      "chunk sits under (embedtune.chunking.header). The text, the "
                                                      "chunk ids and the generator's prompt stay as they are. On "
                                                      "four 10-Ks [title, section] lifted the fine-tuned model "
                                                      "+0.023 ndcg@10 at 384 (beyond the seeds' spread) and the "
                                                      "base model +0.019, but not the fine-tuned hybrid (0.740 "
                                                      "either way), and BM25 alone lost 0.008: worth it where the "
                                                      "dense model serves alone. []: the text alone.")

    @model_validator(mode="after")
    def _overlap_below_size(self):
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})"
            )
        return self
