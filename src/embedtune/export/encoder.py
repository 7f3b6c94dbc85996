"""Encoding with an exported folder through onnxruntime and tokenizers: no PyTorch needed."""

import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

SETTINGS = "embedtune-onnx.json"  # inputs, maximum length, dimension, prompts


class OnnxEncoder:
    """Encodes texts with an exported folder; `encode` takes the arguments the evaluation tasks
    pass to a SentenceTransformer, so both are measured by the same code."""

    def __init__(self, folder: Path):
        import onnxruntime
        from tokenizers import Tokenizer

        self.settings = json.loads((folder / SETTINGS).read_text())
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.settings["max_seq_length"])
        self.tokenizer.enable_padding()

    def encode(self, texts: list[str], prompt: str | None = None, batch_size: int = 32,
               convert_to_numpy: bool = True, show_progress_bar: bool = False) -> np.ndarray:
        # Longest first, as sentence-transformers does: batches of like lengths carry little padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = []
        for start in tqdm(range(0, len(texts), batch_size), desc="onnx batches", disable=not show_progress_bar):
            batch = [(prompt or "") + texts[i] for i in order[start:start + batch_size]]
            encodings = self.tokenizer.encode_batch(batch)
            feed = {"input_ids": [e.ids for e in encodings], "attention_mask": [e.attention_mask for e in encodings],
                    "token_type_ids": [e.type_ids for e in encodings]}
            batches.append(self.session.run(None, {name: np.array(feed[name], dtype=np.int64)
                                                   for name in self.settings["inputs"]})[0])
        embeddings = np.zeros((len(texts), self.settings["dimension"]), dtype=np.float32)
        if batches:
            embeddings[order] = np.concatenate(batches)
        return embeddings
