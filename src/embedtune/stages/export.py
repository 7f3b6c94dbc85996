"""Stage `export@<format>` (only when export.formats lists the format): the fine-tuned model as
one ONNX graph in export.output_dir/<format>, with a parity check against the PyTorch model on
the test split: the mean cosine similarity of their embeddings (the stage fails below
export.min_mean_cosine) and the headline metric of both at every evaluate dimension, in
export.metrics_dir/export-<format>.json.

    python -m embedtune.stages.export onnx        # fp32
    python -m embedtune.stages.export onnx_int8   # dynamic int8 quantisation
"""

import argparse
import shutil
import time

import numpy as np
from datasets import load_from_disk

from embedtune.common.errors import StageError
from embedtune.common.jsonl import write_json
from embedtune.common.models import ModelParams, load_encoder
from embedtune.common.params import load_params
from embedtune.common.paths import load_paths
from embedtune.common.runtime import runtime
from embedtune.evaluation.params import EvaluateParams
from embedtune.evaluation.tasks import tasks_for
from embedtune.export.encoder import OnnxEncoder
from embedtune.export.onnx import export_onnx, quantise_int8
from embedtune.export.params import FORMATS, ExportParams
from embedtune.stages import run


def split_texts(dataset, split: str) -> list[str]:
    """Every distinct text of the split, in order: what the parity check encodes."""
    columns = [name for name, feature in dataset[split].features.items() if getattr(feature, "dtype", "") == "string"]
    return list(dict.fromkeys(text for column in columns for text in dataset[split][column]))


def timed_encode(encoder, texts: list[str], batch_size: int) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    embeddings = encoder.encode(texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=True)
    return embeddings, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("format", choices=FORMATS)
    target = parser.parse_args().format
    params = load_params("export", ExportParams)
    model_params = load_params("model", ModelParams)
    evaluate_params = load_params("evaluate", EvaluateParams)
    paths = load_paths()
    if not (paths.model / "config_sentence_transformers.json").exists():
        raise StageError(f"export: no fine-tuned model at {paths.model}; run `dvc repro train` first")
    dataset = load_from_disk(str(paths.dataset))
    if params.split not in dataset:
        raise StageError(f"export: the dataset has no {params.split} split (it has {', '.join(dataset)})")

    model = load_encoder(str(paths.model)).to("cpu")
    folder = params.output_dir / target
    shutil.rmtree(folder, ignore_errors=True)
    path = export_onnx(model, folder, params.opset, model_params.query_prompt, model_params.document_prompt)
    if target == "onnx_int8":
        quantise_int8(path)
    exported = OnnxEncoder(folder)

    texts = split_texts(dataset, params.split)
    reference, torch_seconds = timed_encode(model, texts, evaluate_params.batch_size)
    embeddings, onnx_seconds = timed_encode(exported, texts, evaluate_params.batch_size)
    cosine = (reference * embeddings).sum(axis=1) / (
        np.linalg.norm(reference, axis=1) * np.linalg.norm(embeddings, axis=1))

    task = tasks_for(dataset, params.split, model_params.query_prompt, model_params.document_prompt)[0]
    dims = [dim for dim in evaluate_params.dims if dim <= model.get_embedding_dimension()]
    by_dim = {"pytorch": task.measure(model, dims, evaluate_params.batch_size),
              target: task.measure(exported, dims, evaluate_params.batch_size)}
    report = {
        "format": target,
        "mean_cosine": round(float(cosine.mean()), 6),
        "min_cosine": round(float(cosine.min()), 6),
        "texts": len(texts),
        "size_mb": round(path.stat().st_size / 2**20, 1),
        "ms_per_text": {"pytorch": round(1000 * torch_seconds / len(texts), 2),
                        target: round(1000 * onnx_seconds / len(texts), 2)},
        "headline": task.headline,
        "dims": {str(dim): {name: metrics[dim][task.headline] for name, metrics in by_dim.items()} for dim in dims},
        "runtime": runtime(),
    }
    write_json(params.metrics_dir / f"export-{target}.json", report)
    print(f"export: {folder} ({report['size_mb']} MiB), embeddings vs PyTorch on {len(texts)} {params.split} texts: "
          f"mean cosine {report['mean_cosine']:.4f}, min {report['min_cosine']:.4f}")
    for dim, scores in report["dims"].items():
        print(f"  {task.headline} @{dim}: pytorch {scores['pytorch']:.4f}  {target} {scores[target]:.4f}")
    if report["mean_cosine"] < params.min_mean_cosine:
        raise StageError(f"export: {target} embeddings have mean cosine {report['mean_cosine']:.4f} with the PyTorch "
                         f"model's, below export.min_mean_cosine {params.min_mean_cosine}")


if __name__ == "__main__":
    run(main)
