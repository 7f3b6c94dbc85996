"""The question writers: each has an identity (what the cache is keyed on) and opens a session
that answers batches of chat messages (`batch_size` at a time, `concurrency` batches in flight).
Sessions start only when some chunk is not in the cache, so a rerun with nothing to do loads no
model and calls no endpoint."""

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from embedtune.common.hashing import file_sha256
from embedtune.common.precision import cpu_has_native_bfloat16
from embedtune.generation.checkpoint import known_checkpoint
from embedtune.generation.client import ChatClient
from embedtune.generation.gguf import KNOWN_MODELS, require_file, verified_gguf
from embedtune.generation.llama_server import LlamaServer
from embedtune.generation.machine_lock import local_llm_lock
from embedtune.generation.params import GenerateParams

# A batch of chats in, one reply each out ("" where the model wrote nothing).
Complete = Callable[[list[list[dict]]], list[str]]


def one_at_a_time(client: ChatClient, **sampling) -> Complete:
    """An endpoint's client as a Complete for batches of one: the endpoint does its own batching."""

    def complete(batch: list[list[dict]]) -> list[str]:
        (messages,) = batch
        return [client.complete(messages, **sampling)]

    return complete


class LlamaCppBackend:
    """A GGUF instruct model on the CPU: xllamacpp's llama.cpp server on a loopback port,
    spoken to with the same OpenAI-compatible client as any remote endpoint."""

    def __init__(self, params: GenerateParams):
        self.params = params
        settings = params.llamacpp
        # Known models and files given with a sha256 are verified when loaded; for other files
        # the hash taken here keys the cache on their content.
        self._hashed_here = settings.model not in KNOWN_MODELS and not settings.sha256
        if settings.model in KNOWN_MODELS:
            self.sha256 = KNOWN_MODELS[settings.model][2]
        else:
            self.sha256 = settings.sha256 or file_sha256(require_file(settings.model))
        name = os.path.basename(settings.model)
        self.identity = {"backend": "llamacpp", "model": name, "sha256": self.sha256}
        self.concurrency = settings.parallel
        self.batch_size = 1
        self.local_llm = None  # how long the session waited for, then held, the machine's local LLM

    @contextmanager
    def session(self) -> Iterator[Complete]:
        settings = self.params.llamacpp
        path = require_file(settings.model) if self._hashed_here else verified_gguf(settings.model, self.sha256)
        threads = os.cpu_count() if settings.threads == "auto" else settings.threads
        # Every core, at a lower priority: the machine stays responsive, the model gets the idle cycles.
        os.nice(settings.nice)
        with LlamaServer(path, threads, settings.parallel, settings.context, purpose="generate") as server:
            self.local_llm = server.holding
            client = ChatClient(server.url, self.identity["model"], timeout_s=settings.timeout_s, max_retries=1)
            sampling = _sampling(self.params)
            if self.params.questions_per_chunk == 1:
                # Small models go on writing more questions than asked; each costs time.
                sampling["stop"] = ["\n"]
            try:
                yield one_at_a_time(client, **sampling)
            finally:
                client.close()


class OpenAIBackend:
    """Any OpenAI-compatible chat-completions endpoint: vLLM, NVIDIA NIM, Ollama, OpenAI."""

    def __init__(self, params: GenerateParams):
        self.params = params
        self.identity = {"backend": "openai", "model": params.openai.model}
        self.concurrency = params.openai.concurrency
        self.batch_size = 1

    @contextmanager
    def session(self) -> Iterator[Complete]:
        settings = self.params.openai
        api_key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
        client = ChatClient(settings.base_url, settings.model, api_key=api_key, timeout_s=settings.timeout_s,
                            max_retries=settings.max_retries, backoff_s=settings.backoff_s,
                            api_key_env=settings.api_key_env)
        try:
            yield one_at_a_time(client, **_sampling(self.params))
        finally:
            client.close()


class TransformersBackend:
    """A causal LM with its chat template (the original recipe's route), run in-process on a GPU
    where present, else on the CPU: a known model is the GGUF file the llamacpp backend loads,
    dequantized (embedtune.generation.checkpoint). One forward pass writes for a whole batch of
    chunks, which keeps a CPU's matrix units busy where llama.cpp writes for one chunk at a time
    (docs/stages.md: the measurements)."""

    def __init__(self, params: GenerateParams):
        self.params = params
        settings = params.transformers
        self.identity = {"backend": "transformers", "model": settings.model, "gguf_file": settings.gguf_file}
        if settings.model in KNOWN_MODELS:
            self.identity["sha256"] = KNOWN_MODELS[settings.model][2]
        self.concurrency = 1
        self.batch_size = settings.batch_size
        self.local_llm = None

    @contextmanager
    def session(self) -> Iterator[Complete]:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        settings = self.params.transformers
        device = settings.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = _dtype(settings.dtype, device)
        with ExitStack() as held:
            if device == "cpu":
                # Every core, like a llama.cpp server: one local LLM per machine at a time.
                self.local_llm = held.enter_context(local_llm_lock("generate"))
            if settings.model in KNOWN_MODELS:
                folder, gguf = known_checkpoint(settings.model, dtype), {}
            else:
                folder, gguf = settings.model, {"gguf_file": settings.gguf_file} if settings.gguf_file else {}
            # No code from the model's repository; weights from safetensors (or the GGUF file), never pickles.
            tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False, **gguf)
            tokenizer.padding_side = "left"  # a batch's replies all start where its longest prompt ends
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, trust_remote_code=False,
                                                         **(gguf or {"use_safetensors": True})).to(device).eval()
            sampling = {"do_sample": self.params.temperature > 0, "max_new_tokens": self.params.max_tokens}
            if self.params.temperature > 0:
                sampling["temperature"] = self.params.temperature
            pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

            def complete(batch: list[list[dict]]) -> list[str]:
                inputs = tokenizer.apply_chat_template(batch, add_generation_prompt=True, padding=True,
                                                       return_tensors="pt", return_dict=True).to(device)
                torch.manual_seed(self.params.seed)
                with torch.inference_mode():
                    output = model.generate(**inputs, **sampling, pad_token_id=pad)
                return tokenizer.batch_decode(output[:, inputs["input_ids"].shape[1]:], skip_special_tokens=True)

            yield complete


def _dtype(name: str, device: str):
    import torch

    if name != "auto":
        return getattr(torch, name)
    if device == "cuda":
        return torch.bfloat16
    return torch.bfloat16 if cpu_has_native_bfloat16() else torch.float32


BACKENDS = {"llamacpp": LlamaCppBackend, "openai": OpenAIBackend, "transformers": TransformersBackend}


def open_backend(params: GenerateParams):
    return BACKENDS[params.backend](params)


def _sampling(params: GenerateParams) -> dict:
    return {"temperature": params.temperature, "max_tokens": params.max_tokens, "seed": params.seed}
