"""The `extract` section of params.yaml."""

from pathlib import Path
from typing import Literal

from pydantic import PositiveInt

from embedtune.common.params import Section


class ExtractParams(Section):
    corpus_dir: Path = Path("data/pdfs")
    report: Path = Path("metrics/extract.json")
    # fast: pdfminer text layer, runs anywhere. hi_res/auto need unstructured's layout
    # model from the Hugging Face hub; ocr_only needs tesseract.
    strategy: Literal["fast", "hi_res", "auto", "ocr_only"] = "fast"
    tables: bool = True
    languages: list[str] = ["eng"]
    workers: PositiveInt = 2
    pages_per_task: PositiveInt = 8
