"""The generation cache: every LLM reply, keyed by what produced it.

A key is the hash of (backend identity, prompt text, sampling params, questions per chunk,
chunk text), so a rerun with nothing changed sends nothing, and after a chunking change only
chunks whose text changed are sent. Replies are appended and flushed one by one, so a run
that is interrupted, even by kill -9, keeps every reply it got; a line cut short by the kill
is ignored. The file is a persisted output of the `generate` stage, so `dvc push` and
`dvc pull` carry it to teammates.
"""

import json
import os
from pathlib import Path


class GenerationCache:
    def __init__(self, path: Path):
        self.path = path
        self._replies: dict[str, str] = {}
        if path.exists():
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # the last line of a killed run
                    self._replies[entry["key"]] = entry["reply"]

    def __contains__(self, key: str) -> bool:
        return key in self._replies

    def __getitem__(self, key: str) -> str:
        return self._replies[key]

    def __len__(self) -> int:
        return len(self._replies)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "a", encoding="utf-8")
        # A killed run can leave a line without its newline; start on a fresh line.
        if self._handle.tell() and _last_byte(self.path) != b"\n":
            self._handle.write("\n")
        return self

    def __exit__(self, *exc_info):
        self._handle.close()
        return False

    def add(self, key: str, chunk_id: str, reply: str) -> None:
        self._handle.write(json.dumps({"key": key, "chunk_id": chunk_id, "reply": reply}, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._replies[key] = reply


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)
