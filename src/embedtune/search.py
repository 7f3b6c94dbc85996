"""`embedtune search`: the chunks of the corpus nearest a question, with file, pages and score.

    embedtune search "What was revenue in fiscal 2025?"   # the fine-tuned model (paths.model)
    embedtune search --model base -k 10 "..."             # the base model (model.base_model)
    embedtune search --retriever bm25 "..."               # hybrid (default where the model has a fusion), dense, bm25
    embedtune search                                      # one question per line, until end of input

Hybrid retrieval fuses BM25 with the model's cosine scores the way the train stage chose on the
validation split (embedtune-hybrid.json in the model folder); a model folder without one (the base
model) searches dense by default, and with --retriever hybrid uses evaluate.hybrid's fallback fusion.

The corpus embeddings are cached (EMBEDTUNE_CACHE, default ~/.cache/embedtune, under index/) by
the hash of the model's weights, the chunks file and the document prompt, and the BM25 index beside
them by the hash of the chunks file: only the first search after one of those changes builds them;
the others encode just the question.
"""

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from embedtune.chunking.header import retrieval_text
from embedtune.common.errors import StageError
from embedtune.common.hashing import file_digest, params_digest
from embedtune.common.jsonl import read_jsonl
from embedtune.common.models import ModelParams, load_encoder, resolve_model
from embedtune.common.params import load_params
from embedtune.common.paths import load_paths
from embedtune.evaluation.bm25 import Bm25Index
from embedtune.evaluation.hybrid import describe, fallback, fuse, saved_fusion
from embedtune.evaluation.params import EvaluateParams
from embedtune.evaluation.retrieval import normalised
from embedtune.generation.gguf import cache_dir


class Index:
    def __init__(self, model_name: str, chunks_file: Path, model: ModelParams, retriever: str, fusion: dict):
        if not chunks_file.exists():
            raise StageError(f"search: no chunks at {chunks_file}; run `dvc repro chunk` (or `dvc pull`) first")
        self.chunks = list(read_jsonl(chunks_file))
        self.retriever, self.fusion = retriever, fusion
        texts = [retrieval_text(chunk) for chunk in self.chunks]
        chunks_digest = file_digest(chunks_file)
        self.cached = True
        if retriever != "bm25":
            self.encoder = load_encoder(model_name)
            self.query_prompt = model.query_prompt
            weights = sorted(Path(resolve_model(model_name)).glob("*.safetensors"))
            key = params_digest({"weights": [file_digest(path) for path in weights], "chunks": chunks_digest,
                                 "document_prompt": model.document_prompt, "model": model_name})
            path = cache_dir() / "index" / f"{key}.npy"
            if path.exists():
                self.embeddings = np.load(path)
            else:
                self.cached = False
                self.embeddings = normalised(self.encoder.encode(texts, prompt=model.document_prompt or None,
                                                                 show_progress_bar=True, convert_to_numpy=True))
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_name(path.name + ".partial.npy")
                np.save(partial, self.embeddings)
                partial.replace(path)
        if retriever != "dense":
            folder = cache_dir() / "index" / f"bm25-{chunks_digest}"
            if folder.is_dir():
                self.bm25 = Bm25Index.load(folder, len(texts))
            else:
                self.cached = False
                self.bm25 = Bm25Index.build(texts)
                partial = folder.with_name(folder.name + ".partial")
                shutil.rmtree(partial, ignore_errors=True)
                self.bm25.save(partial)
                partial.replace(folder)

    def search(self, question: str, k: int) -> list[tuple[float, dict]]:
        if self.retriever == "bm25":
            scores = self.bm25.scores([question])[0]
        else:
            query = normalised(self.encoder.encode([question], prompt=self.query_prompt or None,
                                                   convert_to_numpy=True))
            scores = self.embeddings @ query[0]
            if self.retriever == "hybrid":
                scores = fuse(scores[None, :], self.bm25.scores([question]), self.fusion)[0]
        best = np.argsort(-scores, kind="stable")[:k]
        return [(float(scores[i]), self.chunks[i]) for i in best]


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
    parser.add_argument("--retriever", choices=("hybrid", "dense", "bm25"),
                        help="hybrid (the default where the model folder has a fusion), dense (the default otherwise) "
                             "or bm25")
    parser.add_argument("-k", type=int, default=5, help="how many chunks (default 5)")
    args = parser.parse_args(argv)
    model = load_params("model", ModelParams)
    if args.model == "tuned":
        name = str(load_paths().model)
        if not Path(name).exists():
            raise StageError(f"search: no fine-tuned model at {name}; run `dvc repro` (or `dvc pull`), "
                             "or search with --model base")
    else:
        name = model.base_model if args.model == "base" else args.model
    fusion = saved_fusion(name)
    retriever = args.retriever or ("hybrid" if fusion else "dense")
    fusion = fusion or fallback(load_params("evaluate", EvaluateParams).hybrid)
    started = time.perf_counter()
    index = Index(name, load_paths().chunks, model, retriever, fusion)
    how = {"hybrid": f"hybrid ({describe(fusion)})", "dense": "dense", "bm25": "bm25"}[retriever]
    print(f"index: {len(index.chunks)} chunks, {'cached' if index.cached else 'encoded'} "
          f"in {time.perf_counter() - started:.1f} s; model {name}; {how}", file=sys.stderr)
    for question in [args.question] if args.question else (line.strip() for line in sys.stdin):
        if question:
            started = time.perf_counter()
            hits = index.search(question, args.k)
            print_hits(hits, time.perf_counter() - started)
