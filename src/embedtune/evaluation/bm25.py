"""A BM25 keyword index (bm25s): what retrieval without embeddings scores, and hybrid retrieval's other half."""

from pathlib import Path

import bm25s
import numpy as np


class Bm25Index:
    def __init__(self, retriever: bm25s.BM25, size: int):
        self.retriever, self.size = retriever, size

    @classmethod
    def build(cls, corpus: list[str]) -> "Bm25Index":
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)
        return cls(retriever, len(corpus))

    def scores(self, queries: list[str]) -> np.ndarray:
        """Queries x corpus BM25 scores; a query of stopwords only scores 0 everywhere."""
        tokens = bm25s.tokenize(queries, stopwords="en", return_ids=False, show_progress=False)
        return np.array([self.retriever.get_scores(words) if words else np.zeros(self.size) for words in tokens],
                        dtype=np.float32).reshape(len(queries), self.size)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "Bm25Index":
        return cls(bm25s.BM25.load(str(folder), show_progress=False), size)
