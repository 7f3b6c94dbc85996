"""`embedtune search`: the chunks of the corpus nearest a question, with file, pages and score.

    embedtune search "What was revenue in fiscal 2025?"   # the fine-tuned model (train.output_dir)
    embedtune search --model base -k 10 "..."             # the base model (model.base_model)
    embedtune search                                      # one question per line, until end of input

The corpus embeddings are cached (EMBEDTUNE_CACHE, default ~/.cache/embedtune, under index/) by
the hash of the model's weights, the chunks file and the document prompt: only the first search
after one of those changes encodes the corpus; the others encode just the question.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from embedtune.chunking.params import ChunkParams
from embedtune.errors import StageError
from embedtune.evaluation.encoder import load_encoder
from embedtune.evaluation.params import ModelParams
from embedtune.evaluation.retrieval import normalised
from embedtune.generation.gguf import cache_dir
from embedtune.hashing import file_digest, params_digest
from embedtune.jsonl import read_jsonl
from embedtune.models import resolve_model
from embedtune.params import load_params
from embedtune.training.params import TrainParams


class Index:
    def __init__(self, model_name: str, chunks_file: Path, model: ModelParams):
        if not chunks_file.exists():
            raise StageError(f"search: no chunks at {chunks_file}; run `dvc repro chunk` (or `dvc pull`) first")
        self.chunks = list(read_jsonl(chunks_file))
        self.encoder = load_encoder(model_name)
        self.query_prompt = model.query_prompt
        weights = sorted(Path(resolve_model(model_name)).glob("*.safetensors"))
        key = params_digest({"weights": [file_digest(path) for path in weights], "chunks": file_digest(chunks_file),
                             "document_prompt": model.document_prompt, "model": model_name})
        path = cache_dir() / "index" / f"{key}.npy"
        self.cached = path.exists()
        if self.cached:
            self.embeddings = np.load(path)
        else:
            self.embeddings = normalised(self.encoder.encode([chunk["text"] for chunk in self.chunks],
                                                             prompt=model.document_prompt or None,
                                                             show_progress_bar=True, convert_to_numpy=True))
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial.npy")
            np.save(partial, self.embeddings)
            partial.replace(path)

    def search(self, question: str, k: int) -> list[tuple[float, dict]]:
        query = normalised(self.encoder.encode([question], prompt=self.query_prompt or None, convert_to_numpy=True))
        scores = (self.embeddings @ query[0]).astype(float)
        best = np.argsort(-scores, kind="stable")[:k]
        return [(scores[i], self.chunks[i]) for i in best]


def print_hits(hits: list[tuple[float, dict]], seconds: float) -> None:
    for rank, (score, chunk) in enumerate(hits, 1):
        pages = "-".join(map(str, sorted({chunk["pages"][0], chunk["pages"][-1]})))
        text = " ".join(chunk["text"].split())
        print(f"{rank:>2}. {score:.3f}  {chunk['file_name']} p. {pages}")
        print(f"    {text[:200]}{'…' if len(text) > 200 else ''}")
    print(f"({seconds * 1000:.0f} ms)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="embedtune search", description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", help="without one, questions are read one per line from stdin")
    parser.add_argument("--model", default="tuned", help="tuned (default), base, or a model folder")
    parser.add_argument("-k", type=int, default=5, help="how many chunks (default 5)")
    args = parser.parse_args(argv)
    model = load_params("model", ModelParams)
    if args.model == "tuned":
        name = str(load_params("train", TrainParams).output_dir)
        if not Path(name).exists():
            raise StageError(f"search: no fine-tuned model at {name}; run `dvc repro` (or `dvc pull`), "
                             "or search with --model base")
    else:
        name = model.base_model if args.model == "base" else args.model
    started = time.perf_counter()
    index = Index(name, load_params("chunk", ChunkParams).output, model)
    print(f"index: {len(index.chunks)} chunks, {'cached' if index.cached else 'encoded'} "
          f"in {time.perf_counter() - started:.1f} s; model {name}", file=sys.stderr)
    for question in [args.question] if args.question else (line.strip() for line in sys.stdin):
        if question:
            started = time.perf_counter()
            hits = index.search(question, args.k)
            print_hits(hits, time.perf_counter() - started)
