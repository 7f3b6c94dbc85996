"""Stage `chunk` on the real extraction of the default corpus."""

import json
import shutil

import pytest

from conftest import run_stage, write_params
from embedtune.chunking.split import DocumentChunker
from embedtune.common.hashing import text_digest
from embedtune.common.records import Chunk, check_records
from embedtune.markdown import to_markdown


@pytest.fixture
def extracted(extracted_default, tmp_path):
    """A workspace holding the default corpus's extracted elements, ready to chunk."""
    shutil.copytree(extracted_default / "data", tmp_path / "data")
    write_params(tmp_path)
    return tmp_path


def read_chunks(workspace):
    return [json.loads(line) for line in (workspace / "data" / "chunks.jsonl").read_text().splitlines()]


def test_default_corpus_chunks(extracted):
    run_stage("chunk", extracted)
    chunks = read_chunks(extracted)
    assert 80 <= len(chunks) <= 200
    check_records(chunks, Chunk)
    assert len({c["chunk_id"] for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert chunk["chunk_id"] == text_digest(chunk["text"])
        assert chunk["kind"] in {"text", "table"} and chunk["pages"] and chunk["doc_id"] and chunk["file_name"]
        assert len(chunk["text"]) <= 800
    # Page headers and footers are dropped; prose spans pages where a paragraph does.
    assert not any("Page 3" == line for c in chunks for line in c["text"].splitlines())
    assert any(len(c["pages"]) == 2 for c in chunks if c["kind"] == "text")
    segment = [c for c in chunks if c["kind"] == "table" and "| Autonomous Mobile Robots | $402.9 |" in c["text"]]
    assert len(segment) == 1
    caption = "Revenue and operating income by segment (in millions of U.S. dollars)"
    assert segment[0]["text"].startswith(caption + "\n\n| Segment |")
    report = json.loads((extracted / "metrics" / "chunk.json").read_text())
    assert report["chunks"] == len(chunks) and report["table_chunks"] == sum(c["kind"] == "table" for c in chunks)


def test_long_tables_split_by_rows_with_the_header_repeated(extracted):
    write_params(extracted, chunk={"chunk_size": 300, "chunk_overlap": 40})
    run_stage("chunk", extracted)
    header = "| Line item | 2025 | 2024 | 2023 |"
    parts = [c for c in read_chunks(extracted) if c["kind"] == "table" and header in c["text"]]
    assert len(parts) >= 3
    rows = []
    for part in parts:
        assert len(part["text"]) <= 300
        assert part["text"].startswith("Consolidated statements of operations")
        lines = part["text"].split("\n\n", 1)[1].splitlines()
        assert lines[:2] == [header, "| --- | --- | --- | --- |"]
        rows += lines[2:]
    assert rows[0].startswith("| Revenue | $1,284.6 |") and rows[-1].startswith("| Diluted earnings per share |")
    assert len(rows) == 11
    # The balance sheet's header was completed from headings printed above its first rule:
    # every part repeats it, under the title read above them.
    balance_header = "|  | June 30, 2025 | June 30, 2024 |"
    balance = f"Consolidated balance sheet data (in millions of U.S. dollars)\n\n{balance_header}\n"
    parts = [c for c in read_chunks(extracted) if c["kind"] == "table" and balance_header in c["text"]]
    assert len(parts) >= 2 and all(part["text"].startswith(balance) for part in parts)


def test_token_chunks_fit_the_embedding_model(extracted):
    from transformers import AutoTokenizer

    from embedtune.common.models import resolve_model

    write_params(extracted, chunk={"unit": "tokens", "chunk_size": 128, "chunk_overlap": 16})
    run_stage("chunk", extracted)
    tokenizer = AutoTokenizer.from_pretrained(resolve_model("sentence-transformers/all-MiniLM-L6-v2"))
    lengths = [len(tokenizer.encode(c["text"], add_special_tokens=False)) for c in read_chunks(extracted)]
    assert max(lengths) <= 128
    assert sum(lengths) / len(lengths) > 64  # filled, not shredded


def test_token_chunk_size_beyond_the_model_is_rejected(extracted):
    write_params(extracted, chunk={"unit": "tokens", "chunk_size": 300, "chunk_overlap": 30})
    result = run_stage("chunk", extracted, check=False)
    assert result.returncode != 0
    assert "chunk.chunk_size: 300 tokens exceeds" in result.stderr and "254" in result.stderr


def test_table_that_fits_is_one_chunk_with_its_caption():
    rows = [["Code", "Meaning"], ["E-104", "Front safety scanner not responding"]]
    table = {"type": "Table", "page": 7, "text": to_markdown(rows), "rows": rows}
    caption = {"type": "NarrativeText", "page": 7, "text": "Table: fault codes"}
    chunker = DocumentChunker(500, 50, len, ["Header"])
    chunks = list(chunker.chunks([caption, table]))
    assert chunks[-1] == {"kind": "table", "text": "Table: fault codes\n\n" + to_markdown(rows), "pages": [7],
                          "section": ""}


def test_a_footnote_marker_names_no_table_and_units_alone_are_completed():
    rows = [["", "2025"], ["Operating lease commitments", "$317.8"]]
    marker = {"type": "UncategorizedText", "page": 3, "text": "(1)"}
    chunker = DocumentChunker(500, 50, len, [])
    table = {"type": "Table", "page": 3, "text": to_markdown(rows), "rows": rows}
    assert list(chunker.chunks([marker, table]))[-1]["text"] == to_markdown(rows)
    title = {"type": "Title", "page": 3, "text": "Contractual obligations"}
    with_units = {**table, "caption": "(In millions)"}
    assert list(chunker.chunks([title, with_units]))[-1]["text"] == (
        "Contractual obligations (In millions)\n\n" + to_markdown(rows)
    )


def test_chunks_carry_their_documents_title_and_the_section_they_sit_under(extracted):
    run_stage("chunk", extracted)
    chunks = read_chunks(extracted)
    manifest = json.loads((extracted / "data" / "extracted" / "manifest.json").read_text())["documents"]
    assert all(chunk["title"] == manifest[chunk["doc_id"]]["title"] for chunk in chunks)

    def section_of(start):
        return next(chunk["section"] for chunk in chunks if chunk["text"].startswith(start))

    # 10-K items and their subheadings (Title elements); a manual's and a contract's numbered
    # headings, which unstructured labels as list items or text
    assert section_of("Risks Related to Our Indebtedness") == (
        "Item 1A. Risk Factors — Risks Related to Our Indebtedness")
    assert section_of("Revenue and operating income by segment") == (
        "Item 7. Management's Discussion and Analysis of Financial Condition and Results of Operations — "
        "Revenue and operating income by segment (in millions of U.S. dollars)")
    assert section_of("4.2 Wireless network") == "4. Site Preparation and Installation — 4.2 Wireless network"
    assert section_of("6. Warranty") == "6. Warranty"
    # a document's own title is not a section of it
    firsts = [chunk for chunk in chunks if chunk["position"] == 0]
    assert len(firsts) == 4 and all(chunk["section"] == "" for chunk in firsts)


def test_the_header_goes_above_the_text_the_retrievers_see_and_nowhere_else(extracted):
    run_stage("chunk", extracted)
    plain = read_chunks(extracted)
    assert all(chunk["header"] == "" for chunk in plain)
    write_params(extracted, chunk={"header": ["title", "section"]})
    run_stage("chunk", extracted)
    chunks = read_chunks(extracted)
    # the text, and so the ids the questions and the generator's reply cache hang on, are unchanged
    assert [(c["chunk_id"], c["text"]) for c in chunks] == [(c["chunk_id"], c["text"]) for c in plain]
    risk = next(c for c in chunks if c["text"].startswith("Risks Related to Our Indebtedness"))
    assert risk["header"] == f"{risk['title']}\nItem 1A. Risk Factors — Risks Related to Our Indebtedness"
    assert all(c["header"] == c["title"] for c in chunks if c["position"] == 0)  # no section yet

    # the dataset's passages (training positives and the corpus searched) carry it
    (extracted / "data" / "questions.jsonl").write_text("".join(
        json.dumps({"question": f"What does passage {i} say?", "chunk_id": c["chunk_id"]}) + "\n"
        for i, c in enumerate(chunks[:60])))
    run_stage("dataset", extracted)
    from datasets import load_from_disk

    dataset = load_from_disk(str(extracted / "data" / "dataset"))
    corpus = dict(zip(dataset["corpus"]["chunk_id"], dataset["corpus"]["text"], strict=True))
    assert corpus[risk["chunk_id"]] == risk["header"] + "\n\n" + risk["text"]
    train = dataset["train"]
    assert all(positive == corpus[chunk_id] for positive, chunk_id in zip(train["positive"], train["chunk_id"],
                                                                         strict=True))


def test_what_is_and_is_not_a_heading():
    from embedtune.chunking.sections import is_heading

    def title(text, type="Title"):
        return is_heading({"type": type, "text": text})

    assert title("Liquidity and Capital Resources") and title("NOTE 3 — OTHER INCOME (EXPENSE), NET")
    assert title("Item 7. Management's Discussion and Analysis", "UncategorizedText") and title("2. Safety", "ListItem")
    for junk in ("(In millions)", "Yes ☒ No ☐", "/s/ JOHN W. STANTON John W. Stanton", "$ 26,974 $ 26,914",
                 "of them with general waste.", "4 years 11 years"):
        assert not title(junk), junk
    # numbered lines of prose and long list items are no headings
    assert not title("1. Install the charger before mapping.", "ListItem")
    assert not title("Our revenue grew in every segment this year", "NarrativeText")
