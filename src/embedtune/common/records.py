"""The records one stage writes and the next reads, one JSON object per line.

These are their shapes; the stage tests check every record of real outputs against them
(`check_records`), so a field renamed in a producer fails there, not in the next stage.
"""

from collections.abc import Iterable
from typing import (
    Literal,
    NotRequired,  # pydantic needs this one before Python 3.12
)

from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

STRICT = ConfigDict(extra="forbid", strict=True)


@with_config(STRICT)
class Element(TypedDict):
    """extract → chunk: paths.extracted/<doc_id>.jsonl, in reading order."""

    doc_id: str  # hash of the PDF's bytes
    file_name: str  # relative to extract.corpus_dir
    index: int  # position in the document
    page: int  # 1-based
    type: str  # unstructured's category: Title, NarrativeText, Table, ...
    text: str  # a table's as a Markdown table
    rows: NotRequired[list[list[str]]]  # a table's cells (pdfplumber)
    header: NotRequired[bool]  # a table's: whether rows[0] is its column headings rather than a first data row
    caption: NotRequired[str]  # a table's title and units, as printed above it
    html: NotRequired[str]  # a table's structure (unstructured's model, hi_res)


@with_config(STRICT)
class Chunk(TypedDict):
    """chunk → generate, dataset, evaluate, search: paths.chunks."""

    chunk_id: str  # hash of the text
    doc_id: str
    file_name: str
    title: str  # the document's, as extract found it
    position: int  # order in its document
    kind: Literal["text", "table"]
    text: str
    pages: list[int]
    section: str  # the heading it sits under ("Item 7. ... — Revenue Recognition"); "" before the first
    header: str  # chunk.header's fields, put above the text where the chunk is embedded or indexed; "" if none


@with_config(STRICT)
class Question(TypedDict):
    """generate → dataset: paths.questions, one line per kept question."""

    question: str
    chunk_id: str
    generator: dict  # what wrote it: backend, model, its sha256, the prompt's sha256


@with_config(STRICT)
class CacheLine(TypedDict):
    """generate's reply cache (generate.cache): every LLM reply, keyed by what produced it."""

    key: str  # hash of the generator, the prompt template, the sampling settings and the chunk's text
    chunk_id: str
    reply: str


def check_records(records: Iterable[dict], shape: type) -> int:
    """Validate each record against `shape` (one of the TypedDicts above); the count checked."""
    adapter = TypeAdapter(shape)
    count = 0
    for record in records:
        adapter.validate_python(record)
        count += 1
    return count
