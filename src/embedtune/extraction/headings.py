"""Column headings and titles of a ruled table, read from the page around its rules.

10-K statements print their column headings above the first rule ("December 31," over
"2021  2020"), so the region pdfplumber finds from the ruling lines starts at the first
data row. This module reads the lines of text just above the region: lines whose words sit
over the table's value columns are headings, lines in parentheses ("(In millions)") are the
units, and the line above them is the title; rows printed between the headings and the rule
are the table's first rows. Rows at the top of the region that hold no row label and no
amount are headings too.
"""

import re
from dataclasses import dataclass, field

_AMOUNT = re.compile(r"^[$€£¥(\-−–—]*\s*\d[\d,]*(\.\d+)?\s*%?\)?%?$|^\$?\s*[—–-]+$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_UNITS = re.compile(r"^\(.*[a-z].*\)$", re.IGNORECASE)
_WORDS = re.compile(r"[A-Za-z]{3}")
_PERIOD = re.compile(r"\b(ended|ending)\s*$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_LOOK_ABOVE = 110.0  # points above the first rule where headings and a title may sit
_FIRST_GAP = 30.0  # the lowest heading line starts at most this far above the rule
_LINE_GAP = 30.0  # consecutive lines of one heading block: tops at most this far apart
_MAX_HEADING_LINES = 6
_WORD_GAP = 6.0  # wider than a space between words, narrower than the gap between columns
_SAME_LINE = 2.5  # words whose tops differ by less than this are on one line
_MAX_MISSED_ROWS = 3
_SLACK = 8.0  # points: cell padding, the most a phrase starts off its column's edge
_CENTRED = 15.0  # points: a heading this close to the middle of its columns spans them
_SIGN_SPACE = re.compile(r"(?<=[$€£¥(])\s+|\s+(?=[%)])")


@dataclass(frozen=True)
class Phrase:
    x0: float
    x1: float
    text: str


@dataclass(frozen=True)
class Line:
    top: float
    phrases: list[Phrase]

    @property
    def text(self) -> str:
        return " ".join(phrase.text for phrase in self.phrases)


@dataclass(frozen=True)
class Headings:
    header: list[str] | None  # one heading per column; None when none was found
    body: list[list[str]]  # the data rows: those the ruling missed, then the region's
    caption: str | None  # title and units, as printed above the table
    top: float  # where the table starts on the page, its headings included


@dataclass
class _Block:
    """What lies between a table's first rule and the text above it, read upwards."""

    headings: list[Line] = field(default_factory=list)  # top to bottom
    missed_rows: list[Line] = field(default_factory=list)  # data rows above the rule, top to bottom
    units: list[str] = field(default_factory=list)
    title: str | None = None


def is_amount(cell: str) -> bool:
    """A number as statements print it ("$1,250", "(262)", "21.0%", "—"); a bare year is a heading."""
    cell = cell.strip()
    return bool(cell) and not _YEAR.match(cell) and bool(_AMOUNT.match(cell))


def find_headings(words: list[dict], bbox: tuple, bands: list[tuple[float, float]], rows: list[list[str]]) -> Headings:
    """Headings of a table whose region is bbox and whose kept columns span bands (x0, x1).

    words: the page's words as pdfplumber gives them (x0, x1, top, bottom, text).
    rows: the table's cleaned rows, column for column with bands.
    """
    x0, top = bbox[0], bbox[1]
    above = [
        w for w in words
        if top - _LOOK_ABOVE < w["bottom"] <= top + 1 and x0 - 1 <= (w["x0"] + w["x1"]) / 2 <= bbox[2] + 1
    ]
    block = _read_upwards(_lines(above), top, bands)
    leading = _leading_heading_rows(rows)

    header: list[list[str]] = [[] for _ in bands]
    for line in block.headings:
        for column, text in _assign_heading(line, bands).items():
            header[column].append(text)
    for row in rows[:leading]:
        for column, cell in enumerate(row):
            if cell:
                header[column].append(cell)
    caption = " ".join(part for part in (block.title, *block.units) if part) or None
    if not any(header[1:]):
        return Headings(header=None, body=rows, caption=caption, top=top)
    missed = [_data_row(line, bands) for line in block.missed_rows]
    return Headings(
        header=[" ".join(_without_dangling_period(parts)) for parts in header],
        body=missed + rows[leading:],
        caption=caption,
        top=min(line.top for line in block.headings + block.missed_rows) if block.headings else top,
    )


def text_lines(words: list[dict]) -> list[list[dict]]:
    """pdfplumber's words grouped into lines of text, top to bottom."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) < _SAME_LINE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return lines


def _lines(words: list[dict]) -> list[Line]:
    """Lines of text, bottom line first, each line's words into phrases (runs of words
    closer than the gap between columns)."""
    result = []
    for line in reversed(text_lines(words)):
        phrases: list[list[dict]] = []
        for word in sorted(line, key=lambda w: w["x0"]):
            if phrases and word["x0"] - phrases[-1][-1]["x1"] < _WORD_GAP:
                phrases[-1].append(word)
            else:
                phrases.append([word])
        result.append(Line(
            top=min(w["top"] for w in line),
            phrases=[Phrase(p[0]["x0"], p[-1]["x1"], " ".join(w["text"] for w in p)) for p in phrases],
        ))
    return result


def _read_upwards(lines: list[Line], table_top: float, bands) -> _Block:
    """Walk up from the rule: data rows the ruling missed, heading lines, units; the first
    other line is the title."""
    block = _Block()
    pending: list[Line] = []  # label or data lines: rows of the table if headings sit above them
    previous_top = table_top
    values_start = _values_start(bands)
    for line in lines:
        if previous_top - line.top > (_FIRST_GAP if previous_top == table_top else _LINE_GAP):
            break
        previous_top = line.top
        units = [p for p in line.phrases if _UNITS.match(p.text)]
        block.units[:0] = [p.text for p in units]
        line = Line(line.top, [p for p in line.phrases if p not in units])
        if not line.phrases:
            continue
        kind = _kind(line, values_start)
        if kind == "data" and not block.headings and len(pending) < _MAX_MISSED_ROWS:
            pending.insert(0, line)
        elif kind == "heading" and len(block.headings) < _MAX_HEADING_LINES:
            block.headings.insert(0, line)
        elif line.text[0].islower() and block.title is None:
            block.title = line.text  # the end of a sentence that introduces the table: read on
        else:
            if _WORDS.search(line.text):
                block.title = f"{line.text} {block.title}" if block.title else line.text
            break
    if pending and not block.headings:
        return _Block()  # rows above the rule without headings: what sits above them is no title
    block.missed_rows = pending
    return block


def _kind(line: Line, values_start: float) -> str:
    """data: a row label and/or amounts; heading: words over the value columns (currency
    signs among them), perhaps beside a heading over the labels' column; other: a line
    that runs from the labels into the values, as prose and titles do."""
    if any(p.x0 < values_start - _SLACK and p.x1 > values_start + _SLACK for p in line.phrases):
        return "other"
    over_values = [p for p in line.phrases if _over_values(p, values_start)]
    if any(is_amount(p.text) for p in over_values) or not over_values:
        return "data"
    if all(p in over_values or p.x1 <= values_start + _SLACK for p in line.phrases):
        return "heading"
    return "other"


def _values_start(bands) -> float:
    return bands[1][0] if len(bands) > 1 else bands[0][1]


def _over_values(phrase: Phrase, values_start: float) -> bool:
    return phrase.x0 >= values_start - _SLACK


def _assign_heading(line: Line, bands) -> dict[int, str]:
    """Each value column takes the nearest phrase of the line. A phrase centred over several
    columns ("Year Ended" over three years) heads them all; one that is not ("Compute &" over
    the first of four) heads only the columns under it."""
    assigned: dict[int, str] = {}
    value_phrases = [p for p in line.phrases if _over_values(p, _values_start(bands))]
    if len(value_phrases) < len(line.phrases):
        assigned[0] = " ".join(p.text for p in line.phrases if p not in value_phrases)
    nearest: dict[Phrase, list[int]] = {}
    for column in range(1, len(bands)):
        phrase = min(value_phrases, key=lambda p: _distance(p, *bands[column]))
        nearest.setdefault(phrase, []).append(column)
    for phrase, columns in nearest.items():
        left, right = bands[columns[0]][0], bands[columns[-1]][1]
        centred = abs((phrase.x0 + phrase.x1) / 2 - (left + right) / 2) <= max(_CENTRED, 0.15 * (right - left))
        if len(columns) > 1 and not centred:
            columns = [c for c in columns if _distance(phrase, *bands[c]) == 0] or columns[:1]
        for column in columns:
            assigned[column] = phrase.text
    return assigned


def _data_row(line: Line, bands) -> list[str]:
    """A row the ruling missed, its phrases put in the columns whose bands hold them."""
    cells = [""] * len(bands)
    for phrase in line.phrases:
        centre = (phrase.x0 + phrase.x1) / 2
        column = min(range(len(bands)), key=lambda c: _distance(Phrase(centre, centre, ""), *bands[c]))
        cells[column] = f"{cells[column]} {phrase.text}".strip()
    return [_SIGN_SPACE.sub("", cell) for cell in cells]


def _distance(phrase: Phrase, left: float, right: float) -> float:
    if phrase.x1 >= left and phrase.x0 <= right:
        return 0.0
    return min(abs(phrase.x0 - right), abs(left - phrase.x1))


def _without_dangling_period(parts: list[str]) -> list[str]:
    """A period heading ("Year Ended") printed over every column also reaches the change
    columns beside the years ("$ Change"); it heads only columns whose heading names a date."""
    if any(_DIGIT.search(part) for part in parts):
        return parts
    return [part for part in parts if not _PERIOD.search(part)]


def _leading_heading_rows(rows: list[list[str]]) -> int:
    """Rows at the top of the region with no row label and no amount: headings the ruling
    drew inside the table."""
    count = 0
    for row in rows[:-1]:
        label, values = row[0], row[1:]
        if label or not any(values) or any(is_amount(cell) or cell.endswith(":") for cell in values):
            break
        count += 1
    return count
