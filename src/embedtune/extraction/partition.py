"""Text elements of a PDF with unstructured's partition_pdf."""

import io
import re

from embedtune.common.errors import StageError
from embedtune.common.pinned import verified_folder
from embedtune.extraction.tables import Table, extract_tables
from embedtune.markdown import to_markdown

SPACY_MODEL = "en_core_web_sm"
# pdfminer writes a glyph it cannot map to a character (a bullet in a subset font, say) as
# "(cid:127)": noise to an embedding model.
_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)\s?")


class MissingSpacyModel(StageError):
    pass


def require_spacy_model() -> None:
    """unstructured classifies elements with spaCy's en_core_web_sm. When it is missing,
    unstructured tries to download it and, offline, returns no elements at all. Its files are
    checked against their pinned digests."""
    import spacy.util

    if not spacy.util.is_package(SPACY_MODEL) or verified_folder(SPACY_MODEL) is None:
        raise MissingSpacyModel(
            f"spaCy model {SPACY_MODEL} is not installed; without it unstructured returns no "
            "text offline. Install it with `make install` (packaging/en_core_web_sm)."
        )


def partition_page_range(
    pdf_bytes: bytes, first_page: int, strategy: str, tables: bool, languages: list[str]
) -> list[dict]:
    """Elements of a PDF holding pages first_page.. of a document, in reading order.

    Each element: page (1-based, of the whole document), type, text; tables also carry
    rows, and from pdfplumber whether the first row is a found header, and their caption.
    Where tables come from pdfplumber, the text elements that unstructured made of the same
    cells and headings are replaced by the table, at the place of the first of them.
    """
    from unstructured.partition.pdf import partition_pdf

    infer_tables = tables and strategy != "fast"
    elements = partition_pdf(
        file=io.BytesIO(pdf_bytes),
        strategy=strategy,
        languages=languages,
        infer_table_structure=infer_tables,
        starting_page_number=first_page,
    )
    records = [record for record in map(_element_record, elements) if record["text"]]
    if tables and strategy == "fast":
        records = _replace_cells_with_tables(records, extract_tables(pdf_bytes), first_page)
    for record in records:
        record.pop("bbox")
    return records


def _element_record(element) -> dict:
    record = {
        "page": element.metadata.page_number,
        "type": element.category,
        "text": _UNMAPPED_GLYPH.sub("", element.text).strip(),
        "bbox": _bbox(element),
    }
    html = getattr(element.metadata, "text_as_html", None)
    if element.category == "Table" and html:
        record["html"] = html
    return record


def _bbox(element):
    coordinates = element.metadata.coordinates
    if coordinates is None or not coordinates.points:
        return None
    xs = [x for x, _ in coordinates.points]
    ys = [y for _, y in coordinates.points]
    return (min(xs), min(ys), max(xs), max(ys))


def _replace_cells_with_tables(records: list[dict], tables: list[Table], first_page: int) -> list[dict]:
    placed: dict[int, list[dict]] = {}  # index of the first covered element -> tables there
    covered: set[int] = set()
    for table in tables:
        page = first_page + table.page_index
        inside = [i for i, r in enumerate(records) if r["page"] == page and _centre_inside(r["bbox"], table.bbox)]
        anchor = inside[0] if inside else _first_below(records, page, table.bbox)
        covered.update(inside)
        record = {"page": page, "type": "Table", "text": to_markdown(table.rows), "rows": table.rows,
                  "header": table.header, "bbox": table.bbox}
        if table.caption:
            record["caption"] = table.caption
        placed.setdefault(anchor, []).append(record)
    merged = []
    for i in range(len(records) + 1):
        merged.extend(placed.get(i, []))
        if i < len(records) and i not in covered:
            merged.append(records[i])
    return merged


def _centre_inside(bbox, box) -> bool:
    if bbox is None:
        return False
    x, y = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _first_below(records: list[dict], page: int, box) -> int:
    """Where a table whose cells unstructured did not report goes: before the first element
    after it on its page, or after the page's last element."""
    for i, record in enumerate(records):
        if record["page"] > page or (record["page"] == page and record["bbox"] and record["bbox"][1] >= box[1]):
            return i
    return len(records)
