"""How chunk sizes are measured: characters, or tokens of the embedding model's tokenizer."""

import json
from collections.abc import Callable
from pathlib import Path

from embedtune.chunking.params import ChunkParams
from embedtune.common.models import resolve_model
from embedtune.common.params import ParamsError


def length_function(params: ChunkParams) -> Callable[[str], int]:
    if params.unit == "characters":
        return len
    from transformers import AutoTokenizer

    path = resolve_model(params.tokenizer)
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    # The model sees at most max_seq_length tokens, its special tokens included.
    limit = max_sequence_length(path, tokenizer) - tokenizer.num_special_tokens_to_add()
    if params.chunk_size > limit:
        raise ParamsError(
            f"params.yaml: chunk.chunk_size: {params.chunk_size} tokens exceeds what {params.tokenizer} "
            f"reads ({limit} tokens besides its special tokens); lower it to {limit} or less"
        )
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False))


def max_sequence_length(path: str, tokenizer) -> int:
    """The sentence-transformers limit where the model has one, else the tokenizer's."""
    config = Path(path) / "sentence_bert_config.json"
    if config.exists():
        return json.loads(config.read_text())["max_seq_length"]
    return tokenizer.model_max_length
