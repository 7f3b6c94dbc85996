from embedtune.common.errors import StageError


class GenerationError(StageError):
    """Generation cannot go on (unreachable endpoint, rejected key, bad model file); the message says what to check."""


class MalformedResponse(Exception):
    """A response without a usable answer: counted and skipped, never fatal."""
