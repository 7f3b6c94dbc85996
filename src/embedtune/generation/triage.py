"""generate.triage: chunks no user would search for are not sent to the LLM.

They stay in the corpus (evaluation and search still retrieve them); only the questions the
LLM would write about them, which teach the model nothing a user needs, are spared. Each rule
is simple enough to check by eye; the reason travels with every skipped chunk.
"""

import re

_CHECK_BOXES = re.compile(r"[☐☒☑□■]")
_SIGNATURE = re.compile(r"/s/")
_CONTENTS_LINE = re.compile(r"^\|?\s*(item|part|note|section)\s+\w+\.?\s*\|.*\|\s*\d{1,3}\s*\|$", re.IGNORECASE)
_DOTTED_PAGE = re.compile(r"\.{4,}\s*\d{1,3}\s*$")
_FORM = re.compile(r"\b(8-K|10-K|10-Q|S-1|S-3|S-4|S-8|DEF 14A)\b")
_EXHIBIT_NUMBER = re.compile(r"(?m)(^|\|\s*)\d{1,3}\.\d{1,3}[*†#]*\s*($|\|)")
_LETTER = re.compile(r"[A-Za-z]")
_MIN_CHARACTERS = 40  # shorter than this, a chunk holds nothing to ask about
_MIN_LETTER_SHARE = 0.3  # below it, a chunk of prose is mostly numbers without labels


def triage_reason(chunk: dict) -> str | None:
    """Why no one would search for this chunk, or None when someone might."""
    text = chunk["text"]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(_CHECK_BOXES.findall(text)) >= 2:
        return "cover_page_check_boxes"
    if len(_SIGNATURE.findall(text)) >= 2:
        return "signatures"
    if sum(bool(_CONTENTS_LINE.match(line) or _DOTTED_PAGE.search(line)) for line in lines) >= 4:
        return "table_of_contents"
    if len(_FORM.findall(text)) >= 3 and len(_EXHIBIT_NUMBER.findall(text)) >= 3:
        return "exhibit_index"
    visible = [c for c in text if not c.isspace() and c not in "|-"]
    if len(visible) < _MIN_CHARACTERS:
        return "too_short"
    # A table's numbers have their labels in its rows and header; prose that is mostly numbers has none.
    if chunk["kind"] == "text" and sum(bool(_LETTER.match(c)) for c in visible) / len(visible) < _MIN_LETTER_SHARE:
        return "mostly_numbers"
    return None
