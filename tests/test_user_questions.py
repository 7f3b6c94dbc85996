"""evaluate.questions_file: the user's own questions, mapped onto the default corpus's chunks and
measured by the evaluate stage; bad files refused in one line or reported row by row."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, dataset_workspace, run_stage, write_params
from embedtune.common.errors import StageError
from embedtune.evaluation.questions_file import ChunkIndex, map_questions, parse_pages

EXAMPLE = REPO / "data" / "questions" / "example.csv"
COLUMNS = {"question": "question", "context": "context", "file": "file", "page": "page"}


@pytest.fixture(scope="module")
def chunks(chunked_default) -> list[dict]:
    return [json.loads(line) for line in (chunked_default / "data" / "chunks.jsonl").read_text().splitlines()]


def questions_file(folder: Path, rows: list[dict], name: str = "mine.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_the_bundled_example_maps_by_context_and_by_page(chunks):
    mapped = map_questions(EXAMPLE, EXAMPLE.parent, COLUMNS, chunks)
    assert mapped.rows == len(mapped.questions) == 20 and not mapped.unmapped
    by_question = dict(zip(mapped.questions, mapped.relevant, strict=True))
    # By context: the one chunk holding the sentence.
    backups = by_question["How long are Harbor Cloud backups retained?"]
    assert len(backups) == 1
    assert "keeps backups for 35 days" in next(c["text"] for c in chunks if c["chunk_id"] in backups)
    # By file and page: every chunk of that file on that page, and none other.
    on_page = {c["chunk_id"] for c in chunks if c["file_name"] == "kestrel-amr7-service-manual.pdf" and 4 in c["pages"]}
    assert by_question["What does fault code E-104 mean and how do I fix it?"] == on_page
    ranged = by_question["What do the Veltro motors cost at higher volumes?"]
    assert ranged == {c["chunk_id"] for c in chunks if c["file_name"] == "veltro-master-supply-agreement.pdf"
                      and {2, 3} & set(c["pages"])}
    assert set(mapped.files) == {c["file_name"] for c in chunks}


def test_a_context_cut_by_the_chunking_maps_to_the_chunks_holding_its_start_and_end():
    first = "Revenue grew in every segment. The Tessera grid business recorded its largest order to date, " \
            "a sixty aisle system for a grocer in Leeds"
    second = "that will go live in the spring of next year. Robots shipped rose by a third over the prior year."
    chunks = [{"chunk_id": "a", "doc_id": "d", "file_name": "f.pdf", "pages": [1], "text": first},
              {"chunk_id": "b", "doc_id": "d", "file_name": "f.pdf", "pages": [1, 2], "text": second},
              {"chunk_id": "c", "doc_id": "d", "file_name": "f.pdf", "pages": [2], "text": "Unrelated text. " * 5}]
    context = "The Tessera grid business recorded its largest order to date, a sixty aisle system for a grocer " \
              "in Leeds that will go live in the spring of next year."
    index = ChunkIndex(chunks)
    assert index.containing(context, [0, 1, 2]) == {"a", "b"}
    # Case and line breaks inside words do not matter; a sentence inside one chunk maps to it alone.
    assert index.containing("ROBOTS shipped rose by a\nthird", [0, 1, 2]) == {"b"}


def test_pages_are_numbers_ranges_or_lists():
    assert parse_pages(7) == [7] and parse_pages(7.0) == [7] and parse_pages("7-9") == [7, 8, 9]
    assert parse_pages("7, 9") == [7, 9]
    with pytest.raises(ValueError, match="not a page number"):
        parse_pages("seven")


def test_rows_that_map_to_nothing_are_reported_with_the_reason(tmp_path, chunks):
    path = questions_file(tmp_path, [
        {"question": "How long are Harbor Cloud backups retained?",
         "context": "keeps backups for 35 days in a second region", "file": None, "page": None},
        {"question": "", "context": "keeps backups for 35 days", "file": None, "page": None},
        {"question": "What is on the last page?", "context": None, "file": "harbor-administrator-guide.pdf",
         "page": 40},
        {"question": "What does the lease say?", "context": None, "file": "lease.pdf", "page": 1},
        {"question": "Where is the moon base?", "context": "The moon base opened in 2024 beside the crater.",
         "file": None, "page": None},
        {"question": "Where is the answer?", "context": None, "file": None, "page": None},
        {"question": "Which page?", "context": None, "file": "harbor-administrator-guide.pdf", "page": "two"},
    ])
    mapped = map_questions(path, tmp_path, COLUMNS, chunks)
    assert mapped.questions == ["How long are Harbor Cloud backups retained?"] and mapped.rows == 7
    reasons = {entry["row"]: entry["reason"] for entry in mapped.unmapped}
    assert reasons == {
        2: "empty 'question'",
        3: "page 40 is past the last page with text in harbor-administrator-guide.pdf (3)",
        4: "file 'lease.pdf' is not in the corpus",
        5: "the context is not in any chunk (compared without case and whitespace)",
        6: "neither a context nor a file and page",
        7: "page 'two' is not a page number, a range (7-9) or a list (7, 9)",
    }


@pytest.mark.parametrize("rows, message", [
    ([{"query": "What is Harbor?", "context": "Harbor"}], "has no 'question' column (it has 'query', 'context')"),
    ([{"question": "What is Harbor?", "answer": "software"}], "has neither a 'context' column nor 'file' and 'page'"),
    ([{"question": "What is Harbor?", "context": "The moon base opened in 2024 beside the crater."}],
     "none of the 1 questions in"),
])
def test_a_file_without_the_columns_or_with_nothing_mapped_is_refused(tmp_path, chunks, rows, message):
    path = questions_file(tmp_path, rows)
    with pytest.raises(StageError, match="evaluate: ") as error:
        map_questions(path, tmp_path, COLUMNS, chunks)
    assert message in str(error.value)


# As spreadsheets save them: Excel's "CSV" in Western locales is Windows-1252 with ";" where the comma
# is the decimal mark, its "Unicode text" is UTF-16 with a byte-order mark and tabs, "CSV UTF-8" has a mark.
SAVED_AS = {
    "windows-1252, semicolons": ("mine.csv", "windows-1252", ";", {"encoding": "windows-1252", "separator": ";"}),
    "utf-16 unicode text": ("mine.txt", "utf-16", "\t", {"encoding": "utf-16", "separator": "\t"}),
    "utf-16 without a mark": ("mine.tsv", "utf-16-le", "\t", {"encoding": "utf-16-le", "separator": "\t"}),
    "utf-8 with a mark": ("mine.csv", "utf-8-sig", ",", {"encoding": "utf-8-sig", "separator": ","}),
}


@pytest.mark.parametrize("saved_as", SAVED_AS)
def test_questions_files_as_spreadsheets_save_them_are_read_and_say_how(tmp_path, chunks, saved_as):
    name, encoding, separator, read_as = SAVED_AS[saved_as]
    rows = [{"question": "What’s Alderbank’s order backlog — in euros (€)?",
             "context": "Backlog, which we define as the value of signed contracts for systems and robots"},
            {"question": "Where is the Pennsylvania factory, and how many robots a year can it build?",
             "context": "We assemble Kestrel robots at our plant in Greensburg, Pennsylvania"}]
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False, sep=separator, encoding=encoding)
    mapped = map_questions(path, tmp_path, COLUMNS, chunks)
    assert mapped.questions == [row["question"] for row in rows] and not mapped.unmapped
    assert mapped.report(path) == {"path": str(path), **read_as, "rows": 2, "mapped": 2, "unmapped": 0,
                                   "unmapped_rows": []}


@pytest.mark.parametrize("content, reason", [
    (bytes(range(256)), "is not a text file in UTF-8, UTF-16 or Windows-1252 (byte 0x00 at offset 0 is a control "
                        "character, not text); save it from your spreadsheet as CSV UTF-8"),
    (b"question,context\nWhat is Harbor?,Harbor\n" + b"\x81\x8d", "is not a text file in UTF-8, UTF-16 or "
     "Windows-1252 (byte 0x81 at offset 40 is neither UTF-8 nor Windows-1252)"),
    (b"PK\x03\x04\x14\x00\x06\x00", "byte 0x03 at offset 2 is a control character"),  # an .xlsx renamed
    (b'question,context\n"What is Harbor?,Harbor\n', "could not be read as a CSV file: "),
])
def test_an_unreadable_questions_file_is_refused_in_one_line_naming_it(tmp_path, chunks, content, reason):
    path = tmp_path / "mine.csv"
    path.write_bytes(content)
    with pytest.raises(StageError) as error:
        map_questions(path, tmp_path, COLUMNS, chunks)
    assert str(error.value).startswith(f"evaluate: {path} ") and reason in str(error.value)
    assert "\n" not in str(error.value)


def test_a_file_outside_the_tracked_folder_is_refused(tmp_path, chunks):
    path = questions_file(tmp_path / "elsewhere", [{"question": "What is Harbor?", "context": "Harbor"}])
    with pytest.raises(StageError, match="is outside .*evaluate.questions_dir"):
        map_questions(path, tmp_path / "data" / "questions", COLUMNS, chunks)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, chunked_default) -> Path:
    """The evaluate stage on the base model, with the bundled example as the questions file and a
    validation split large enough to choose a fusion."""
    root = dataset_workspace(tmp_path_factory.mktemp("user-questions"), chunked_default,
                             dataset={"validation_size": 0.4})
    shutil.copytree(EXAMPLE.parent, root / "data" / "questions")
    write_params(root, dataset={"validation_size": 0.4},
                 evaluate={"questions_file": "data/questions/example.csv"})
    root.joinpath("evaluate.log").write_text(run_stage("evaluate", root).stdout)
    return root


def test_the_questions_file_is_the_headline_with_the_generated_split_beside_it(evaluated):
    report = json.loads((evaluated / "metrics" / "baseline.json").read_text())
    assert report["test_set"] == "questions_file" and report["queries"] == 20
    assert report["questions_file"] == {"path": "data/questions/example.csv", "encoding": "utf-8", "separator": ",",
                                        "rows": 20, "mapped": 20,
                                        "unmapped": 0, "unmapped_rows": []}
    assert report["ndcg@10"] == report["dims"]["384"]["ndcg@10"] > 0.4
    assert set(report["generated_test"]["dims"]) == {"384", "256", "128", "64"}
    assert report["generated_test"]["queries"] == json.loads(
        (evaluated / "metrics" / "dataset.json").read_text())["test_rows"]
    assert sum(row["queries"] for row in report["by_file"].values()) == 20
    log = (evaluated / "evaluate.log").read_text()
    assert "on 20 questions of data/questions/example.csv" in log


def test_hybrid_is_chosen_on_validation_and_reported_at_every_dimension(evaluated):
    report = json.loads((evaluated / "metrics" / "baseline.json").read_text())
    fusion = report["hybrid"]["fusion"]
    validation = json.loads((evaluated / "metrics" / "dataset.json").read_text())["validation_rows"]
    assert fusion["chosen_on"] == f"validation, {validation} questions" and validation >= 30
    assert fusion["fusion"] in ("rrf", "convex") and 0.5 <= fusion["dense_weight"] <= 0.9
    # The fusion improves on the dense model. BM25 alone may still score higher on these LLM-written
    # validation questions (they reuse their passage's words): the weights tried never lean on BM25.
    assert fusion["validation_ndcg@10"] > fusion["validation_dense_ndcg@10"]
    for block in (report, report["generated_test"]):
        assert set(block["hybrid"]["dims"]) == {"384", "256", "128", "64"}
        assert all(0 < row["ndcg@10"] <= 1 for row in block["hybrid"]["dims"].values())


@pytest.mark.parametrize("content, message", [
    (b"query\nWhat is Harbor?\n", "has no 'question' column"),
    (bytes(range(256)), "is not a text file in UTF-8, UTF-16 or Windows-1252"),
])
def test_a_bad_questions_file_stops_the_stage_with_one_line(evaluated, tmp_path, content, message):
    shutil.copytree(evaluated, tmp_path / "ws")
    root = tmp_path / "ws"
    (root / "data" / "questions" / "bad.csv").write_bytes(content)
    write_params(root, dataset={"validation_size": 0.4}, evaluate={"questions_file": "data/questions/bad.csv"})
    failed = run_stage("evaluate", root, check=False)
    assert failed.returncode != 0 and "Traceback" not in failed.stderr
    assert failed.stderr.strip().splitlines()[-1].startswith(f"error: evaluate: data/questions/bad.csv {message}")
