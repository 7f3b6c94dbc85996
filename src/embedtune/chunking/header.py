"""A chunk's header: its document's title and section heading, written above its text wherever the
chunk is embedded or indexed (chunk.header). Questions name the company and the topic ("What did
Tesla say about ..."), while a 10-K's passages say "we" under a heading the chunk does not repeat;
the header gives the retrievers that context. The text itself, and so the chunk's id, the
generator's prompt and the mapping of users' questions, stays as extracted."""


def header_of(title: str, section: str, fields: list[str]) -> str:
    values = {"title": title, "section": section}
    return "\n".join(values[field] for field in fields if values[field])


def retrieval_text(chunk: dict) -> str:
    """What the dense model embeds and BM25 indexes for `chunk`."""
    header = chunk.get("header", "")
    return f"{header}\n\n{chunk['text']}" if header else chunk["text"]
