class StageError(RuntimeError):
    """A stage cannot go on; its message says what is wrong and what to check. Shown without a traceback."""
