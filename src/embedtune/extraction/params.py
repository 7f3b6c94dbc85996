"""The `extract` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt

from embedtune.common.params import Section


class ExtractParams(Section):
    """PDFs into elements (text and tables), with unstructured; pdfplumber for table structure offline."""

    corpus_dir: Path = Field(Path("data/pdfs"), description="The folder of PDFs to learn from (subfolders too).")
    report: Path = Field(Path("metrics/extract.json"), description="Per file: pages, elements, tables, errors; "
                         "what the stage cost.")
    strategy: Literal["fast", "hi_res", "auto", "ocr_only"] = Field(
        "fast", description="unstructured's strategy. fast: the PDF's text layer, runs anywhere; hi_res and auto "
        "need unstructured's layout model from the Hugging Face hub; ocr_only needs tesseract.")
    tables: bool = Field(True, description="Keep tables' structure (rows and cells): pdfplumber under fast, "
                         "unstructured's model otherwise.")
    languages: list[str] = Field(["eng"], description="The documents' languages, for unstructured.")
    workers: PositiveInt = Field(2, description="Processes extracting pages in parallel (speed only, not output).")
    pages_per_task: PositiveInt = Field(8, description="Pages a worker extracts at a time (speed only).")
