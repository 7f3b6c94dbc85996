"""The heading a chunk sits under, so that a question about it can name its topic.

unstructured labels most headings `Title`, along with many things that are not ("Yes ☒ No ☐", a
signature, "(In millions)", a row of a table it did not see as one), and labels numbered headings
as list items or text ("2. Safety", "Item 7. Management's Discussion and Analysis"). A heading
here is a short `Title` that starts like one and is mostly words, or a short numbered line of any
type that does not end like a sentence. A numbered part of the document ("Item 7. ...",
"Article 5. Warranties", "4. Quality and Specifications") stays in force until the next one, so
a chunk's section reads "Item 1A. Risk Factors — Risks Related to Our Indebtedness".
"""

import re

MAX_HEADING_CHARS = 120
MAX_NUMBERED_HEADING_WORDS = 16
_PART = re.compile(r"^(?:part\s+[IVX]+\.?\s+)?(?:item|article|chapter|section|note)\s+[\dIVX]+[A-Z]?\b[.:]?\s*\S"
                   r"|^\d+\.\s+[A-Z]", re.IGNORECASE)
_NUMBERED = re.compile(r"^\d+(?:\.\d+)+\.?\s+[A-Z]")  # "4.1 Floor requirements"
_WORD = re.compile(r"[A-Za-z]{3}")


def is_heading(element: dict) -> bool:
    text = " ".join(element["text"].split())
    if not text or len(text) > MAX_HEADING_CHARS:
        return False
    # "(In millions)" names units, "of them with ..." is a sentence cut in two, ☐/☒ and /s/ are forms
    if text[0] == "(" or text[0].islower() or "/s/" in text or "☐" in text or "☒" in text:
        return False
    numbered = bool(_PART.match(text) or _NUMBERED.match(text))
    if element["type"] != "Title" and not (
        numbered and text[-1] not in ".:;," and len(text.split()) <= MAX_NUMBERED_HEADING_WORDS
    ):
        return False
    if text[0].isdigit() and not numbered:  # "4 years 11 years": a table's cells
        return False
    visible = text.replace(" ", "")
    return bool(_WORD.search(text)) and sum(c.isalpha() for c in visible) >= 0.6 * len(visible)


class SectionTracker:
    """Reads a document's elements in order; `section` is the heading in force after the last one."""

    def __init__(self, title: str = ""):
        self.title = title  # the document's own title is no section of it
        self.part = ""
        self.heading = ""

    def see(self, element: dict) -> None:
        text = " ".join(element["text"].split())
        if not is_heading(element) or text == self.title:
            return
        if _PART.match(text):
            self.part, self.heading = text, ""
        else:
            self.heading = text

    @property
    def section(self) -> str:
        return " — ".join(part for part in (self.part, self.heading) if part)
