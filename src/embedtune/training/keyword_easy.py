"""Fewer of the training pairs keyword search already answers (train.bm25_first_kept,
train.max_question_overlap).

What users get is BM25 fused with the dense model. A question whose chunk BM25 ranks first among
all the chunks is answered by the keyword half alone, and training on it teaches the dense model
the lexical match BM25 already makes: 59% of tenk-4's generated training pairs are such pairs, and
the model tuned on them gained where BM25 was already strong and nothing on the questions BM25
misses (BENCHMARKS.md, "Where retrieval fails"). Keeping a seeded share of them spends the steps
on the pairs BM25 misses, the part of the hybrid the dense model can add to. Likewise a question
made of its passage's words (21% of those generated on tenk-4, 9% of the questions people wrote
there) teaches word matching, not paraphrase: train.max_question_overlap leaves out the questions
with more than that share of their content words in their chunk. Measured on tenk-4 (BENCHMARKS.md,
"Training signals aimed at the gap"), neither helped: the pairs BM25 misses are mostly garbled
questions or scraps, not paraphrases. Both stay off by default.
"""

import numpy as np
from tqdm import tqdm

from embedtune.evaluation.bm25 import Bm25Index
from embedtune.generation.overlap import overlap_shares

QUERIES_PER_BATCH = 256  # a batch's scores are queries x corpus floats


def bm25_ranks(questions: list[str], chunk_ids: list[str], corpus_ids: list[str], corpus_texts: list[str]) -> list[int]:
    """Each question's chunk's rank among the corpus by BM25 (1: first; ties rank it below the others)."""
    index = Bm25Index.build(corpus_texts)
    position = {chunk_id: i for i, chunk_id in enumerate(corpus_ids)}
    ranks = []
    for start in tqdm(range(0, len(questions), QUERIES_PER_BATCH), desc="train: BM25 ranks of the training pairs",
                      unit="batch", leave=False):
        scores = index.scores(questions[start:start + QUERIES_PER_BATCH])
        own = scores[np.arange(len(scores)), [position[chunk_id] for chunk_id in chunk_ids[start:start + len(scores)]]]
        ranks += ((scores >= own[:, None]).sum(axis=1)).tolist()
    return ranks


def kept_rows(ranks: list[int], share: float, seed: int) -> list[int]:
    """The rows kept: every pair BM25 does not rank first, and a seeded `share` of those it does."""
    first = [row for row, rank in enumerate(ranks) if rank == 1]
    kept_first = np.random.default_rng(seed).permutation(first)[:round(share * len(first))]
    return sorted({int(row) for row in kept_first} | {row for row, rank in enumerate(ranks) if rank != 1})


def within_overlap(questions: list[str], passages: list[str], max_overlap: float) -> list[int]:
    """The rows whose question has at most `max_overlap` of its content words in its passage."""
    return [row for row, share in enumerate(overlap_shares(questions, passages)) if share <= max_overlap]
