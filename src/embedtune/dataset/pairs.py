"""Where (question, passage) pairs come from: the generated questions, or a user's labelled file."""

from pathlib import Path

import pandas as pd

from embedtune.errors import StageError
from embedtune.hashing import text_digest
from embedtune.jsonl import read_jsonl

READERS = {".csv": pd.read_csv, ".jsonl": lambda path: pd.read_json(path, lines=True), ".parquet": pd.read_parquet}


def generated_pairs(questions: Path, chunks: Path) -> tuple[list[dict], list[dict]]:
    """(pairs, corpus): a pair per generated question; the corpus is every chunk."""
    corpus = [{"chunk_id": chunk["chunk_id"], "text": chunk["text"]} for chunk in read_jsonl(chunks)]
    text = {chunk["chunk_id"]: chunk["text"] for chunk in corpus}
    pairs = [
        {"anchor": row["question"], "positive": text[row["chunk_id"]], "chunk_id": row["chunk_id"]}
        for row in read_jsonl(questions) if row["chunk_id"] in text
    ]
    if not pairs:
        raise StageError(f"dataset: no questions in {questions}: generation kept none (see metrics/generate.json)")
    return pairs, corpus


def labelled_pairs(path: Path, question_column: str, context_column: str) -> tuple[list[dict], list[dict]]:
    """(pairs, corpus) from a file of the user's own pairs; the corpus is every distinct context."""
    if path.suffix.lower() not in READERS:
        raise StageError(f"dataset: {path}: pairs files are {', '.join(READERS)}")
    if not path.exists():
        raise StageError(f"dataset: pairs file {path} not found (dataset.pairs_file in params.yaml)")
    table = READERS[path.suffix.lower()](path)
    missing = [column for column in (question_column, context_column) if column not in table.columns]
    if missing:
        raise StageError(
            f"dataset: {path} has no column {', '.join(map(repr, missing))} "
            f"(it has {', '.join(map(repr, table.columns))}); set dataset.question_column and dataset.context_column"
        )
    table = table[[question_column, context_column]].dropna()
    table = table[(table[question_column].str.strip() != "") & (table[context_column].str.strip() != "")]
    if table.empty:
        raise StageError(f"dataset: {path} holds no row with both a question and a context")
    pairs = [
        {"anchor": question.strip(), "positive": context, "chunk_id": text_digest(context)}
        for question, context in zip(table[question_column], table[context_column], strict=True)
    ]
    texts = {pair["chunk_id"]: pair["positive"] for pair in pairs}
    return pairs, [{"chunk_id": chunk_id, "text": text} for chunk_id, text in texts.items()]
