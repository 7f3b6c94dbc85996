"""Stage `extract`'s parts: PDFs into elements with unstructured, tables with pdfplumber."""
