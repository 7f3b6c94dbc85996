"""Table structure from the PDF's ruling lines, with pdfplumber: the offline route to tables.

unstructured's own table structure needs its hi_res layout model from the Hugging Face hub;
pdfplumber reads the drawn lines and the characters between them, which needs nothing. The
column headings printed above the first rule are joined to the table (see headings).
"""

import io
from dataclasses import dataclass

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from embedtune.extraction.headings import find_headings
from embedtune.extraction.shading import join_shaded_rows

# Typeset financial tables put these signs in cells of their own.
_LEADING_SIGNS = {"$", "€", "£", "¥", "("}
_TRAILING_SIGNS = {"%", ")"}
_THIN = 2.0  # points: thinner than this, a path is a line rather than a box


@dataclass(frozen=True)
class Table:
    page_index: int  # 0-based, within the PDF it was read from
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in points, origin top-left; headings included
    rows: list[list[str]]  # the first is the column headings when header, else the first data row
    header: bool  # whether column headings were found
    caption: str | None  # the title (and units) printed above the table


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
            words = None
            for found in join_shaded_rows(page, page.find_tables()):
                rows, columns = clean_rows(found.extract())
                if not rows:
                    continue
                words = words or page.extract_words()
                bands = column_bands(found, columns)
                headings = find_headings(words, found.bbox, bands, rows)
                x0, _, x1, bottom = found.bbox
                tables.append(Table(
                    page_index=page.page_number - 1,
                    bbox=(x0, headings.top, x1, bottom),
                    rows=[headings.header, *headings.body] if headings.header else rows,
                    header=headings.header is not None or first_row_is_bold(page, found),
                    caption=headings.caption,
                ))
            page.close()
    return tables


def first_row_is_bold(page, found) -> bool:
    """A header row drawn inside the rules: set in bold above rows that are not."""
    def bold(row) -> bool | None:
        chars = [c for c in page.crop(row.bbox).chars if c["text"].strip()]
        return all("bold" in c["fontname"].lower() for c in chars) if chars else None

    styles = [style for style in map(bold, found.rows[:3]) if style is not None]
    return len(styles) >= 2 and styles[0] and not styles[1]


def column_bands(found, columns: list[int]) -> list[tuple[float, float]]:
    """The horizontal extent of each kept column: the cells drawn for it, a value's cell
    spanning its sign's column included, a row-wide cell (a section label) left out."""
    bands = []
    for column in columns:
        extents = []
        for row in found.rows:
            start = column
            while start > 0 and row.cells[start] is None:
                start -= 1
            end = column
            while end + 1 < len(row.cells) and row.cells[end + 1] is None:
                end += 1
            if row.cells[start] is not None and end - start <= 2:
                extents.append((row.cells[start][0], row.cells[start][2]))
        if not extents:
            extents = [(found.bbox[0], found.bbox[2])]
        bands.append((min(x for x, _ in extents), max(x for _, x in extents)))
    return bands


def clean_rows(raw_rows: list[list[str | None]]) -> tuple[list[list[str]], list[int]]:
    """Cells as a reader sees them: signs joined to their numbers, empty columns and rows
    dropped; and which of the raw columns were kept. Fewer than two rows or columns is not
    a table."""
    rows = [_span_to_last_column(row) for row in raw_rows]
    for row in rows:
        _join_signs(row)
    width = max((len(row) for row in rows), default=0)
    rows = [row + [""] * (width - len(row)) for row in rows]
    kept_columns = [c for c in range(width) if any(row[c] for row in rows)]
    rows = [[row[c] for c in kept_columns] for row in rows]
    rows = _join_wrapped_labels([row for row in rows if any(row)])
    if len(rows) < 2 or len(kept_columns) < 2:
        return [], []
    return rows, kept_columns


def _join_wrapped_labels(rows: list[list[str]]) -> list[list[str]]:
    """A label printed a line above its amounts ("Research and development" over "27,195 …")
    reads as one row; a section label ("Revenue:") stays a row of its own."""
    joined: list[list[str]] = []
    for row in rows:
        previous = joined[-1] if joined else None
        if (previous and not any(previous[1:]) and not previous[0].endswith(":")
                and not row[0] and any(row[1:])):
            joined[-1] = [previous[0], *row[1:]]
        else:
            joined.append(row)
    return joined


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
