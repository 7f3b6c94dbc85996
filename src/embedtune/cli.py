"""The `embedtune` command: `embedtune search ...` (embedtune.search), `embedtune costs` (embedtune.costs)."""

import sys

from embedtune.common.errors import StageError

COMMANDS = {"search": "embedtune.search", "costs": "embedtune.costs"}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: embedtune {{{','.join(COMMANDS)}}} ...  (embedtune <command> --help)")
    import importlib

    try:
        importlib.import_module(COMMANDS[sys.argv[1]]).main(sys.argv[2:])
    except StageError as error:
        sys.exit(f"error: {error}")
