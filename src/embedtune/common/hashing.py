"""Content hashes: the identities of documents and chunks."""

import hashlib
import json
from pathlib import Path

ID_LENGTH = 16  # hex digits: 64 bits, ample for a corpus, short enough to read


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:ID_LENGTH]


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


def params_digest(params: dict) -> str:
    return text_digest(json.dumps(params, sort_keys=True))
