"""generate.max_chunks: which chunks the LLM is asked about when the budget is smaller than the corpus.

Every document is ranked in a seeded order of its own chunks; a chunk's place in the whole corpus
is its rank's share of its document, (rank + jitter) / chunks of the document. Taking the first
max_chunks of that one order spreads the sample over the documents in proportion to their size,
and raising max_chunks only adds chunks: the ones already chosen, and their cached replies, stay.
"""

from embedtune.common.hashing import text_digest


def _unit(seed: int, *keys: str) -> float:
    """A number in [0, 1) fixed by the seed and the keys."""
    return int(text_digest(":".join([str(seed), *keys])), 16) / 16 ** len(text_digest(""))


def sample_chunks(chunks: list[dict], max_chunks: int | None, seed: int) -> list[dict]:
    """The chunks to send to the LLM, in corpus order: all of them, or a stable sample of max_chunks."""
    if max_chunks is None or max_chunks >= len(chunks):
        return chunks
    by_document: dict[str, list[dict]] = {}
    for chunk in chunks:
        by_document.setdefault(chunk["doc_id"], []).append(chunk)
    places = []
    for doc_id, members in by_document.items():
        jitter = _unit(seed, doc_id)
        ranked = sorted(members, key=lambda chunk: _unit(seed, chunk["chunk_id"]))
        places += [((rank + jitter) / len(ranked), chunk["chunk_id"]) for rank, chunk in enumerate(ranked)]
    chosen = {chunk_id for _, chunk_id in sorted(places)[:max_chunks]}
    return [chunk for chunk in chunks if chunk["chunk_id"] in chosen]
