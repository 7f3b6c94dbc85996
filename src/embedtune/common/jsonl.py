"""JSON Lines and JSON files, written atomically so an interrupted stage never leaves half a file."""

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_json(path: Path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write_jsonl(path: Path, records: Iterable[dict]) -> int:
    count = 0
    with _atomic_writer(path) as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def write_json(path: Path, data) -> None:
    with _atomic_writer(path) as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, sort_keys=True)
        handle.write("\n")


class _atomic_writer:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.partial, "w", encoding="utf-8")
        return self.handle

    def __exit__(self, exc_type, exc, traceback):
        try:
            self.handle.close()  # on a full disk, this flush is where the write fails
        except BaseException:
            self.partial.unlink(missing_ok=True)
            raise
        if exc_type is None:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)
        return False
