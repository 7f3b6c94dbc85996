"""embedtune: domain PDFs in, a fine-tuned sentence-embedding model out, tracked by DVC."""

import os
import time

# When the stage's process began, near enough: its metrics' wall time includes loading the libraries.
STARTED = time.monotonic()

# Every stage imports this package before any Hugging Face, unstructured or DVC code,
# so these take effect on the code path that runs stages, not only in a user's shell.
# Nothing may phone home or try the hub: the pipeline runs offline by design.
for _name, _value in {
    "DO_NOT_TRACK": "true",
    "DVC_NO_ANALYTICS": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_name, _value)

__version__ = "0.1.0"
