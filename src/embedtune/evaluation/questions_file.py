"""evaluate.questions_file: the user's own questions, mapped onto the chunks of the corpus.

Each row has a question and says where its answer is: the answering text (`context`, as it
appears in the documents; with `file` too, only that document's chunks are searched), or a
`file` and its `page` ("7", "7-8", "7, 9"). A chunk is relevant when it contains the context
(compared without whitespace and case); where no chunk does (the chunking cut the context, or it
differs from the documents' text in the middle), the chunks holding its start or its end (its
first or last 60 characters, or ending with its first 30 or more, or beginning with its last 30 or
more) and any wholly inside it; with file and page, every chunk of that
file on one of those pages. A row that maps to nothing is reported with the reason, never
silently dropped; a file where nothing maps, or without the columns it needs, is refused.
The file must lie under evaluate.questions_dir, the folder dvc.yaml tracks, so that editing it
reruns the evaluation.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from embedtune.common.errors import StageError
from embedtune.common.table_file import read_table

SETTING = "evaluate.questions_file"
# A chunk holds a context's start (or end) when it holds this many of its first (or last) characters,
# whitespace removed: about ten words, too many to recur by chance.
ANCHOR = 60
# Or when the chunk ends with the context's beginning, or begins with its end, over this many characters.
SEAM = 30
_PAGES = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


def normal(text: str) -> str:
    """Case folded, whitespace removed: PDF text breaks lines inside words ("software- defined")."""
    return "".join(text.split()).lower()


@dataclass
class UserQuestions:
    questions: list[str] = field(default_factory=list)
    relevant: list[set[str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the document of each question's relevant chunks
    unmapped: list[dict] = field(default_factory=list)  # {row, question, reason}
    rows: int = 0
    read_as: dict = field(default_factory=dict)  # the encoding and separator the file was read with

    def report(self, path: Path) -> dict:
        return {"path": str(path), **self.read_as, "rows": self.rows, "mapped": len(self.questions),
                "unmapped": len(self.unmapped), "unmapped_rows": self.unmapped}


def parse_pages(value) -> list[int]:
    """7, "7", "7-9", "7, 9" -> page numbers; ValueError on anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return [int(value)]
    pages = []
    for part in str(value).split(","):
        match = _PAGES.match(part)
        if not match:
            raise ValueError(f"page {value!r} is not a page number, a range (7-9) or a list (7, 9)")
        first, last = int(match[1]), int(match[2] or match[1])
        pages += range(first, last + 1)
    return pages


class ChunkIndex:
    """The corpus's chunks, normalised once, by document."""

    def __init__(self, chunks: list[dict]):
        self.chunks = chunks
        self.texts = [normal(chunk["text"]) for chunk in chunks]
        self.by_file: dict[str, list[int]] = {}
        for i, chunk in enumerate(chunks):
            self.by_file.setdefault(chunk["file_name"], []).append(i)
        self.last_page = {name: max(page for i in members for page in chunks[i]["pages"])
                          for name, members in self.by_file.items()}

    def containing(self, context: str, members: list[int]) -> set[str]:
        context = normal(context)
        inside = {self.chunks[i]["chunk_id"] for i in members if context in self.texts[i]}
        if inside or len(context) < ANCHOR:
            return inside
        return self._straddling(context, members)

    def _straddling(self, context: str, members: list[int]) -> set[str]:
        """The chunks holding the context's start or its end, and any wholly inside it: the chunking
        cut the context, or the documents' text differs from it in the middle."""
        return {self.chunks[i]["chunk_id"] for i in members if _holds_part(self.texts[i], context)}

    def on_pages(self, file_name: str, pages: list[int]) -> set[str]:
        return {self.chunks[i]["chunk_id"] for i in self.by_file[file_name]
                if set(self.chunks[i]["pages"]) & set(pages)}


def _holds_part(text: str, context: str) -> bool:
    """Whether a chunk's text holds the context's first or last ANCHOR characters, ends with the context's
    beginning or begins with its end (SEAM characters at least), or lies wholly inside it."""
    if context[:ANCHOR] in text or context[-ANCHOR:] in text or (len(text) >= ANCHOR and text in context):
        return True
    position = text.find(context[:SEAM])
    while position >= 0:
        if context.startswith(text[position:]):
            return True
        position = text.find(context[:SEAM], position + 1)
    position = text.find(context[-SEAM:])
    while position >= 0:
        if context.endswith(text[:position + SEAM]):
            return True
        position = text.find(context[-SEAM:], position + 1)
    return False


def _cell(table: pd.DataFrame, column: str | None, index) -> str:
    if column is None or column not in table.columns or pd.isna(table.at[index, column]):
        return ""
    return str(table.at[index, column]).strip()


def map_questions(path: Path, folder: Path, columns: dict[str, str], chunks: list[dict]) -> UserQuestions:
    """The questions of `path` with their relevant chunk ids; rows that map to nothing, with why."""
    if not path.resolve().is_relative_to(folder.resolve()):
        raise StageError(f"evaluate: {SETTING} {path} is outside {folder}/ (evaluate.questions_dir), the folder "
                         "dvc.yaml tracks: move it there, so that DVC reruns the evaluation when it changes")
    source = read_table(path, SETTING)
    table = source.table
    found = ", ".join(map(repr, table.columns)) or "none"
    if columns["question"] not in table.columns:
        raise StageError(f"evaluate: {path} has no {columns['question']!r} column (it has {found}); "
                         "set evaluate.columns.question to the column holding the questions")
    has_context = columns["context"] in table.columns
    has_pages = columns["file"] in table.columns and columns["page"] in table.columns
    if not has_context and not has_pages:
        raise StageError(f"evaluate: {path} has neither a {columns['context']!r} column nor {columns['file']!r} and "
                         f"{columns['page']!r} columns (it has {found}): each question needs the text that answers "
                         "it, or the file and page where that is; see evaluate.columns")
    if table.empty:
        raise StageError(f"evaluate: {path} holds no rows")
    index = ChunkIndex(chunks)
    result = UserQuestions(rows=len(table), read_as=source.read_as())
    for number, row in enumerate(table.index, 1):
        question = _cell(table, columns["question"], row)
        context = _cell(table, columns["context"], row)
        file_name = _cell(table, columns["file"], row)
        page = _cell(table, columns["page"], row) if has_pages else ""
        relevant, reason = _relevant(index, context, file_name, page, table.at[row, columns["page"]] if page else None)
        if not question:
            relevant, reason = set(), f"empty {columns['question']!r}"
        if not relevant:
            result.unmapped.append({"row": number, "question": question, "reason": reason})
            continue
        result.questions.append(question)
        result.relevant.append(relevant)
        result.files.append(file_name or _file_of(index, relevant))
    if not result.questions:
        reasons = "; ".join(f"row {entry['row']}: {entry['reason']}" for entry in result.unmapped[:3])
        raise StageError(f"evaluate: none of the {result.rows} questions in {path} maps to a chunk of the corpus "
                         f"({reasons}{'; ...' if len(result.unmapped) > 3 else ''})")
    return result


def _relevant(index: ChunkIndex, context: str, file_name: str, page: str, raw_page) -> tuple[set[str], str]:
    """A row's relevant chunk ids, or none and the reason."""
    if file_name and file_name not in index.by_file:
        return set(), f"file {file_name!r} is not in the corpus"
    if context:
        members = index.by_file[file_name] if file_name else range(len(index.chunks))
        relevant = index.containing(context, list(members))
        where = f"any chunk of {file_name}" if file_name else "any chunk"
        return relevant, "" if relevant else f"the context is not in {where} (compared without case and whitespace)"
    if not (file_name and page):
        return set(), "neither a context nor a file and page"
    try:
        pages = parse_pages(raw_page)
    except ValueError as error:
        return set(), str(error)
    last = index.last_page[file_name]
    if min(pages) > last:
        return set(), f"page {page} is past the last page with text in {file_name} ({last})"
    relevant = index.on_pages(file_name, pages)
    return relevant, "" if relevant else f"no chunk of {file_name} is on page {page}"


def _file_of(index: ChunkIndex, relevant: set[str]) -> str:
    return next(chunk["file_name"] for chunk in index.chunks if chunk["chunk_id"] in relevant)
