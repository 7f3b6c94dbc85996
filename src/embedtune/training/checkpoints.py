"""Where a training run keeps its checkpoints, and which one it resumes from.

A run's folder is named by everything that decides its result (train params, model params, the
dataset's bytes), so a rerun after an interruption finds its own checkpoints, and a run with other
params or data never resumes from them.
"""

import json
import re
import shutil
from pathlib import Path

from embedtune.common.hashing import file_digest, params_digest

CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def run_dir(checkpoints_dir: Path, identity: dict, dataset_dir: Path) -> Path:
    files = {str(path.relative_to(dataset_dir)): file_digest(path)
             for path in sorted(dataset_dir.rglob("*")) if path.is_file()}
    return checkpoints_dir / params_digest({**identity, "dataset": files})


def last_checkpoint(folder: Path) -> Path | None:
    """The newest complete checkpoint; newer incomplete ones (a kill while saving) are removed.
    The trainer writes trainer_state.json after the weights, optimizer and RNG states."""
    numbered = sorted((int(m.group(1)), path) for path in folder.glob("checkpoint-*")
                      if (m := CHECKPOINT.match(path.name)))
    for _, path in reversed(numbered):
        try:
            json.loads((path / "trainer_state.json").read_text())
            return path
        except (OSError, ValueError):
            shutil.rmtree(path)
    return None
