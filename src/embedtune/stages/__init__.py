"""One module per DVC stage, each with a main() that reads its section of params.yaml."""

import errno
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from embedtune.common.errors import StageError

# Below this, a failed write is taken for a full disk even when the library that wrote
# (torch, Arrow) reported it as something else.
NEARLY_FULL_BYTES = 32 * 2**20


def run(main: Callable[[], None]) -> None:
    """Run a stage's main(), turning a StageError (bad params, unreachable endpoint...), Ctrl-C or
    a full disk into one clear line instead of a traceback."""
    try:
        main()
    except StageError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        print("interrupted: run the stage again (`dvc repro`) to go on; the LLM replies, extracted documents "
              "and training checkpoints finished so far are kept", file=sys.stderr)
        sys.exit(130)
    except Exception as error:
        free = free_space_if_full(error)
        if free is None:
            raise
        sys.exit(f"error: no space left on device ({type(error).__name__}: {str(error)[:200]}). Free space now: "
                 f"{', '.join(f'{folder} {size / 2**20:,.0f} MiB' for folder, size in free)}. Free some and run "
                 "the stage again: what earlier runs wrote is intact (outputs are replaced only once complete, "
                 "the generation cache only grows).")


def free_space_if_full(error: BaseException) -> list[tuple[str, int]] | None:
    """When `error` may come from a full disk: the free bytes of each disk the workspace's folders
    are on, least first. None otherwise."""
    chain = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    said_so = any((isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT))
                  or os.strerror(errno.ENOSPC) in str(e) for e in chain)
    free, devices = [], set()
    for folder in [Path("."), *sorted(path for path in Path(".").iterdir() if path.is_dir())]:
        device = folder.stat().st_dev
        if device not in devices:
            devices.add(device)
            free.append((f"{folder}/", shutil.disk_usage(folder).free))
    free.sort(key=lambda entry: entry[1])
    return free if said_so or free[0][1] < NEARLY_FULL_BYTES else None
