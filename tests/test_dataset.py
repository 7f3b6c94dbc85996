"""Stage `dataset`: pairs into a DatasetDict split by chunk, from generated questions or a user's file."""

import json

import pandas as pd
import pytest
from datasets import load_from_disk

from conftest import run_stage, write_params
from embedtune.common.models import load_encoder


@pytest.fixture
def with_questions(tmp_path, chunked_default):
    """A workspace with the default corpus's chunks and two questions for each of 40 of them
    (their first and last sentences made into questions: stand-ins for generated ones)."""
    chunks = [json.loads(line) for line in (chunked_default / "data" / "chunks.jsonl").read_text().splitlines()]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chunks.jsonl").write_text("".join(json.dumps(c) + "\n" for c in chunks))
    rows = []
    for chunk in chunks[:40]:
        sentences = [s for s in chunk["text"].replace("\n", " ").split(". ") if s.strip()]
        for sentence in {sentences[0], sentences[-1]}:
            rows.append({"question": f"Which passage says: {sentence[:80]}?", "chunk_id": chunk["chunk_id"]})
    (tmp_path / "data" / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    write_params(tmp_path)
    return tmp_path


def test_split_is_by_chunk_and_keeps_the_whole_corpus(with_questions):
    run_stage("dataset", with_questions)
    dataset = load_from_disk(str(with_questions / "data" / "dataset"))
    assert set(dataset) == {"train", "validation", "test", "corpus"}
    chunk_sets = {name: set(dataset[name]["chunk_id"]) for name in ("train", "validation", "test")}
    assert not chunk_sets["train"] & chunk_sets["test"]
    assert not chunk_sets["train"] & chunk_sets["validation"]
    assert not chunk_sets["validation"] & chunk_sets["test"]
    assert (len(chunk_sets["test"]), len(chunk_sets["validation"]), len(chunk_sets["train"])) == (8, 4, 28)
    assert len(dataset["corpus"]) == 93
    corpus = dict(zip(dataset["corpus"]["chunk_id"], dataset["corpus"]["text"], strict=True))
    assert all(corpus[row["chunk_id"]] == row["positive"] for row in dataset["train"])
    assert dataset["train"].column_names == ["anchor", "positive", "chunk_id"]


@pytest.mark.parametrize("floor, groups", [(12, (8, 6, 26)), (40, (8, 4, 28))])
def test_validation_takes_enough_questions_to_choose_the_fusion_where_it_can(with_questions, floor, groups):
    """40 chunks of about two questions: 10% of them hold 8 questions. A floor of 12 is within twice
    that share (8 chunks) and is met; 40 is not, and the split keeps its share."""
    write_params(with_questions, evaluate={"hybrid": {"min_validation_questions": floor}})
    run_stage("dataset", with_questions)
    report = json.loads((with_questions / "metrics" / "dataset.json").read_text())
    assert (report["test_groups"], report["validation_groups"], report["train_groups"]) == groups
    assert (report["validation_rows"] >= floor) == (floor == 12)


def test_hard_negatives_are_near_but_not_too_near_and_never_held_out(with_questions):
    write_params(with_questions, dataset={"hard_negatives": {"count": 2}})
    run_stage("dataset", with_questions)
    dataset = load_from_disk(str(with_questions / "data" / "dataset"))
    report = json.loads((with_questions / "metrics" / "dataset.json").read_text())
    train = dataset["train"]
    assert report["format"] == "triplets" and {"anchor", "positive", "negative", "chunk_id"} <= set(train.column_names)
    assert len(train) == report["train_rows"] == 2 * report["train_questions"] - report["hard_negatives_random"]
    held_out = {text for name in ("validation", "test") for text in dataset[name]["positive"]}
    assert not held_out & set(train["negative"])
    assert all(row["negative"] != row["positive"] for row in train)

    model = load_encoder("sentence-transformers/all-MiniLM-L6-v2")
    anchors, positives, negatives = (model.encode(train[column], normalize_embeddings=True)
                                     for column in ("anchor", "positive", "negative"))
    to_positive, to_negative = (anchors * positives).sum(axis=1), (anchors * negatives).sum(axis=1)
    within_margin = to_negative > 0.95 * to_positive
    assert within_margin.sum() <= report["hard_negatives_random"]
    # Hard: nearer their question than other training passages are, on average.
    others = model.encode(list(reversed(train["positive"])), normalize_embeddings=True)
    assert to_negative.mean() > (anchors * others).sum(axis=1).mean() + 0.1
    assert dataset["validation"].column_names == dataset["test"].column_names == ["anchor", "positive", "chunk_id"]


def test_hard_negatives_need_pairs(tmp_path):
    from format_samples import rows

    rows("triplets").to_csv(tmp_path / "triplets.csv", index=False)
    write_params(tmp_path, dataset={"labelled_file": "triplets.csv", "hard_negatives": {"count": 1}})
    result = run_stage("dataset", tmp_path, check=False)
    assert result.returncode != 0
    assert "dataset.hard_negatives: mining needs (question, passage) pairs, not triplets" in result.stderr


@pytest.mark.parametrize("suffix, read_as", [
    (".csv", {"encoding": "utf-8", "separator": ","}),
    (".txt", {"encoding": "utf-16", "separator": "\t"}),  # Excel's "Unicode text"
    (".jsonl", {"encoding": "utf-8"}),
    (".parquet", None),
])
def test_labelled_pairs_files(tmp_path, suffix, read_as):
    table = pd.DataFrame({
        "q": [f"What is fact {i} about the AMR-7?" for i in range(30)],
        "ctx": [f"The AMR-7 fact number {i // 2} is that it carries {i // 2 * 10} kg." for i in range(30)],
    })
    path = tmp_path / f"pairs{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".txt":
        table.to_csv(path, index=False, sep="\t", encoding="utf-16")
    elif suffix == ".jsonl":
        table.to_json(path, orient="records", lines=True)
    else:
        table.to_parquet(path)
    write_params(tmp_path, dataset={"labelled_file": str(path), "columns": {"anchor": "q", "positive": "ctx"}})
    result = run_stage("dataset", tmp_path)
    assert "read as pairs (detected from its columns: anchor='q', positive='ctx')" in result.stdout
    assert json.loads((tmp_path / "metrics" / "dataset.json").read_text()).get("read_as") == read_as
    dataset = load_from_disk(str(tmp_path / "data" / "dataset"))
    assert len(dataset["corpus"]) == 15  # distinct contexts
    assert sum(len(dataset[name]) for name in ("train", "validation", "test")) == 30
    assert not set(dataset["train"]["chunk_id"]) & set(dataset["test"]["chunk_id"])


def test_bad_inputs_are_clear_errors_before_any_work(tmp_path, with_questions):
    pairs = tmp_path / "pairs.csv"
    pd.DataFrame({"question": ["What?"], "answer": ["It."]}).to_csv(pairs, index=False)
    write_params(with_questions, dataset={"labelled_file": str(pairs), "format": "pairs"})
    result = run_stage("dataset", with_questions, check=False)
    assert result.returncode != 0 and "has no column 'context' (it has 'question', 'answer')" in result.stderr
    write_params(with_questions, dataset={"labelled_file": str(pairs)})
    result = run_stage("dataset", with_questions, check=False)
    assert result.returncode != 0 and "fit no format (pairs: question, context; triplets:" in result.stderr

    (with_questions / "data" / "questions.jsonl").write_text("")
    write_params(with_questions)
    result = run_stage("dataset", with_questions, check=False)
    assert result.returncode != 0 and "no questions in data/questions.jsonl" in result.stderr

    (with_questions / "data" / "questions.jsonl").write_text(
        json.dumps({"question": "What is in the first chunk?", "chunk_id": json.loads(
            (with_questions / "data" / "chunks.jsonl").read_text().splitlines()[0])["chunk_id"]}) + "\n")
    result = run_stage("dataset", with_questions, check=False)
    assert result.returncode != 0 and "the test split is empty" in result.stderr
    assert "Traceback" not in result.stderr
