"""(question, chunk) pairs into train, validation and test, split by chunk.

No chunk that answers a validation or test question is a training positive, so the scores
measure retrieval of passages the model never trained on, not memory of them.
"""

import random


def split_by_chunk(pairs: list[dict], test_size: float, validation_size: float, seed: int) -> dict[str, list[dict]]:
    """pairs: dicts with anchor, positive, chunk_id. Splits keep the order of `pairs`."""
    chunk_ids = sorted({pair["chunk_id"] for pair in pairs})
    random.Random(seed).shuffle(chunk_ids)
    n_test = round(len(chunk_ids) * test_size)
    n_validation = round(len(chunk_ids) * validation_size)
    split_of = {chunk_id: "test" for chunk_id in chunk_ids[:n_test]}
    split_of |= {chunk_id: "validation" for chunk_id in chunk_ids[n_test:n_test + n_validation]}
    split_of |= {chunk_id: "train" for chunk_id in chunk_ids[n_test + n_validation:]}
    splits = {"train": [], "validation": [], "test": []}
    for pair in pairs:
        splits[split_of[pair["chunk_id"]]].append(pair)
    return splits
