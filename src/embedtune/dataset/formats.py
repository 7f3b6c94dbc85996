"""The four dataset formats of the recipe, by the columns each split holds."""

FORMATS = {
    "pairs": ("anchor", "positive"),  # question/passage, paraphrases, query/response
    "triplets": ("anchor", "positive", "negative"),
    "scored_pairs": ("sentence1", "sentence2", "score"),  # score in [0, 1]
    "labelled_texts": ("text", "label"),
}


def format_of(columns: list[str]) -> str:
    """The format of a saved split from its columns (pairs and triplets also carry chunk_id)."""
    for name in ("triplets", "pairs", "scored_pairs", "labelled_texts"):
        if set(FORMATS[name]) <= set(columns):
            return name
    raise ValueError(f"columns {columns} match none of the formats {', '.join(FORMATS)}")
