"""Questions written from a table's structure, without an LLM (generate.table_questions: structure).

A table chunk holds its column headings (often periods) and row labels; a user asks for a cell as
"what was <row> in <period>", naming the company. The 0.5B generator writes weak questions about
tables (on four 10-Ks its questions with column headings cost the tuned model 0.027 ndcg@10), so
here each question names a row label, a column heading and the document's subject (its title up to
" — " or " Form "), e.g. "What was research and development for Apple Inc. in 2023?". Rows and
columns are drawn with a seed per chunk; only cells holding a number are asked about.
"""

import random
import re

MAX_LABEL_WORDS = 12
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A heading that is a period or a date: "2023", "FY2025", "Year Ended January 29, 2023", "June 30, 2025".
PERIOD = re.compile(rf"^(?:(?:fiscal )?(?:years?|quarter|(?:three|six|nine|twelve) months) ended )?"
                    rf"(?:fiscal |fy ?)?(?:{MONTH} \d{{1,2}}, )?(?:19|20)\d\d$", re.IGNORECASE)
FOOTNOTE = re.compile(r"\s*\(\d\)$")  # "iPad (1)": a footnote's marker, not part of the name
DURATION = re.compile(r"^(?:fiscal|fy|years?|quarter|three|six|nine|twelve|(?:19|20)\d\d$)", re.IGNORECASE)


def subject_of(title: str) -> str:
    """Whose document it is: "Apple Inc." of "Apple Inc. Form 10-K, fiscal year ended ..."."""
    subject = re.split(r" — | Form ", title, maxsplit=1)[0].strip()
    return subject.title() if subject.isupper() else subject


def table_cells(text: str) -> tuple[list[str], list[list[str]]]:
    """The first Markdown table's column headings and rows (cells stripped), below its rule."""
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    if len(lines) < 3:
        return [], []
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return cells[0], [row for row in cells[2:] if len(row) == len(cells[0])]


def phrase(text: str) -> str:
    """A label or heading as it reads inside a sentence: "Research and development" lowered to
    "research and development", names ("Autonomous Mobile Robots", "Diluted EPS") kept."""
    text = FOOTNOTE.sub("", text).rstrip(":").strip()
    words = text.split()
    if words[0].isupper() or any(char.isdigit() for char in words[0]) or any(
            char.isupper() for word in words[1:] for char in word):
        return text
    return text[0].lower() + text[1:]


def period(heading: str) -> str:
    """A period heading inside a sentence: "Years Ended January 29, 2023" -> "the year ended January 29, 2023"."""
    words = re.sub(r"^years\b", "year", heading, flags=re.IGNORECASE)
    words = re.sub(r"\b(year|ended|fiscal|quarter|months)\b", lambda word: word.group().lower(), words,
                   flags=re.IGNORECASE)
    return ("the " if words.startswith(("year", "quarter", "three", "six", "nine", "twelve")) else "") + words


def is_heading(heading: str) -> bool:
    """A column heading a question can name: a period, or words (not a number of a table's continued rows)."""
    return bool(PERIOD.match(heading) or re.search(r"[A-Za-z]{2}", heading)) and not heading.lower().startswith("page")


def question(label: str, heading: str, subject: str) -> str:
    if PERIOD.match(heading):
        preposition = "in" if DURATION.match(heading) else "as of"
        return f"What was {phrase(label)} for {subject} {preposition} {period(heading)}?"
    return f"What was the {phrase(heading)} of {phrase(label)} for {subject}?"


def structure_questions(chunk: dict, n: int, seed: int) -> list[str]:
    """Up to n questions about different rows of the chunk's table, each on one numeric cell."""
    headings, rows = table_cells(chunk["text"])
    asked = []
    for row in rows:
        label = row[0].rstrip(":").strip()
        columns = [j for j in range(1, len(row)) if is_heading(headings[j]) and any(char.isdigit() for char in row[j])]
        if columns and re.search(r"[A-Za-z]{2}", label) and len(label.split()) <= MAX_LABEL_WORDS:
            asked.append((label, columns))
    draw = random.Random(f"{seed}:{chunk['chunk_id']}")
    questions = []
    for label, columns in draw.sample(asked, len(asked)):
        text = question(label, headings[draw.choice(columns)], subject_of(chunk["title"] or chunk["file_name"]))
        if text not in questions:
            questions.append(text)
        if len(questions) == n:
            break
    return questions
