"""Table structure from the PDF's ruling lines, with pdfplumber: the offline route to tables.

unstructured's own table structure needs its hi_res layout model from the Hugging Face hub;
pdfplumber reads the drawn lines and the characters between them, which needs nothing.
"""

import io
from dataclasses import dataclass

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# Typeset financial tables put these signs in cells of their own.
_LEADING_SIGNS = {"$", "€", "£", "¥", "("}
_TRAILING_SIGNS = {"%", ")"}
_THIN = 2.0  # points: thinner than this, a path is a line rather than a box


@dataclass(frozen=True)
class Table:
    page_index: int  # 0-based, within the PDF it was read from
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in points, origin top-left
    rows: list[list[str]]


def pages_with_ruling(pdf_bytes: bytes) -> list[int]:
    """Pages that draw both horizontal and vertical edges: the only ones pdfplumber's
    lines strategy can find a table on. pdfium answers this in milliseconds per page,
    which spares the slow pdfminer parse of every page of prose."""
    candidates = []
    with pdfium.PdfDocument(pdf_bytes) as document:
        for index in range(len(document)):
            horizontal = vertical = 0
            for path in document[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
                left, bottom, right, top = path.get_bounds()
                width, height = right - left, top - bottom
                horizontal += width > _THIN
                vertical += height > _THIN
            if horizontal >= 2 and vertical >= 2:
                candidates.append(index)
    return candidates


def extract_tables(pdf_bytes: bytes) -> list[Table]:
    tables = []
    pages = pages_with_ruling(pdf_bytes)
    if not pages:
        return tables
    with pdfplumber.open(io.BytesIO(pdf_bytes), pages=[index + 1 for index in pages]) as pdf:
        for page in pdf.pages:
            for found in page.find_tables():
                rows = clean_rows(found.extract())
                if rows:
                    tables.append(Table(page.page_number - 1, tuple(found.bbox), rows))
            page.close()
    return tables


def clean_rows(raw_rows: list[list[str | None]]) -> list[list[str]]:
    """Cells as a reader sees them: signs joined to their numbers, empty columns and rows
    dropped. Fewer than two rows or columns is not a table."""
    rows = [_span_to_last_column(row) for row in raw_rows]
    for row in rows:
        _join_signs(row)
    width = max((len(row) for row in rows), default=0)
    rows = [row + [""] * (width - len(row)) for row in rows]
    kept_columns = [c for c in range(width) if any(row[c] for row in rows)]
    rows = [[row[c] for c in kept_columns] for row in rows]
    rows = [row for row in rows if any(row)]
    if len(rows) < 2 or len(kept_columns) < 2:
        return []
    return rows


def _span_to_last_column(row: list[str | None]) -> list[str]:
    """pdfplumber marks the columns a merged cell spans with None. Numbers are right-aligned,
    so the value belongs in the span's last column, where the other rows put theirs."""
    cells = [" ".join((cell or "").split()) for cell in row]
    for i in range(len(row) - 1, -1, -1):
        if row[i] is None and i > 0 and row[i - 1] is not None and cells[i - 1]:
            end = i
            while end + 1 < len(row) and row[end + 1] is None:
                end += 1
            cells[end], cells[i - 1] = cells[i - 1], ""
    return cells


def _join_signs(row: list[str]) -> None:
    for i, cell in enumerate(row):
        if cell in _LEADING_SIGNS:
            following = next((j for j in range(i + 1, len(row)) if row[j]), None)
            if following is not None:
                row[following] = cell + row[following]
                row[i] = ""
        elif cell in _TRAILING_SIGNS:
            preceding = next((j for j in range(i - 1, -1, -1) if row[j]), None)
            if preceding is not None:
                row[preceding] = row[preceding] + cell
                row[i] = ""
