"""Opening a corpus file as a PDF, with a clear reason when it cannot be one."""

import pypdfium2 as pdfium


class CorpusFileError(Exception):
    """A corpus file that yields nothing; the message says why, for the extraction report."""


def count_pages(path) -> int:
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if not head:
        raise CorpusFileError("empty file (0 bytes)")
    if b"%PDF-" not in head:
        raise CorpusFileError("not a PDF: the file has no %PDF- header (renamed from another format?)")
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise CorpusFileError("encrypted PDF: it needs a password, which the pipeline does not have") from None
        raise CorpusFileError(f"corrupt PDF: {error}") from None
    with document:
        pages = len(document)
    if pages == 0:
        raise CorpusFileError("corrupt PDF: no pages")
    return pages


def page_range_pdf(path, start: int, stop: int) -> bytes:
    """Pages [start, stop) of the PDF as a PDF of their own, so workers can share one file."""
    import io

    with pdfium.PdfDocument(path) as source, pdfium.PdfDocument.new() as part:
        part.import_pages(source, list(range(start, stop)))
        buffer = io.BytesIO()
        part.save(buffer)
    return buffer.getvalue()
