"""A known GGUF model as a transformers checkpoint: dequantized from the verified GGUF file once
(about 30 s for the 0.5B model on 2 cores), then loaded from safetensors in about a second.

The checkpoint sits beside the GGUF file in the model cache, one folder per dtype, written
whole or not at all (a folder of this process's own, renamed when complete). Its manifest
records the GGUF's sha256 and each file's; a folder whose files do not match is refused, like
a GGUF file that does not match."""

import json
import os
import shutil
from pathlib import Path

from embedtune.common.hashing import file_sha256
from embedtune.generation.errors import GenerationError
from embedtune.generation.gguf import KNOWN_MODELS, cache_dir, verified_gguf

MANIFEST = "embedtune-manifest.json"


def known_checkpoint(model: str, dtype) -> Path:
    """The folder of `model` (a KNOWN_MODELS name) converted to `dtype` (a torch dtype), its files checked."""
    gguf_sha256 = KNOWN_MODELS[model][2]
    folder = cache_dir() / "models" / f"{model}.{str(dtype).removeprefix('torch.')}"
    if not (folder / MANIFEST).exists():
        _convert(verified_gguf(model, gguf_sha256), gguf_sha256, dtype, folder)
        return folder  # its files were hashed as they were written
    manifest = json.loads((folder / MANIFEST).read_text())
    mismatched = [name for name, digest in manifest["files"].items()
                  if not (folder / name).is_file() or file_sha256(folder / name) != digest]
    if manifest["gguf_sha256"] != gguf_sha256 or mismatched:
        raise GenerationError(
            f"refusing to load {folder}: {', '.join(mismatched) or 'its source'} does not match what was written "
            f"from {model}'s GGUF file. Delete the folder to have it converted again."
        )
    return folder


def _convert(gguf: Path, gguf_sha256: str, dtype, folder: Path) -> None:
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(f"generate: converting {gguf.name} to a {folder.suffix[1:]} checkpoint, once ({folder})", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=dtype,
                                                 trust_remote_code=False)
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    # save_pretrained refuses a model loaded from GGUF; its dequantized weights are plain tensors.
    weights = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        weights.pop("lm_head.weight", None)
    save_file(weights, partial / "model.safetensors", metadata={"format": "pt"})
    del model.config.quantization_config  # the checkpoint is dequantized: no GGUF left to read
    model.config.save_pretrained(partial)
    model.generation_config.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    files = {path.name: file_sha256(path) for path in sorted(partial.iterdir())}
    (partial / MANIFEST).write_text(json.dumps({"gguf_sha256": gguf_sha256, "files": files}, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
