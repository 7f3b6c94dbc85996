"""Benchmark of table column headings on the shared 10-K filings (../shared/data/10k).

Runs the extractor's table route (pdfplumber's ruling lines, then the headings read above
the first rule) over NVIDIA's, Apple's, Microsoft's and Tesla's fiscal-2023 10-Ks and measures:
- truth set: of the tables in bench/tables_truth.json (headings written down from the PDFs),
  the share whose extracted header row gives every value column the heading a reader sees;
- complete headers: of all tables extracted, the share whose first row heads every value
  column with words rather than a first data row's amounts.
Prints a table per filing and writes bench/results/tables.json. Targets: truth set >= 90%
matched; complete headers >= 80% of all tables.

Run: python bench/tables.py
"""

import json
import re
from pathlib import Path

from measure import Target, parse_check, report_targets

from embedtune.extraction.headings import is_amount
from embedtune.extraction.tables import extract_tables

REPO = Path(__file__).resolve().parents[1]
TEN_KS = REPO.parent / "shared" / "data" / "10k"
TRUTH = REPO / "bench" / "tables_truth.json"
RESULTS = REPO / "bench" / "results" / "tables.json"
FILINGS = ["nvda-20230129.pdf", "aapl-20230930.pdf", "msft-20230630.pdf", "tsla-20231231.pdf"]
ROWS_TO_SEARCH = 4  # the truth's row label is among a table's first data rows


def has_complete_header(rows: list[list[str]]) -> bool:
    """Whether the first row heads every value column with words rather than a first data row's
    amounts. The row labels' column is left out: statements seldom head it."""
    header = rows[0][1:]
    return bool(header) and all(cell and not is_amount(cell) for cell in header)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def find_table(tables: list, page: int, row: str):
    """The table on the page whose first data rows include the row label, or None."""
    for table in tables:
        if table.page_index + 1 == page:
            labels = [normalise(cells[0]) for cells in table.rows[:ROWS_TO_SEARCH + 1]]
            if normalise(row) in labels:
                return table
    return None


def check_truth(entry: dict, tables: list) -> dict:
    table = find_table(tables, entry["page"], entry["row"])
    extracted = table.rows[0][1:] if table else None
    matched = extracted is not None and [normalise(h) for h in extracted] == [normalise(h) for h in entry["headers"]]
    return {**entry, "found": table is not None, "extracted": extracted, "matched": matched}


def measure_filing(path: Path, truth: list[dict]) -> dict:
    tables = extract_tables(path.read_bytes())
    checks = [check_truth(entry, tables) for entry in truth]
    complete = sum(has_complete_header(table.rows) for table in tables)
    return {
        "tables": len(tables),
        "complete_header": complete,
        "complete_header_share": round(complete / len(tables), 4) if tables else None,
        "truth_tables": len(checks),
        "truth_found": sum(check["found"] for check in checks),
        "truth_matched": sum(check["matched"] for check in checks),
        "truth": checks,
    }


def main() -> None:
    args = parse_check(__doc__)
    if not all((TEN_KS / name).exists() for name in FILINGS):
        print(f"bench/tables.py: skipped, {TEN_KS} is absent (the shared 10-K filings are needed)")
        return
    truth = json.loads(TRUTH.read_text())["tables"]
    per_filing = {}
    for name in FILINGS:
        print(f"extracting the tables of {name} ...", flush=True)
        per_filing[name] = measure_filing(TEN_KS / name, [entry for entry in truth if entry["file"] == name])

    tables = sum(entry["tables"] for entry in per_filing.values())
    complete = sum(entry["complete_header"] for entry in per_filing.values())
    matched = sum(entry["truth_matched"] for entry in per_filing.values())
    result = {
        "truth_set_matched": round(matched / len(truth), 4),
        "complete_header_share": round(complete / tables, 4),
        "truth_tables": len(truth),
        "tables": tables,
        "per_filing": per_filing,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")

    print(f"\n{'filing':<20} {'tables':>6} {'complete header':>16} {'truth set':>10} {'found':>6} {'matched':>8}")
    for name, entry in per_filing.items():
        print(f"{name:<20} {entry['tables']:>6} {entry['complete_header_share']:>16.0%} {entry['truth_tables']:>10} "
              f"{entry['truth_found']:>6} {entry['truth_matched']:>8}")
    print(f"{'all four':<20} {tables:>6} {result['complete_header_share']:>16.0%} {len(truth):>10} "
          f"{sum(e['truth_found'] for e in per_filing.values()):>6} {matched:>8}")
    for entry in per_filing.values():
        for check in entry["truth"]:
            if not check["matched"]:
                print(f"  not matched: {check['file']} p{check['page']} {check['row']!r}: "
                      f"wanted {check['headers']}, extracted {check['extracted']}")
    print(f"\nwrote {RESULTS.relative_to(REPO)}")
    report_targets([
        Target("truth set tables matched (share)", result["truth_set_matched"], 0.9),
        Target("tables with a complete header (share)", result["complete_header_share"], 0.8),
    ], args.check)


if __name__ == "__main__":
    main()
