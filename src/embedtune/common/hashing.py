"""Content hashes: the identities of documents and chunks, and the sha256 that model files are checked by."""

import hashlib
import json
from pathlib import Path

ID_LENGTH = 16  # hex digits: 64 bits, ample for a corpus, short enough to read


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    return file_sha256(path)[:ID_LENGTH]


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


def params_digest(params: dict) -> str:
    return text_digest(json.dumps(params, sort_keys=True))
