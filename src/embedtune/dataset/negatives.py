"""Hard negatives for (question, passage) pairs, mined with sentence-transformers'
mine_hard_negatives: for each training question, the passages the base model ranks nearest it,
skipping any within a relative margin of its own passage's score (NV-Retriever's TopK-PercPos),
so near-duplicates of the positive are not taught as wrong answers.

Negatives come only from passages that answer no validation or test question: training to push
questions away from the held-out passages would leak them into training.
"""

import random

from datasets import Dataset

from embedtune.dataset.params import HardNegatives


def add_hard_negatives(train: list[dict], corpus: list[dict], held_out: set[str], encoder,
                       settings: HardNegatives, query_prompt: str, document_prompt: str) -> tuple[list[dict], int]:
    """(train rows with a `negative`, one row per negative; how many questions had no passage
    outside the margin among the nearest range_max: those keep a random passage as their negative,
    rather than being dropped, since they are often the hardest questions)."""
    from sentence_transformers.util import mine_hard_negatives

    passages = [chunk["text"] for chunk in corpus if chunk["chunk_id"] not in held_out]
    mined = mine_hard_negatives(
        Dataset.from_list([{"anchor": row["anchor"], "positive": row["positive"]} for row in train]),
        encoder, anchor_column_name="anchor", positive_column_name="positive", corpus=passages,
        range_max=settings.range_max, relative_margin=settings.relative_margin, num_negatives=settings.count,
        sampling_strategy="top", query_prompt=query_prompt or None, corpus_prompt=document_prompt or None,
        output_format="triplet", batch_size=settings.batch_size, verbose=False,
    )
    negatives: dict[tuple[str, str], list[str]] = {}
    for row in mined:
        negatives.setdefault((row["anchor"], row["positive"]), []).append(row["negative"])
    draw = random.Random(settings.seed)
    rows, missing = [], 0
    for row in train:
        found = negatives.get((row["anchor"], row["positive"]))
        if not found:
            missing += 1
            found = [draw.choice([text for text in passages if text != row["positive"]])]
        rows.extend({**row, "negative": negative} for negative in found)
    return rows, missing
