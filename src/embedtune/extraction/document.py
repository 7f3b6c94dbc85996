"""One PDF, split into page ranges that worker processes extract side by side."""

from concurrent.futures import Executor
from dataclasses import dataclass

from embedtune.extraction.params import ExtractParams
from embedtune.extraction.partition import partition_page_range
from embedtune.extraction.pdf_file import CorpusFileError, count_pages, page_range_pdf


@dataclass
class PendingDocument:
    pages: int
    parts: list  # futures of page ranges, in page order

    def elements(self) -> list[dict]:
        """The document's elements in reading order, numbered; raises CorpusFileError
        where the PDF holds no text layer."""
        elements = [element for part in self.parts for element in part.result()]
        if not any(element["text"] for element in elements):
            raise CorpusFileError(
                "no text found: the PDF has no text layer (a scanned document?). "
                "The fast strategy reads embedded text only; OCR needs strategy ocr_only or hi_res with tesseract"
            )
        for index, element in enumerate(elements):
            element["index"] = index
        return elements


def submit_document(pool: Executor, path, params: ExtractParams, on_pages_done=None) -> PendingDocument:
    """Queue the document's page ranges; on_pages_done(n) is called as each range of n pages ends."""
    pages = count_pages(path)
    parts = []
    for start in range(0, pages, params.pages_per_task):
        stop = min(start + params.pages_per_task, pages)
        part = pool.submit(
            extract_page_range, str(path), start, stop, params.strategy, params.tables, list(params.languages)
        )
        if on_pages_done:
            part.add_done_callback(lambda _, n=stop - start: on_pages_done(n))
        parts.append(part)
    return PendingDocument(pages, parts)


def extract_page_range(
    path: str, start: int, stop: int, strategy: str, tables: bool, languages: list[str]
) -> list[dict]:
    return partition_page_range(page_range_pdf(path, start, stop), start + 1, strategy, tables, languages)
