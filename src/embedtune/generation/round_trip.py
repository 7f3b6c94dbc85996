"""The round-trip check of generated questions: keep a question only when the base model, asked
it, ranks the chunk it was written from among the top_k of the whole corpus. A question its own
chunk does not answer better than most others (too vague, about another passage, or wrong) would
teach the model a wrong pair.
"""

import numpy as np

from embedtune.chunking.header import retrieval_text
from embedtune.evaluation.retrieval import normalised


def passes_round_trip(rows: list[dict], chunks: list[dict], encoder, top_k: int, query_prompt: str,
                      document_prompt: str) -> list[bool]:
    """For each row (question, chunk_id): whether its chunk is within the top_k for its question."""
    if not rows:
        return []
    position = {chunk["chunk_id"]: i for i, chunk in enumerate(chunks)}
    passages = normalised(encoder.encode([retrieval_text(chunk) for chunk in chunks], prompt=document_prompt or None,
                                         convert_to_numpy=True, show_progress_bar=True))
    questions = normalised(encoder.encode([row["question"] for row in rows], prompt=query_prompt or None,
                                          convert_to_numpy=True, show_progress_bar=True))
    scores = questions @ passages.T
    own = scores[np.arange(len(rows)), [position[row["chunk_id"]] for row in rows]]
    ahead = (scores > own[:, None]).sum(axis=1)  # chunks that score above the question's own
    return (ahead < top_k).tolist()
