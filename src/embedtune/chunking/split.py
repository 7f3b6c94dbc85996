"""Elements of one document into retrieval chunks.

Prose flows across elements and pages and is split by langchain's recursive splitter;
each chunk knows the pages it came from and the section heading it starts under. Tables never
share a chunk with prose: a table is one chunk, or, when too long, runs of rows that each repeat
the caption and the header row (the column headings, when extraction found them).
"""

import re
from collections.abc import Callable, Iterator

from langchain_text_splitters import RecursiveCharacterTextSplitter

from embedtune.chunking.sections import SectionTracker
from embedtune.markdown import to_markdown

CAPTION_MAX_CHARS = 200  # a short element just before a table names it ("Segment revenue")
_WORDS = re.compile(r"[A-Za-z]{3}")


class DocumentChunker:
    def __init__(self, chunk_size: int, chunk_overlap: int, length: Callable[[str], int], drop_types: list[str]):
        self.chunk_size = chunk_size
        self.length = length
        self.drop_types = set(drop_types)
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap, length_function=length, add_start_index=True
        )

    def chunks(self, elements: list[dict], title: str = "") -> Iterator[dict]:
        """Chunks of one document (titled `title`) in reading order: kind, text, pages, section."""
        prose: list[tuple[dict, str]] = []  # each element with the section in force after it
        previous = None
        sections = SectionTracker(title)
        for element in elements:
            if element["type"] in self.drop_types:
                continue
            if element["type"] == "Table":
                yield from self._prose_chunks(prose)
                prose = []
                for chunk in self._table_chunks(element, _caption(previous, element)):
                    yield {**chunk, "section": sections.section}
            else:
                sections.see(element)
                prose.append((element, sections.section))
            previous = element
        yield from self._prose_chunks(prose)

    def _prose_chunks(self, elements: list[tuple[dict, str]]) -> Iterator[dict]:
        if not elements:
            return
        spans, parts, offset = [], [], 0
        for element, section in elements:
            spans.append((offset, offset + len(element["text"]), element["page"], section))
            parts.append(element["text"])
            offset += len(element["text"]) + 2
        text = "\n\n".join(parts)
        for piece in self.splitter.create_documents([text]):
            start = piece.metadata["start_index"]
            end = start + len(piece.page_content)
            pages = sorted({page for first, last, page, _ in spans if first < end and last > start})
            # the section of the element the chunk starts in (a chunk that opens with a heading is under it)
            section = next(section for first, last, _, section in spans if last > start)
            yield {"kind": "text", "text": piece.page_content, "pages": pages, "section": section}

    def _table_chunks(self, table: dict, caption: str | None) -> Iterator[dict]:
        header, *body = table.get("rows") or [[table["text"]]]
        prefix = f"{caption}\n\n" if caption else ""
        whole = prefix + table["text"]
        if self.length(whole) <= self.chunk_size or not body:
            yield {"kind": "table", "text": whole, "pages": [table["page"]]}
            return
        run: list[list[str]] = []
        for row in body:
            if run and self.length(prefix + to_markdown([header, *run, row])) > self.chunk_size:
                yield from self._table_run(prefix, header, run, table["page"])
                run = []
            run.append(row)
        yield from self._table_run(prefix, header, run, table["page"])

    def _table_run(self, prefix: str, header: list[str], rows: list[list[str]], page: int) -> Iterator[dict]:
        text = prefix + to_markdown([header, *rows])
        if self.length(text) <= self.chunk_size:
            yield {"kind": "table", "text": text, "pages": [page]}
            return
        # A single row longer than a chunk: keep its text, give up its layout.
        for piece in self.splitter.split_text(text):
            yield {"kind": "table", "text": piece, "pages": [page]}


def _caption(previous: dict | None, table: dict) -> str | None:
    """The title the extractor read above the table; where it read only the units ("(In
    millions)") or nothing, the short element just before the table names it."""
    own = table.get("caption")
    if own and not own.startswith("("):
        return own
    named = None
    if previous and previous["type"] != "Table" and previous["page"] == table["page"]:
        text = previous["text"]
        # a footnote marker such as "(1)" names nothing
        if len(text) <= CAPTION_MAX_CHARS and _WORDS.search(text):
            named = text
    return " ".join(part for part in (named, own) if part) or None
