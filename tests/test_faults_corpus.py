"""Fault family corpus: corrupt, zero-byte, encrypted, renamed non-PDF and scanned files, a
500-page PDF, file names with spaces and non-ASCII letters, duplicate PDFs under two names. Each
file gets its status in metrics/extract.json, good files are processed, duplicates extracted
once, nothing crashes, and memory stays bounded: a document is extracted a few pages at a time."""

import io

import pytest

from conftest import BAD_FILES, DEFAULT_CORPUS, extract_report, extracted_elements, run_stage, text_pdf, write_params


def test_bad_files_are_reported_and_good_files_still_extracted(workspace):
    corpus = workspace / "data" / "pdfs"
    for name, (make, _) in BAD_FILES.items():
        (corpus / name).write_bytes(make())
    result = run_stage("extract", workspace)
    files = extract_report(workspace)["files"]
    for name, (_, reason) in BAD_FILES.items():
        assert files[name]["status"] == "error", name
        assert reason in files[name]["error"], (name, files[name]["error"])
        assert name in result.stderr
    assert files["encrypted.pdf"]["error"].startswith("encrypted PDF: it needs a password")
    good = [p.name for p in DEFAULT_CORPUS.glob("*.pdf")]
    assert all(files[name]["status"] == "ok" for name in good)
    assert sorted(extracted_elements(workspace)) == sorted(good)
    assert extract_report(workspace)["totals"]["errors"] == len(BAD_FILES)


def test_duplicate_pdfs_are_extracted_once(workspace):
    corpus = workspace / "data" / "pdfs"
    # The first name in sorted order is the one extracted; the other is reported as its copy.
    (corpus / "manual copy (2).pdf").write_bytes((corpus / "kestrel-amr7-service-manual.pdf").read_bytes())
    run_stage("extract", workspace)
    files = extract_report(workspace)["files"]
    assert files["kestrel-amr7-service-manual.pdf"]["status"] == "ok"
    assert files["manual copy (2).pdf"] == {
        "doc_id": files["kestrel-amr7-service-manual.pdf"]["doc_id"],
        "status": "duplicate",
        "duplicate_of": "kestrel-amr7-service-manual.pdf",
    }
    assert len(extracted_elements(workspace)) == 4


def test_stage_fails_when_no_file_yields_text(tmp_path):
    corpus = tmp_path / "data" / "pdfs"
    corpus.mkdir(parents=True)
    for name, (make, _) in BAD_FILES.items():
        (corpus / name).write_bytes(make())
    write_params(tmp_path)
    result = run_stage("extract", tmp_path, check=False)
    assert result.returncode != 0
    assert f"none of the {len(BAD_FILES)} files in data/pdfs/ yielded text; see metrics/extract.json" in result.stderr
    assert extract_report(tmp_path)["totals"]["errors"] == len(BAD_FILES)


def long_pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    canvas_ = canvas.Canvas(buffer, invariant=1)
    for page in range(1, pages + 1):
        for line in range(12):
            canvas_.drawString(72, 720 - 14 * line, f"Section {page}.{line}: maintenance interval for drive unit "
                                                    f"{page * 13 + line} is {page % 90 + 10} operating hours.")
        canvas_.showPage()
    canvas_.save()
    return buffer.getvalue()


def extract_one(root, pdf: bytes) -> dict:
    corpus = root / "data" / "pdfs"
    corpus.mkdir(parents=True)
    (corpus / "long.pdf").write_bytes(pdf)
    write_params(root, extract={"pages_per_task": 25})
    run_stage("extract", root)
    return extract_report(root)


def test_a_500_page_pdf_is_extracted_in_bounded_memory(tmp_path):
    short = extract_one(tmp_path / "short", long_pdf(25))
    report = extract_one(tmp_path / "long", long_pdf(500))
    assert report["files"]["long.pdf"]["pages"] == 500
    pages = {element["page"] for element in extracted_elements(tmp_path / "long")["long.pdf"]}
    assert pages == set(range(1, 501))
    # Workers hold 25 pages at a time and the stage one document's elements: 20 times the pages
    # take about the memory of 25 pages, not 20 times it.
    for peak in ("peak_rss_mib", "peak_child_rss_mib"):
        assert report["runtime"][peak] < short["runtime"][peak] + 150, (report["runtime"], short["runtime"])


@pytest.mark.parametrize("name", ["Jahresbericht Müller & Söhne 2024 — Übersicht.pdf", "報告書 第3四半期.pdf"])
def test_file_names_with_spaces_and_non_ascii_letters(tmp_path, name):
    corpus = tmp_path / "data" / "pdfs"
    corpus.mkdir(parents=True)
    (corpus / name).write_bytes(text_pdf("The Tilburg service center opens in May and closes in October."))
    write_params(tmp_path)
    run_stage("extract", tmp_path)
    assert extract_report(tmp_path)["files"][name]["status"] == "ok"
    assert "Tilburg" in " ".join(element["text"] for element in extracted_elements(tmp_path)[name])
    run_stage("chunk", tmp_path)
    assert name in (tmp_path / "data" / "chunks.jsonl").read_text(encoding="utf-8")
