"""One module per DVC stage, each with a main() that reads its section of params.yaml."""

import sys
from collections.abc import Callable

from embedtune.errors import StageError


def run(main: Callable[[], None]) -> None:
    """Run a stage's main(), turning a StageError (bad params, unreachable endpoint...) into one
    clear line instead of a traceback."""
    try:
        main()
    except StageError as error:
        sys.exit(f"error: {error}")
