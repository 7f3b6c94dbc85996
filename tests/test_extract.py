"""Stage `extract` on real PDFs through real unstructured and pdfplumber."""

import hashlib
import json

import pytest

from conftest import (
    DEFAULT_CORPUS,
    SHARED_DATA,
    extract_report,
    extracted_elements,
    load_bench,
    run_stage,
    text_pdf,
    write_params,
)
from embedtune.common.records import Element, check_records


def table_rows(elements, first_cell):
    for element in elements:
        if element["type"] == "Table":
            for row in element["rows"]:
                if row[0] == first_cell:
                    return row
    raise AssertionError(f"no table row starts with {first_cell!r}")


def test_default_corpus_elements_carry_document_page_type_and_text(extracted_default):
    workspace = extracted_default
    elements = extracted_elements(workspace)
    assert sorted(elements) == sorted(p.name for p in DEFAULT_CORPUS.glob("*.pdf"))
    for name, records in elements.items():
        assert check_records(records, Element) == len(records)
        digest = hashlib.sha256((DEFAULT_CORPUS / name).read_bytes()).hexdigest()[:16]
        assert {r["doc_id"] for r in records} == {digest}
        assert [r["index"] for r in records] == list(range(len(records)))
        assert all(r["text"] and r["page"] >= 1 and r["type"] for r in records)
    annual = elements["alderbank-annual-report-fy2025.pdf"]
    assert {"Title", "NarrativeText"} <= {r["type"] for r in annual}
    pages = extract_report(workspace)["files"]["alderbank-annual-report-fy2025.pdf"]["pages"]
    assert max(r["page"] for r in annual) == pages
    assert any("Tessera is a cube storage system" in r["text"] for r in annual)
    # The bullets' glyphs have no character mapping; pdfminer's "(cid:127)" for them is dropped.
    bullets = [r for r in annual if r["text"].startswith("Fulfillment Systems designs and installs")]
    assert bullets and not any("(cid:" in r["text"] for records in elements.values() for r in records)


def test_financial_tables_keep_their_structure_and_cell_values(extracted_default):
    workspace = extracted_default
    elements = extracted_elements(workspace)
    annual = elements["alderbank-annual-report-fy2025.pdf"]
    assert table_rows(annual, "Segment") == [
        "Segment", "FY2025 revenue", "FY2024 revenue", "Change", "FY2025 operating income", "FY2024 operating income",
    ]
    assert table_rows(annual, "Autonomous Mobile Robots") == [
        "Autonomous Mobile Robots", "$402.9", "$323.4", "24.6%", "$58.0", "$37.2",
    ]
    assert table_rows(annual, "Total assets") == ["Total assets", "$1,742.6", "$1,561.9"]
    assert table_rows(annual, "Restructuring charges") == ["Restructuring charges", "$6.4", "—", "$3.2"]
    segment = next(e for e in annual if e["type"] == "Table" and e["rows"][0][0] == "Segment")
    assert segment["text"].splitlines()[2] == "| Fulfillment Systems | $548.2 | $516.7 | 6.1% | $49.3 | $41.9 |"
    # The cells are in the table, not repeated as loose text around it.
    assert not any(e["type"] != "Table" and e["text"] == "$402.9" for e in annual)
    contract = elements["veltro-master-supply-agreement.pdf"]
    assert table_rows(contract, "8,001 to 16,000") == ["8,001 to 16,000", "€584.00", "€657.00"]
    manual = elements["kestrel-amr7-service-manual.pdf"]
    assert table_rows(manual, "E-214")[1] == "Left drive motor overcurrent"
    guide = elements["harbor-administrator-guide.pdf"]
    assert table_rows(guide, "95.0% to below 99.0%") == ["95.0% to below 99.0%", "25%"]
    assert extract_report(workspace)["totals"]["tables"] == 10


def test_headings_printed_above_the_first_rule_become_the_tables_header(extracted_default):
    """The balance sheet of the annual report prints "June 30," over "2025 | 2024" above its
    first rule, as 10-K statements do; its title and units sit above them."""
    elements = extracted_elements(extracted_default)["alderbank-annual-report-fy2025.pdf"]
    balance = next(e for e in elements if e["type"] == "Table" and e["rows"][1][0].startswith("Cash, cash"))
    assert balance["rows"][0] == ["", "June 30, 2025", "June 30, 2024"]
    assert balance["header"] is True
    assert balance["caption"] == "Consolidated balance sheet data (in millions of U.S. dollars)"
    assert balance["text"].splitlines()[0] == "|  | June 30, 2025 | June 30, 2024 |"
    # The headings are in the table, not left behind as loose text.
    assert not any(e["type"] != "Table" and e["text"] in {"June 30,", "2025 2024", "2025", "June 30, 2025 2024"}
                   for e in elements)
    # A header row drawn inside the rules (bold over plain rows) counts as a header too.
    totals = extract_report(extracted_default)["totals"]
    assert (totals["tables_with_header"], totals["tables_without_header"]) == (10, 0)


@pytest.mark.skipif(not (SHARED_DATA / "10k").is_dir(), reason="needs ../shared/data")
def test_truth_set_tables_get_the_headings_a_reader_sees():
    """bench/tables_truth.json: 26 statement and schedule tables of the four shared 10-Ks."""
    bench_tables = load_bench("tables")
    truth = json.loads(bench_tables.TRUTH.read_text())["tables"]
    missed = []
    for name in bench_tables.FILINGS:
        result = bench_tables.measure_filing(bench_tables.TEN_KS / name, [t for t in truth if t["file"] == name])
        missed += [(name, c["page"], c["row"], c["extracted"]) for c in result["truth"] if not c["matched"]]
    assert missed == []


def test_rerun_extracts_only_added_pdfs_and_drops_removed_ones(workspace):
    run_stage("extract", workspace)
    extracted = workspace / "data" / "extracted"
    before = {p.name: p.stat().st_mtime_ns for p in extracted.glob("*.jsonl")}
    (workspace / "data" / "pdfs" / "memo.pdf").write_bytes(text_pdf("Memo: the Tilburg service center opens in May."))

    result = run_stage("extract", workspace)
    files = extract_report(workspace)["files"]
    assert files["memo.pdf"]["reused"] is False
    assert all(entry["reused"] for name, entry in files.items() if name != "memo.pdf")
    assert {p.name: p.stat().st_mtime_ns for p in extracted.glob("*.jsonl") if p.name in before} == before
    assert "1 extracted, 4 unchanged" in result.stdout

    (workspace / "data" / "pdfs" / "kestrel-amr7-service-manual.pdf").unlink()
    run_stage("extract", workspace)
    assert "kestrel-amr7-service-manual.pdf" not in extracted_elements(workspace)
    assert len(list(extracted.glob("*.jsonl"))) == 4


def test_changed_settings_extract_again(workspace):
    run_stage("extract", workspace)
    write_params(workspace, extract={"tables": False})
    run_stage("extract", workspace)
    assert not any(entry["reused"] for entry in extract_report(workspace)["files"].values())
    assert extract_report(workspace)["totals"]["tables"] == 0


def test_renamed_pdf_is_not_extracted_again(workspace):
    run_stage("extract", workspace)
    corpus = workspace / "data" / "pdfs"
    (corpus / "kestrel-amr7-service-manual.pdf").rename(corpus / "manual.pdf")
    run_stage("extract", workspace)
    assert extract_report(workspace)["files"]["manual.pdf"]["reused"] is True
    assert {e["file_name"] for e in extracted_elements(workspace)["manual.pdf"]} == {"manual.pdf"}


@pytest.mark.parametrize("make_folder", [False, True], ids=["missing", "empty"])
def test_missing_or_empty_corpus_says_what_to_put_where(tmp_path, make_folder):
    if make_folder:
        (tmp_path / "data" / "pdfs").mkdir(parents=True)
    write_params(tmp_path)
    result = run_stage("extract", tmp_path, check=False)
    assert result.returncode != 0
    assert "Put the PDFs to learn from" in result.stderr and "data/pdfs/" in result.stderr


@pytest.mark.skipif(not (SHARED_DATA / "10k" / "nvda-20230129.pdf").exists(), reason="needs ../shared/data")
def test_real_10k_segment_table(tmp_path):
    """Pages 87-89 of NVIDIA's FY2023 10-K: the revenue by specialized markets table."""
    import pypdfium2 as pdfium

    corpus = tmp_path / "data" / "pdfs"
    corpus.mkdir(parents=True)
    with pdfium.PdfDocument(SHARED_DATA / "10k" / "nvda-20230129.pdf") as source, pdfium.PdfDocument.new() as part:
        part.import_pages(source, [86, 87, 88])
        part.save(corpus / "nvda-excerpt.pdf")
    write_params(tmp_path)
    run_stage("extract", tmp_path)
    elements = extracted_elements(tmp_path)["nvda-excerpt.pdf"]
    assert table_rows(elements, "Data Center") == ["Data Center", "$15,005", "$10,613", "$6,696"]
    assert table_rows(elements, "Gaming") == ["Gaming", "9,067", "12,462", "7,759"]


def test_each_document_gets_a_title(extracted_default):
    files = extract_report(extracted_default)["files"]
    manifest = json.loads((extracted_default / "data" / "extracted" / "manifest.json").read_text())["documents"]
    # the bundled PDFs carry real metadata titles; a filing's cover page comes first where it has one
    assert files["kestrel-amr7-service-manual.pdf"]["title"] == (
        "Kestrel AMR-7 Autonomous Mobile Robot — Installation, Operation and Service Manual")
    assert files["veltro-master-supply-agreement.pdf"]["title"] == (
        "Master Supply Agreement between Alderbank Robotics, Inc. and Veltro Drive GmbH")
    assert sorted(entry["title"] for entry in manifest.values()) == sorted(entry["title"] for entry in files.values())


def test_a_filing_is_titled_by_its_cover_page_in_each_layout():
    from embedtune.extraction.title import filing_title

    def cover(*lines):
        return [{"page": 1, "type": "Title", "text": line} for line in lines] + [
            {"page": 2, "type": "Title", "text": "FORM 8-K later on"}]

    # Apple: the name above the label; NVIDIA: name and label in one element; Microsoft: no label;
    # Tesla: words separated by tabs
    assert filing_title(cover("FORM 10-K", "For the fiscal year ended September 30, 2023", "Commission File Number: 1",
                              "Apple Inc.", "(Exact name of Registrant as specified in its charter)")) == (
        "Apple Inc. Form 10-K, fiscal year ended September 30, 2023")
    assert filing_title(cover("FORM 10-K", "For the fiscal year ended January 29, 2023",
                              "NVIDIA CORPORATION (Exact name of registrant as specified in its charter)")) == (
        "NVIDIA CORPORATION Form 10-K, fiscal year ended January 29, 2023")
    assert filing_title(cover("FORM 10-K", "For the Fiscal Year Ended June 30, 2023",
                              "Commission File Number 001-37845", "MICROSOFT CORPORATION")) == (
        "MICROSOFT CORPORATION Form 10-K, fiscal year ended June 30, 2023")
    assert filing_title(cover("FORM\t10-Q", "For\tthe\tquarterly\tperiod\tended\tMarch\t31,\t2024",
                              "Tesla,\tInc.", "(Exact\tname\tof\tregistrant\tas\tspecified\tin\tits\tcharter)")) == (
        "Tesla, Inc. Form 10-Q, quarterly period ended March 31, 2024")
    assert filing_title(cover("Kestrel AMR-7 Service Manual", "FORM 10-K is mentioned here")) is None


@pytest.mark.skipif(not (SHARED_DATA / "10k").is_dir(), reason="needs ../shared/data")
def test_the_shared_10ks_are_titled_by_registrant_form_and_period():
    from embedtune.extraction.partition import partition_page_range
    from embedtune.extraction.pdf_file import page_range_pdf
    from embedtune.extraction.title import document_title

    titles = {}
    for name in ("nvda-20230129.pdf", "aapl-20230930.pdf", "msft-20230630.pdf", "tsla-20231231.pdf"):
        path = SHARED_DATA / "10k" / name
        titles[name] = document_title(path, partition_page_range(page_range_pdf(path, 0, 1), 1, "fast", False, ["eng"]))
    assert titles == {
        "nvda-20230129.pdf": "NVIDIA CORPORATION Form 10-K, fiscal year ended January 29, 2023",
        "aapl-20230930.pdf": "Apple Inc. Form 10-K, fiscal year ended September 30, 2023",
        "msft-20230630.pdf": "MICROSOFT CORPORATION Form 10-K, fiscal year ended June 30, 2023",
        "tsla-20231231.pdf": "Tesla, Inc. Form 10-K, fiscal year ended December 31, 2023",
    }
