"""(question, chunk) pairs from the generated questions."""

from pathlib import Path

from embedtune.chunking.header import retrieval_text
from embedtune.common.errors import StageError
from embedtune.common.jsonl import read_jsonl


def generated_pairs(questions: Path, chunks: Path) -> tuple[list[dict], list[dict]]:
    """(pairs, corpus): a pair per generated question; the corpus is every chunk."""
    corpus = [{"chunk_id": chunk["chunk_id"], "text": retrieval_text(chunk)} for chunk in read_jsonl(chunks)]
    text = {chunk["chunk_id"]: chunk["text"] for chunk in corpus}
    pairs = [
        {"anchor": row["question"], "positive": text[row["chunk_id"]], "chunk_id": row["chunk_id"]}
        for row in read_jsonl(questions) if row["chunk_id"] in text
    ]
    if not pairs:
        raise StageError(f"dataset: no questions in {questions}: generation kept none (see metrics/generate.json)")
    return pairs, corpus
