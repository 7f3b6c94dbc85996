"""Rows into train, validation and test, split by group: for pairs and triplets the group is the
chunk that answers, so no chunk that answers a validation or test question is a training
positive, and the scores measure retrieval of passages the model never trained on, not memory
of them. Scored pairs are grouped by their first sentence, labelled texts by their text.
"""

import random
from collections import Counter
from collections.abc import Callable

from embedtune.common.hashing import text_digest

GROUP_OF: dict[str, Callable[[dict], str]] = {
    "pairs": lambda row: row["chunk_id"],
    "triplets": lambda row: row["chunk_id"],
    "scored_pairs": lambda row: text_digest(row["sentence1"]),
    "labelled_texts": lambda row: text_digest(row["text"]),
}


def split_by_group(rows: list[dict], group: Callable[[dict], str], test_size: float, validation_size: float,
                   seed: int, min_validation_rows: int = 0) -> dict[str, list[dict]]:
    """Shares of the groups (not of the rows) go to test and validation; splits keep the order of `rows`.

    Validation takes more groups, up to twice its share, where that makes it reach
    min_validation_rows: the rows the hybrid fusion is chosen on. Where twice its share is not
    enough, it keeps its share: training rows are not given up for a floor out of reach.
    """
    groups = sorted({group(row) for row in rows})
    random.Random(seed).shuffle(groups)
    n_test = round(len(groups) * test_size)
    n_validation = round(len(groups) * validation_size)
    if min_validation_rows:
        rows_of = Counter(group(row) for row in rows)
        held, most = 0, min(round(len(groups) * 2 * validation_size), len(groups) - n_test - 1)
        for taken, key in enumerate(groups[n_test:n_test + most], start=1):
            held += rows_of[key]
            if held >= min_validation_rows:
                n_validation = max(n_validation, taken)
                break
    split_of = {key: "test" for key in groups[:n_test]}
    split_of |= {key: "validation" for key in groups[n_test:n_test + n_validation]}
    split_of |= {key: "train" for key in groups[n_test + n_validation:]}
    splits = {"train": [], "validation": [], "test": []}
    for row in rows:
        splits[split_of[group(row)]].append(row)
    return splits
