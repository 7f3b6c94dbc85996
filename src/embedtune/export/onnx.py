"""Exporting a sentence-transformers model to one ONNX graph (transformer, pooling, normalisation:
token ids in, sentence embedding out) and quantising it.

torch.onnx's exporter and onnxruntime's quantiser are used directly: sentence-transformers'
export helpers need optimum-onnx, which pins transformers below 5.
"""

import json
from pathlib import Path

import torch

from embedtune.export.encoder import SETTINGS

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class _Embedding(torch.nn.Module):
    """The model's modules as one function of the token tensors, which the exporter traces."""

    def __init__(self, model, inputs: list[str]):
        super().__init__()
        self.model, self.inputs = model, inputs

    def forward(self, *tensors):
        return self.model(dict(zip(self.inputs, tensors, strict=True)))["sentence_embedding"]


def export_onnx(model, folder: Path, opset: int, query_prompt: str, document_prompt: str) -> Path:
    """model.onnx, the tokenizer and the settings an encoder needs (prompts, maximum length) in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    model = model.to("cpu").eval()
    sample = model.tokenize(["a sample sentence to trace the graph", "a second one"])
    inputs = [name for name in INPUTS if name in sample]
    path = folder / "model.onnx"
    with torch.no_grad():
        torch.onnx.export(
            _Embedding(model, inputs), tuple(sample[name] for name in inputs), str(path),
            input_names=inputs, output_names=["sentence_embedding"], opset_version=opset, dynamo=False,
            dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in inputs}, "sentence_embedding": {0: "batch"}},
        )
    model.tokenizer.save_pretrained(str(folder))
    settings = {"inputs": inputs, "max_seq_length": model.max_seq_length,
                "dimension": model.get_embedding_dimension(),
                "query_prompt": query_prompt, "document_prompt": document_prompt}
    (folder / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n")
    return path


def quantise_int8(path: Path) -> None:
    """Replace the model with its dynamically quantised int8 version (weights int8 per channel,
    activations quantised at run time); per-channel scales keep MiniLM's embeddings within about
    0.99 cosine of fp32, per-tensor ones only about 0.95."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantised = path.with_name("model.int8.onnx")
    quantize_dynamic(str(path), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
    quantised.replace(path)
