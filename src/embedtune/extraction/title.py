"""A document's title, so that questions written about one of its chunks can name what it is about.

In order: the registrant, form and period of an SEC filing's cover page ("Apple Inc. Form 10-K,
fiscal year ended September 30, 2023"; its first heading is the commission's name, and its
metadata title is the file name or "Form 10-K for Microsoft Corp filed 07/27/2023", without the
period); the PDF's metadata title, when it is one (not empty, not the file's own name); the first
heading of page 1; the file name.
"""

import re
from pathlib import Path

import pypdfium2 as pdfium

_FORM = re.compile(r"\bFORM\s+(10-K|10-Q|20-F|40-F|8-K|S-1)\b", re.IGNORECASE)
_PERIOD = re.compile(r"\bfor the (fiscal year|quarterly period) ended\s+([A-Z][a-z]+ \d{1,2}, \d{4})",
                     re.IGNORECASE)
_REGISTRANT_LABEL = re.compile(r"\(exact name of registrant", re.IGNORECASE)
_FILE_NUMBER = re.compile(r"^commission file number", re.IGNORECASE)
_LETTERS = re.compile(r"[A-Za-z]{3}")


def document_title(path: Path, elements: list[dict]) -> str:
    return (filing_title(elements) or metadata_title(path) or first_heading(elements)
            or Path(path).stem.replace("_", " "))


def metadata_title(path: Path) -> str | None:
    with pdfium.PdfDocument(str(path)) as document:
        title = " ".join((document.get_metadata_dict().get("Title") or "").split())
    # EDGAR prints a filing's file stem ("nvda-20230129") as its title.
    if not title or title.lower() == Path(path).stem.lower() or " " not in title:
        return None
    return title


def filing_title(elements: list[dict]) -> str | None:
    """The cover page of an SEC filing: registrant, form and period."""
    cover = [" ".join(element["text"].split()) for element in elements if element["page"] == 1]
    text = " ".join(cover)
    form = _FORM.search(text)
    registrant = _registrant(cover)
    if not (form and registrant):
        return None
    title = f"{registrant} Form {form.group(1).upper()}"
    if period := _PERIOD.search(text):
        title += f", {period.group(1).lower()} ended {period.group(2)}"
    return title


def _registrant(cover: list[str]) -> str | None:
    """The name printed over "(Exact name of registrant as specified in its charter)", on its line
    or the line above, else the first line with words after the commission file number
    (Microsoft prints no label)."""
    for index, line in enumerate(cover):
        if label := _REGISTRANT_LABEL.search(line):
            name = line[: label.start()].strip() or (cover[index - 1] if index else "")
            if _LETTERS.search(name):
                return name
    for index, line in enumerate(cover):
        if _FILE_NUMBER.match(line):
            return next((later for later in cover[index + 1:] if _LETTERS.search(later)), None)
    return None


def first_heading(elements: list[dict]) -> str | None:
    return next((" ".join(element["text"].split()) for element in elements
                 if element["page"] == 1 and element["type"] == "Title" and _LETTERS.search(element["text"])), None)
