"""The validation retrieval the trainer runs at every evaluation, at a bounded cost on a large corpus.

Every evaluation encodes the corpus again with the weights of the moment, so on a large corpus
with few training pairs it costs more than the training itself (8,332 chunks against 224 pairs:
most of 25 minutes). The checkpoint is chosen by comparing evaluations with one another, so they
need the same corpus, not the whole one: every chunk a validation question needs, and a seeded
sample of the others.
"""

import random

from embedtune.evaluation.tasks import RetrievalTask


def bounded_validation(task, max_chunks: int | None, seed: int):
    """(the task, searching at most max_chunks chunks: every relevant one and a seeded sample of the
    others, in corpus order; what it searches). Tasks that search no corpus are returned as they are."""
    if not isinstance(task, RetrievalTask):
        return task, None
    total = len(task.corpus_ids)
    if max_chunks is None or total <= max_chunks:
        return task, {"corpus_chunks": total, "of_chunks": total, "sampled": False}
    needed = set().union(*task.relevant)
    others = [index for index, chunk_id in enumerate(task.corpus_ids) if chunk_id not in needed]
    sampled = set(random.Random(seed).sample(others, max(0, max_chunks - (total - len(others)))))
    kept = [index for index, chunk_id in enumerate(task.corpus_ids) if chunk_id in needed or index in sampled]
    bounded = RetrievalTask(task.queries, [task.corpus_texts[i] for i in kept], [task.corpus_ids[i] for i in kept],
                            task.relevant, task.query_prompt, task.document_prompt)
    return bounded, {"corpus_chunks": len(kept), "of_chunks": total, "sampled": True,
                     "relevant_chunks": total - len(others)}
