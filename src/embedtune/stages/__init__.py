"""One module per DVC stage, each with a main() that reads its section of params.yaml."""

import sys
from collections.abc import Callable

from embedtune.params import ParamsError


def run(main: Callable[[], None]) -> None:
    """Run a stage's main(), turning a bad params.yaml into one clear line instead of a traceback."""
    try:
        main()
    except ParamsError as error:
        sys.exit(f"error: {error}")
