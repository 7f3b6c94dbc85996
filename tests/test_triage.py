"""generate.triage: the rules on chunks of each kind, written the way the shared 10-Ks print them,
and the stage skipping them without asking the LLM."""

import json

import pytest

from conftest import generate_report, openai_params, run_stage, workspace_with_chunks
from embedtune.common.hashing import text_digest
from embedtune.common.jsonl import read_jsonl
from embedtune.generation.triage import triage_reason

SKIPPED = {
    "cover_page_check_boxes": "Indicate by check mark whether the Registrant is a shell company (as defined in "
                              "Rule 12b-2 of the Act).\n\nYes ☐ No ☒",
    "signatures": "/s/ Timothy D. Cook TIMOTHY D. COOK\n\nChief Executive Officer and Director\n\n"
                  "/s/ Luca Maestri LUCA MAESTRI\n\nSenior Vice President, Chief Financial Officer",
    "table_of_contents": "Part I\n\n| Item 1. | Business | 1 |\n| --- | --- | --- |\n| Item 1A. | Risk Factors | 5 |\n"
                         "| Item 1B. | Unresolved Staff Comments | 16 |\n| Item 2. | Properties | 17 |\n"
                         "| Item 3. | Legal Proceedings | 17 |",
    "exhibit_index": "10.26\n\n10-K\n\n0-23985\n\n10.27\n\n10-Q\n\n0-23985\n\n10.2\n\n8-K\n\n0-23985",
    "too_short": "Investments",
    "mostly_numbers": "77\n\n2023 2022 2021\n\n$ 1,250 $ 2,250 $ 3,500 $ 4,000\n\n12/31/2023 01/29/2023",
}
KEPT = [
    # a balance sheet is numbers with labels: exactly what users ask about
    ("table", "Consolidated Balance Sheets (in millions)\n\n|  | December 31, 2023 | December 31, 2022 |\n"
              "| --- | --- | --- |\n| Cash and cash equivalents | $16,398 | $16,253 |"),
    ("text", "Our effective tax rate was 21.8%, compared with 24.3% in fiscal 2024, reflecting a larger research "
             "tax credit."),
    # one check box in prose is not a cover page
    ("text", "Compute & Networking revenue grew 36% to $15.1 billion (☐ not audited)."),
]


@pytest.mark.parametrize("reason", sorted(SKIPPED))
def test_each_kind_of_boilerplate_is_skipped_for_its_reason(reason):
    kind = "table" if SKIPPED[reason].lstrip().startswith("|") or "| ---" in SKIPPED[reason] else "text"
    assert triage_reason({"kind": kind, "text": SKIPPED[reason]}) == reason


@pytest.mark.parametrize(("kind", "text"), KEPT)
def test_passages_a_user_would_search_are_kept(kind, text):
    assert triage_reason({"kind": kind, "text": text}) is None


def test_the_stage_asks_nothing_about_skipped_chunks_and_lists_them(tmp_path, chunked_default, scripted):
    root = workspace_with_chunks(tmp_path, chunked_default, count=6, triage=True, **openai_params(scripted.url("ok")))
    chunks_file = root / "data" / "chunks.jsonl"
    boilerplate = [{"chunk_id": text_digest(text), "doc_id": "cover", "file_name": "cover.pdf", "title": "Cover",
                    "position": i, "kind": "text", "text": text, "pages": [1], "section": ""}
                   for i, text in enumerate([SKIPPED["cover_page_check_boxes"], SKIPPED["signatures"]])]
    with chunks_file.open("a") as out:
        out.writelines(json.dumps(chunk) + "\n" for chunk in boilerplate)

    run_stage("generate", root)
    report = generate_report(root)
    assert report["triaged"] == {"cover_page_check_boxes": 1, "signatures": 1}
    assert report["calls"] == 6 and report["chunks"] == 8
    listed = list(read_jsonl(root / "data" / "generate-triaged.jsonl"))
    assert [entry["reason"] for entry in listed] == ["cover_page_check_boxes", "signatures"]
    assert listed[0]["first_line"].startswith("Indicate by check mark")
    asked = {json.loads(line)["chunk_id"] for line in (root / "data" / "questions.jsonl").read_text().splitlines()}
    assert not asked & {chunk["chunk_id"] for chunk in boilerplate}
