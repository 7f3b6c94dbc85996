"""generate.table_questions: structure — questions from a table's row labels and column headings,
on the default corpus's real table chunks, through the real generate stage with the real offline
generator writing for the prose chunks."""

import json

import pytest

from conftest import cache_lines, generate_report, run_stage, workspace_with_chunks
from embedtune.common.jsonl import read_jsonl
from embedtune.common.records import Question, check_records
from embedtune.generation.table_questions import question, structure_questions, subject_of, table_cells


def test_a_question_names_a_row_label_a_column_heading_and_the_documents_subject():
    assert subject_of("Apple Inc. Form 10-K, fiscal year ended September 30, 2023") == "Apple Inc."
    assert subject_of("NVIDIA CORPORATION") == "Nvidia Corporation"
    assert subject_of("Alderbank Robotics, Inc. — Annual Report on Form 10-K") == "Alderbank Robotics, Inc."
    assert question("Research and development", "2023", "Apple Inc.") == (
        "What was research and development for Apple Inc. in 2023?")
    assert question("Total assets", "June 30, 2025", "Alderbank Robotics, Inc.") == (
        "What was total assets for Alderbank Robotics, Inc. as of June 30, 2025?")
    assert question("Dividend yield", "Year Ended January 29, 2023", "Nvidia Corporation") == (
        "What was dividend yield for Nvidia Corporation in the year ended January 29, 2023?")
    assert question("Autonomous Mobile Robots", "FY2025 revenue", "Alderbank Robotics, Inc.") == (
        "What was the FY2025 revenue of Autonomous Mobile Robots for Alderbank Robotics, Inc.?")


def test_each_table_chunk_gets_seeded_questions_about_its_numeric_cells(chunked_default):
    tables = [chunk for chunk in read_jsonl(chunked_default / "data" / "chunks.jsonl") if chunk["kind"] == "table"]
    balance_sheet = next(chunk for chunk in tables if "Total assets" in chunk["text"])
    headings, rows = table_cells(balance_sheet["text"])
    asked = structure_questions(balance_sheet, 3, seed=42)
    assert len(asked) == 3 == len(set(asked))
    for text in asked:
        assert "for Alderbank Robotics, Inc. as of June 30, 202" in text, text
        assert any(row[0].lower() in text.lower() for row in rows), text
    assert structure_questions(balance_sheet, 3, seed=42) == asked
    assert any(structure_questions(balance_sheet, 3, seed=seed) != asked for seed in range(5))
    # A table without a number to ask about (fault codes, roles) gets none rather than a garbled one.
    assert any(chunk["text"].count("|") > 10 and not structure_questions(chunk, 2, seed=42) for chunk in tables)


@pytest.mark.slow
def test_table_chunks_cost_no_llm_call_and_prose_chunks_still_get_the_generators_questions(tmp_path,
                                                                                          chunked_default):
    root = workspace_with_chunks(tmp_path, chunked_default, table_questions="structure")
    chunks = list(read_jsonl(root / "data" / "chunks.jsonl"))
    kept = [chunk for chunk in chunks if chunk["kind"] == "table"] + [chunk for chunk in chunks
                                                                      if chunk["kind"] == "text"][:2]
    (root / "data" / "chunks.jsonl").write_text("".join(json.dumps(chunk) + "\n" for chunk in kept))
    run_stage("generate", root)
    report = generate_report(root)
    tables = len(kept) - 2
    assert report["calls"] == 2 == len(cache_lines(root))  # the prose chunks only
    rows = list(read_jsonl(root / "data" / "questions.jsonl"))
    check_records(rows, Question)
    from_tables = [row for row in rows if row["generator"] == {"backend": "table structure"}]
    assert report["table_structure"] == {"chunks": tables, "questions": len(from_tables)}
    assert len({row["chunk_id"] for row in from_tables}) >= tables // 2 and len(from_tables) <= 2 * tables
    assert any(row["generator"]["backend"] == "transformers" for row in rows)
    assert report["questions"] == len(rows)
