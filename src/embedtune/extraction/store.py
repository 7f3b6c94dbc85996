"""data/extracted/: one <doc_id>.jsonl of elements per document, and manifest.json.

The manifest records, for each document, its file name, title and counts, and the settings
fingerprint the elements were made with. Documents are keyed by the hash of the PDF's
bytes, so a PDF is extracted again only when its bytes or the settings change. The
manifest is rewritten after every document, so an interrupted run resumes where it stopped.
"""

from pathlib import Path

from embedtune.common.jsonl import read_json, read_jsonl, write_json, write_jsonl

MANIFEST = "manifest.json"


class ExtractedStore:
    def __init__(self, folder: Path, settings: str):
        self.folder = folder
        self.settings = settings
        folder.mkdir(parents=True, exist_ok=True)
        manifest = read_json(folder / MANIFEST) if (folder / MANIFEST).exists() else {}
        self._previous = manifest.get("documents", {}) if manifest.get("settings") == settings else {}
        self.documents: dict[str, dict] = {}

    def reuse(self, doc_id: str, file_name: str) -> dict | None:
        """The document's entry when its elements are already here, renamed to file_name if need be."""
        entry = self._previous.get(doc_id)
        if entry is None or not self._elements_path(doc_id).exists():
            return None
        if entry["file_name"] != file_name:
            path = self._elements_path(doc_id)
            write_jsonl(path, [{**element, "file_name": file_name} for element in read_jsonl(path)])
        self.documents[doc_id] = {**entry, "file_name": file_name}
        self._write_manifest()
        return self.documents[doc_id]

    def save(self, doc_id: str, file_name: str, title: str, pages: int, elements: list[dict]) -> dict:
        for element in elements:
            element.update(doc_id=doc_id, file_name=file_name)
        write_jsonl(self._elements_path(doc_id), elements)
        self.documents[doc_id] = {
            "file_name": file_name,
            "title": title,
            "pages": pages,
            "elements": len(elements),
            "tables": sum(element["type"] == "Table" for element in elements),
            "tables_with_header": sum(element["type"] == "Table" and element.get("header", False)
                                      for element in elements),
        }
        self._write_manifest()
        return self.documents[doc_id]

    def drop_others(self) -> None:
        """Remove the elements of documents no longer in the corpus."""
        for path in self.folder.glob("*.jsonl"):
            if path.stem not in self.documents:
                path.unlink()
        self._previous = {}
        self._write_manifest()

    def _elements_path(self, doc_id: str) -> Path:
        return self.folder / f"{doc_id}.jsonl"

    def _write_manifest(self) -> None:
        # Entries still reusable from the last run stay listed until this run has seen them all.
        documents = {**self._previous, **self.documents}
        write_json(self.folder / MANIFEST, {"settings": self.settings, "documents": documents})


def document_titles(folder: Path) -> dict[str, str]:
    """doc_id -> the title extract found for the document."""
    return {doc_id: entry["title"] for doc_id, entry in read_json(folder / MANIFEST)["documents"].items()}
