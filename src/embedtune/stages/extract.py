"""Stage `extract`: every PDF of the corpus folder into elements (text and tables) with unstructured.

Incremental inside the stage (see embedtune.extraction.store): a PDF whose bytes and
extraction settings did not change is not extracted again, a removed PDF drops out, and
identical PDFs under two names are extracted once. dvc.yaml marks the output folder
`persist: true` so DVC keeps it between runs. Files that yield no text are reported in
metrics/extract.json with the reason; the stage fails only when no file yields text.
"""

import signal
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

from tqdm import tqdm

import embedtune.extraction
import embedtune.markdown
from embedtune.common.hashing import file_digest, params_digest, text_digest
from embedtune.common.jsonl import write_json
from embedtune.common.params import load_params
from embedtune.common.paths import load_paths
from embedtune.common.runtime import runtime
from embedtune.extraction.document import submit_document
from embedtune.extraction.params import ExtractParams
from embedtune.extraction.partition import require_spacy_model
from embedtune.extraction.pdf_file import CorpusFileError
from embedtune.extraction.store import ExtractedStore
from embedtune.extraction.title import document_title
from embedtune.stages import run

ToExtract = tuple[str, str, Path]  # doc_id, file name in the corpus, path


def find_pdfs(corpus_dir: Path) -> list[Path]:
    hint = f"Put the PDFs to learn from in {corpus_dir}/ (or point extract.corpus_dir in params.yaml at your folder)."
    if not corpus_dir.is_dir():
        sys.exit(f"extract: corpus folder {corpus_dir}/ does not exist. {hint}")
    pdfs = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
    if not pdfs:
        sys.exit(f"extract: no .pdf files in {corpus_dir}/. {hint}")
    return pdfs


def settings_fingerprint(params: ExtractParams) -> str:
    """What the elements depend on besides the bytes: the settings, the extraction code
    (the files dvc.yaml lists for this stage) and the extractors' versions."""
    code = [Path(module.__file__) for module in (embedtune.markdown,)]
    code += sorted(Path(embedtune.extraction.__file__).parent.glob("*.py"))
    return params_digest({
        "strategy": params.strategy,
        "tables": params.tables,
        "languages": list(params.languages),
        "code": [text_digest(path.read_text()) for path in code],
        "unstructured": version("unstructured"),
        "pdfplumber": version("pdfplumber"),
    })


def plan(pdfs: list[Path], corpus_dir: Path, store: ExtractedStore, report: dict) -> list[ToExtract]:
    """Report duplicates and reuse unchanged documents; return the documents to extract."""
    by_digest: dict[str, list[Path]] = {}
    for pdf in pdfs:
        by_digest.setdefault(file_digest(pdf), []).append(pdf)
    to_extract = []
    for doc_id, (first, *copies) in by_digest.items():
        name = first.relative_to(corpus_dir).as_posix()
        for copy in copies:
            report[copy.relative_to(corpus_dir).as_posix()] = {
                "doc_id": doc_id, "status": "duplicate", "duplicate_of": name,
            }
        entry = store.reuse(doc_id, name)
        if entry:
            report[name] = {"doc_id": doc_id, "status": "ok", "reused": True, **_counts(entry)}
        else:
            to_extract.append((doc_id, name, first))
    return to_extract


def extract(to_extract: list[ToExtract], params: ExtractParams, store: ExtractedStore, report: dict) -> None:
    """Extract the documents, a few at a time so memory stays bounded, their pages in parallel."""
    require_spacy_model()
    # Ctrl-C reaches the workers too; only this process answers it.
    pool = ProcessPoolExecutor(max_workers=params.workers, initializer=signal.signal,
                               initargs=(signal.SIGINT, signal.SIG_IGN))
    try:
        _extract_in(pool, deque(to_extract), params, store, report)
    finally:
        # After Ctrl-C or an error, the pages still queued are dropped, not extracted.
        pool.shutdown(wait=True, cancel_futures=True)


def _extract_in(pool: ProcessPoolExecutor, queue: deque, params: ExtractParams, store: ExtractedStore,
                report: dict) -> None:
    in_flight = deque()
    with tqdm(total=0, desc="extract", unit="page") as bar:
        while queue or in_flight:
            while queue and len(in_flight) <= params.workers:
                doc_id, name, path = queue.popleft()
                try:
                    pending = submit_document(pool, path, params, on_pages_done=bar.update)
                except CorpusFileError as error:
                    report[name] = {"doc_id": doc_id, "status": "error", "error": str(error)}
                    continue
                bar.total += pending.pages
                bar.refresh()
                in_flight.append((doc_id, name, path, pending))
            if not in_flight:
                continue
            doc_id, name, path, pending = in_flight.popleft()
            bar.set_postfix_str(name[-40:])
            try:
                elements = pending.elements()
            except Exception as error:  # one bad file must not stop the corpus
                reason = str(error) if isinstance(error, CorpusFileError) else f"{type(error).__name__}: {error}"
                report[name] = {"doc_id": doc_id, "status": "error", "pages": pending.pages, "error": reason}
                continue
            entry = store.save(doc_id, name, document_title(path, elements), pending.pages, elements)
            report[name] = {"doc_id": doc_id, "status": "ok", "reused": False, **_counts(entry)}


def _counts(entry: dict) -> dict:
    counts = {key: entry[key] for key in ("title", "pages", "elements", "tables", "tables_with_header")}
    return {**counts, "tables_without_header": counts["tables"] - counts["tables_with_header"]}


def write_report(path: Path, report: dict, seconds: float) -> dict:
    statuses = [entry["status"] for entry in report.values()]
    done = [entry for entry in report.values() if entry["status"] == "ok"]
    totals = {
        "files": len(report),
        "documents": len(done),
        "extracted": sum(not entry["reused"] for entry in done),
        "reused": sum(entry["reused"] for entry in done),
        "errors": statuses.count("error"),
        "duplicates": statuses.count("duplicate"),
        "pages": sum(entry["pages"] for entry in done),
        "elements": sum(entry["elements"] for entry in done),
        "tables": sum(entry["tables"] for entry in done),
        "tables_with_header": sum(entry["tables_with_header"] for entry in done),
        "tables_without_header": sum(entry["tables_without_header"] for entry in done),
        "seconds": round(seconds, 2),
    }
    write_json(path, {"totals": totals, "runtime": runtime(), "files": dict(sorted(report.items()))})
    return totals


def main() -> None:
    params = load_params("extract", ExtractParams)
    started = time.perf_counter()
    pdfs = find_pdfs(params.corpus_dir)
    store = ExtractedStore(load_paths().extracted, settings_fingerprint(params))
    report: dict[str, dict] = {}
    to_extract = plan(pdfs, params.corpus_dir, store, report)
    if to_extract:
        extract(to_extract, params, store, report)
    store.drop_others()
    totals = write_report(params.report, report, time.perf_counter() - started)

    for name, entry in sorted(report.items()):
        if entry["status"] == "error":
            print(f"extract: {name}: {entry['error']}", file=sys.stderr)
    if not totals["documents"]:
        sys.exit(f"extract: none of the {len(pdfs)} files in {params.corpus_dir}/ yielded text; see {params.report}")
    print(
        f"extract: {totals['documents']} documents ({totals['extracted']} extracted, {totals['reused']} unchanged), "
        f"{totals['errors']} errors, {totals['elements']} elements, {totals['tables']} tables "
        f"({totals['tables_with_header']} with column headings) in {totals['seconds']:.1f}s"
    )


if __name__ == "__main__":
    run(main)
