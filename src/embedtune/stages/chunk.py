"""Stage `chunk`: extracted elements into retrieval chunks with langchain-text-splitters.

Every chunk carries a content-hash id, its document and the document's title (found by
extract), its pages, kind (text or table), the section heading it sits under, and the header
made of those that retrieval puts above its text (chunk.header).
A text that occurs twice in the corpus (boilerplate, a duplicated page) is kept once,
so retrieval has one right answer for it.
"""

from statistics import mean

from tqdm import tqdm

from embedtune.chunking.header import header_of
from embedtune.chunking.length import length_function
from embedtune.chunking.params import ChunkParams
from embedtune.chunking.split import DocumentChunker
from embedtune.common.errors import StageError
from embedtune.common.hashing import text_digest
from embedtune.common.jsonl import read_jsonl, write_json, write_jsonl
from embedtune.common.params import load_params
from embedtune.common.paths import load_paths
from embedtune.common.runtime import runtime
from embedtune.extraction.store import document_titles
from embedtune.stages import run


def main() -> None:
    params = load_params("chunk", ChunkParams)
    paths = load_paths()
    length = length_function(params)
    chunker = DocumentChunker(params.chunk_size, params.chunk_overlap, length, params.drop_element_types)
    documents = sorted(paths.extracted.glob("*.jsonl"), key=lambda path: next(read_jsonl(path))["file_name"])
    titles = document_titles(paths.extracted)

    chunks, seen, duplicates = [], set(), 0
    for path in tqdm(documents, desc="chunk", unit="doc"):
        elements = list(read_jsonl(path))
        title = titles[elements[0]["doc_id"]]
        for position, chunk in enumerate(chunker.chunks(elements, title)):
            chunk_id = text_digest(chunk["text"])
            if chunk_id in seen:
                duplicates += 1
                continue
            seen.add(chunk_id)
            chunks.append({"chunk_id": chunk_id, "doc_id": elements[0]["doc_id"],
                           "file_name": elements[0]["file_name"], "title": title, "position": position, **chunk,
                           "header": header_of(title, chunk["section"], params.header)})
    if not chunks:
        raise StageError(f"chunk: the extracted documents in {paths.extracted}/ hold no text to chunk")
    write_jsonl(paths.chunks, chunks)

    lengths = [length(chunk["text"]) for chunk in chunks]
    write_json(params.report, {
        "chunks": len(chunks),
        "text_chunks": sum(chunk["kind"] == "text" for chunk in chunks),
        "table_chunks": sum(chunk["kind"] == "table" for chunk in chunks),
        "documents": len(documents),
        "duplicates_dropped": duplicates,
        f"mean_{params.unit}": round(mean(lengths), 1),
        f"max_{params.unit}": max(lengths),
        "runtime": runtime(),
    })
    print(f"chunk: {len(chunks)} chunks ({sum(c['kind'] == 'table' for c in chunks)} tables) "
          f"from {len(documents)} documents, {duplicates} duplicate texts dropped")


if __name__ == "__main__":
    run(main)
