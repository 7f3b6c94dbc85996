"""What is measured on a split, by dataset format: the evaluate stage reports it, the trainer
selects checkpoints on it. Each task encodes its texts once at full dimension and scores every
Matryoshka dimension from that encoding, truncated and renormalised.

- pairs: retrieval of each question's chunk from the whole corpus (ndcg@10, mrr@10, ...);
- triplets: the same retrieval, and triplet accuracy (anchor nearer its positive than its negative);
- scored pairs: Spearman (and Pearson) correlation of cosine similarity with the scores;
- labelled texts: retrieval where the texts with the query's label are the relevant ones.
"""

import numpy as np
from datasets import DatasetDict
from scipy.stats import pearsonr, spearmanr

from embedtune.common.hashing import text_digest
from embedtune.dataset.formats import format_of
from embedtune.evaluation.retrieval import normalised, retrieval_metrics


def encode(encoder, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
    return encoder.encode(texts, prompt=prompt or None, batch_size=batch_size, convert_to_numpy=True,
                          show_progress_bar=progress)


class RetrievalTask:
    name, headline = "retrieval", "ndcg@10"

    def __init__(self, queries: list[str], corpus_texts: list[str], corpus_ids: list[str],
                 relevant: list[set[str]], query_prompt: str = "", document_prompt: str = ""):
        self.queries, self.corpus_texts, self.corpus_ids, self.relevant = queries, corpus_texts, corpus_ids, relevant
        self.query_prompt, self.document_prompt = query_prompt, document_prompt

    def __len__(self) -> int:
        return len(self.queries)

    def measure(self, encoder, dims: list[int], batch_size: int = 32, progress: bool = True) -> dict[int, dict]:
        queries = encode(encoder, self.queries, self.query_prompt, batch_size, progress)
        documents = encode(encoder, self.corpus_texts, self.document_prompt, batch_size, progress)
        return retrieval_metrics(queries, documents, self.corpus_ids, self.relevant, dims)


class TripletTask:
    name, headline = "triplet", "accuracy"

    def __init__(self, anchors: list[str], positives: list[str], negatives: list[str],
                 query_prompt: str = "", document_prompt: str = ""):
        self.anchors, self.positives, self.negatives = anchors, positives, negatives
        self.query_prompt, self.document_prompt = query_prompt, document_prompt

    def __len__(self) -> int:
        return len(self.anchors)

    def measure(self, encoder, dims: list[int], batch_size: int = 32, progress: bool = True) -> dict[int, dict]:
        anchors = encode(encoder, self.anchors, self.query_prompt, batch_size, progress)
        positives = encode(encoder, self.positives, self.document_prompt, batch_size, progress)
        negatives = encode(encoder, self.negatives, self.document_prompt, batch_size, progress)
        results = {}
        for dim in dims:
            a, p, n = (normalised(matrix[:, :dim]) for matrix in (anchors, positives, negatives))
            results[dim] = {"accuracy": float(((a * p).sum(axis=1) > (a * n).sum(axis=1)).mean())}
        return results


class SimilarityTask:
    name, headline = "similarity", "spearman_cosine"

    def __init__(self, sentences1: list[str], sentences2: list[str], scores: list[float]):
        self.sentences1, self.sentences2, self.scores = sentences1, sentences2, scores

    def __len__(self) -> int:
        return len(self.scores)

    def measure(self, encoder, dims: list[int], batch_size: int = 32, progress: bool = True) -> dict[int, dict]:
        first = encode(encoder, self.sentences1, "", batch_size, progress)
        second = encode(encoder, self.sentences2, "", batch_size, progress)
        results = {}
        for dim in dims:
            cosine = (normalised(first[:, :dim]) * normalised(second[:, :dim])).sum(axis=1)
            results[dim] = {"spearman_cosine": float(spearmanr(self.scores, cosine)[0]),
                            "pearson_cosine": float(pearsonr(self.scores, cosine)[0])}
        return results


def tasks_for(dataset: DatasetDict, split: str, query_prompt: str = "", document_prompt: str = "") -> list:
    """The tasks of `split`, the headline one first."""
    rows = dataset[split]
    format = format_of(rows.column_names)
    if format in ("pairs", "triplets"):
        corpus = dataset["corpus"]
        tasks = [RetrievalTask(rows["anchor"], corpus["text"], corpus["chunk_id"],
                               [{chunk_id} for chunk_id in rows["chunk_id"]], query_prompt, document_prompt)]
        if format == "triplets":
            tasks.append(TripletTask(rows["anchor"], rows["positive"], rows["negative"], query_prompt, document_prompt))
        return tasks
    if format == "scored_pairs":
        return [SimilarityTask(rows["sentence1"], rows["sentence2"], rows["score"])]
    return [same_label_retrieval(dataset, split)]


def same_label_retrieval(dataset: DatasetDict, split: str) -> RetrievalTask:
    """Labelled texts: each text of `split` retrieves from the training texts (and the validation
    ones, when scoring test); the texts with its label are the relevant ones. Symmetric: no prompts."""
    corpus_splits = ["train"] + (["validation"] if split == "test" and "validation" in dataset else [])
    corpus = {text_digest(text): (text, label) for name in corpus_splits
              for text, label in zip(dataset[name]["text"], dataset[name]["label"], strict=True)}
    ids_by_label: dict[int, set[str]] = {}
    for chunk_id, (_, label) in corpus.items():
        ids_by_label.setdefault(label, set()).add(chunk_id)
    queries = [(text, ids_by_label[label]) for text, label in zip(dataset[split]["text"], dataset[split]["label"],
                                                                  strict=True) if label in ids_by_label]
    return RetrievalTask([text for text, _ in queries], [text for text, _ in corpus.values()], list(corpus),
                         [relevant for _, relevant in queries])
