"""Stage `extract`: every PDF of the corpus folder into elements (text and tables) with unstructured.

Incremental inside the stage: data/extracted/ holds one <doc_id>.jsonl per document, keyed
by the hash of the file's bytes, and manifest.json records the extraction settings they were
made with. A PDF whose bytes and settings are unchanged is not extracted again; a removed
PDF's file is deleted. dvc.yaml marks the folder `persist: true` so DVC keeps it between runs.
"""

import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

from tqdm import tqdm

from embedtune.extraction.document import submit_document
from embedtune.extraction.partition import require_spacy_model
from embedtune.extraction.pdf_file import CorpusFileError
from embedtune.hashing import file_digest, params_digest
from embedtune.jsonl import read_json, read_jsonl, write_json, write_jsonl
from embedtune.params import ExtractParams, load_params

MANIFEST = "manifest.json"


def find_pdfs(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        sys.exit(
            f"extract: corpus folder {corpus_dir}/ does not exist. Put the PDFs to learn from in "
            f"{corpus_dir}/ (or point extract.corpus_dir in params.yaml at your folder)."
        )
    pdfs = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
    if not pdfs:
        sys.exit(
            f"extract: no .pdf files in {corpus_dir}/. Put the PDFs to learn from there "
            f"(or point extract.corpus_dir in params.yaml at your folder)."
        )
    return pdfs


def settings_fingerprint(params: ExtractParams) -> str:
    """What the elements depend on besides the bytes: the settings and the extractors' versions."""
    return params_digest({
        "strategy": params.strategy,
        "tables": params.tables,
        "languages": list(params.languages),
        "unstructured": version("unstructured"),
        "pdfplumber": version("pdfplumber"),
    })


def main() -> None:
    params = load_params("extract")
    started = time.perf_counter()
    pdfs = find_pdfs(params.corpus_dir)
    output_dir = params.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = settings_fingerprint(params)
    manifest_path = output_dir / MANIFEST
    previous = read_json(manifest_path) if manifest_path.exists() else {}
    reusable = previous.get("documents", {}) if previous.get("settings") == fingerprint else {}

    names = {pdf: pdf.relative_to(params.corpus_dir).as_posix() for pdf in pdfs}
    by_digest: dict[str, list[Path]] = {}
    for pdf in pdfs:
        by_digest.setdefault(file_digest(pdf), []).append(pdf)

    report: dict[str, dict] = {}
    documents: dict[str, dict] = {}
    to_extract = []
    for doc_id, copies in by_digest.items():
        name = names[copies[0]]
        for duplicate in copies[1:]:
            report[names[duplicate]] = {"doc_id": doc_id, "status": "duplicate", "duplicate_of": name}
        cached = reusable.get(doc_id)
        if cached and (output_dir / f"{doc_id}.jsonl").exists():
            if cached["file_name"] != name:
                _rename_elements(output_dir / f"{doc_id}.jsonl", name)
            documents[doc_id] = {**cached, "file_name": name}
            report[name] = {"doc_id": doc_id, "status": "ok", "reused": True, **_counts(cached)}
        else:
            to_extract.append((doc_id, name, copies[0]))

    if to_extract:
        require_spacy_model()
    total_pages = 0
    with ProcessPoolExecutor(max_workers=params.workers) as pool, tqdm(
        total=0, desc="extract", unit="page", disable=not to_extract
    ) as bar:
        window = deque()
        queue = deque(to_extract)
        while queue or window:
            while queue and len(window) <= params.workers:
                doc_id, name, path = queue.popleft()
                try:
                    pending = submit_document(pool, path, params, on_pages_done=bar.update)
                except CorpusFileError as error:
                    report[name] = {"doc_id": doc_id, "status": "error", "error": str(error)}
                else:
                    bar.total += pending.pages
                    bar.refresh()
                    window.append((doc_id, name, pending))
            if not window:
                continue
            doc_id, name, pending = window.popleft()
            bar.set_postfix_str(name[-40:])
            try:
                elements = pending.elements()
            except Exception as error:  # one bad file must not stop the corpus
                report[name] = {"doc_id": doc_id, "status": "error", "pages": pending.pages, "error": _describe(error)}
            else:
                for element in elements:
                    element.update(doc_id=doc_id, file_name=name)
                write_jsonl(output_dir / f"{doc_id}.jsonl", elements)
                documents[doc_id] = {
                    "file_name": name,
                    "pages": pending.pages,
                    "elements": len(elements),
                    "tables": sum(e["type"] == "Table" for e in elements),
                }
                report[name] = {"doc_id": doc_id, "status": "ok", "reused": False, **_counts(documents[doc_id])}
                total_pages += pending.pages

    for stale in output_dir.glob("*.jsonl"):
        if stale.stem not in documents:
            stale.unlink()
    write_json(manifest_path, {"settings": fingerprint, "documents": documents})
    seconds = time.perf_counter() - started
    write_report(params.report, report, documents, total_pages, seconds)

    errors = {name: entry["error"] for name, entry in report.items() if entry["status"] == "error"}
    for name, error in sorted(errors.items()):
        print(f"extract: {name}: {error}", file=sys.stderr)
    if not documents:
        sys.exit(f"extract: none of the {len(pdfs)} files in {params.corpus_dir}/ yielded text; reasons in {params.report}")
    reused = sum(entry.get("reused", False) for entry in report.values())
    print(
        f"extract: {len(documents)} documents ({len(documents) - reused} extracted, {reused} unchanged), "
        f"{len(errors)} errors, "
        f"{sum(d['elements'] for d in documents.values())} elements, "
        f"{sum(d['tables'] for d in documents.values())} tables in {seconds:.1f}s"
    )


def _counts(document: dict) -> dict:
    return {key: document[key] for key in ("pages", "elements", "tables")}


def _describe(error: Exception) -> str:
    if isinstance(error, CorpusFileError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _rename_elements(path: Path, name: str) -> None:
    write_jsonl(path, [{**element, "file_name": name} for element in read_jsonl(path)])


def write_report(path: Path, report: dict, documents: dict, pages: int, seconds: float) -> None:
    statuses = [entry["status"] for entry in report.values()]
    write_json(path, {
        "totals": {
            "files": len(report),
            "documents": len(documents),
            "errors": statuses.count("error"),
            "duplicates": statuses.count("duplicate"),
            "pages": sum(d["pages"] for d in documents.values()),
            "elements": sum(d["elements"] for d in documents.values()),
            "tables": sum(d["tables"] for d in documents.values()),
            "pages_extracted": pages,
            "seconds": round(seconds, 2),
        },
        "files": dict(sorted(report.items())),
    })


if __name__ == "__main__":
    main()
