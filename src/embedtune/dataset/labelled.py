"""A user's own labelled data from CSV, TSV, JSONL or Parquet: pairs, triplets, scored pairs or
labelled texts, every value checked before any training."""

from pathlib import Path

import pandas as pd

from embedtune.common.errors import StageError
from embedtune.common.hashing import text_digest
from embedtune.common.table_file import read_table
from embedtune.dataset.formats import FORMATS

# With format auto, the first format whose columns the file has; triplets before pairs, as
# a file of triplets has the columns of pairs too.
DETECTION_ORDER = ("triplets", "pairs", "scored_pairs", "labelled_texts")


def file_format(table: pd.DataFrame, format: str, columns: dict[str, str], path: Path) -> str:
    """`format`, or with `auto` the one the file's columns fit; a missing column is named."""
    if format == "auto":
        for name in DETECTION_ORDER:
            if all(columns[role] in table.columns for role in FORMATS[name]):
                return name
        expected = "; ".join(f"{name}: {', '.join(columns[r] for r in FORMATS[name])}" for name in FORMATS)
        raise StageError(f"dataset: {path} has the columns {', '.join(map(repr, table.columns))}, which fit no "
                         f"format ({expected}); rename them or set dataset.columns")
    missing = [columns[role] for role in FORMATS[format] if columns[role] not in table.columns]
    if missing:
        raise StageError(
            f"dataset: {path} has no column {', '.join(map(repr, missing))} (it has "
            f"{', '.join(map(repr, table.columns))}); set dataset.columns for the {format} format")
    return format


def labelled_rows(path: Path, format: str, columns: dict[str, str]) -> tuple[str, list[dict], list[dict], dict]:
    """(format, rows with the format's columns, corpus, the encoding and separator the file was read
    with). Pairs and triplets are keyed by their positive (chunk_id) and come with the corpus of
    every distinct passage; the others have none."""
    source = read_table(path, "dataset.labelled_file")
    table = source.table
    format = file_format(table, format, columns, path)
    if table.empty:
        raise StageError(f"dataset: {path} holds no rows")
    values = {role: _column(table, columns[role], role, path) for role in FORMATS[format]}
    rows = [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)]
    if format in ("pairs", "triplets"):
        passages = {}
        for row in rows:
            row["chunk_id"] = text_digest(row["positive"])
            for role in ("positive", "negative"):
                if role in row:
                    passages.setdefault(text_digest(row[role]), row[role])
        return format, rows, [{"chunk_id": chunk_id, "text": text} for chunk_id, text in passages.items()], \
            source.read_as()
    if format == "labelled_texts":
        # Batch triplet losses need integer labels; the names stay beside them.
        names = sorted({row["label"] for row in rows})
        for row in rows:
            row["label_name"], row["label"] = row["label"], names.index(row["label"])
    return format, rows, [], source.read_as()


def _column(table: pd.DataFrame, name: str, role: str, path: Path) -> list:
    """A column's values, checked: texts non-empty, scores in [0, 1], labels present. A bad value
    is named with its row, counting data rows from 1."""
    series = table[name]
    if role == "score":
        scores = pd.to_numeric(series, errors="coerce")
        bad = scores.isna() | (scores < 0) | (scores > 1)
        if bad.any():
            index = bad.idxmax()
            raise StageError(f"dataset: {path} row {index + 1}: {name!r} is {series[index]}; scores must be "
                             "numbers in [0, 1] (rescale other ranges, e.g. STS's 0-5, by dividing)")
        return [float(score) for score in scores]
    if role == "label":
        if series.isna().any():
            raise StageError(f"dataset: {path} row {series.isna().idxmax() + 1}: {name!r} is empty")
        return [str(label) for label in series]
    texts = series.fillna("").astype(str).str.strip()
    empty = texts == ""
    if empty.any():
        raise StageError(f"dataset: {path} row {empty.idxmax() + 1}: {name!r} is empty")
    return list(texts)
