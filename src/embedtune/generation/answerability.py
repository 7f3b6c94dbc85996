"""The answerability check: an LLM's verdict on whether a question's passage answers it.

Small generators ask about what a passage does not say ("What is the maximum width of the
robot's payload?" on a safety paragraph without a width); such a pair teaches the model to match
a question with a passage that cannot answer it. A reply that is neither yes nor no keeps the
question and is counted as unclear, so a model that will not follow the format drops nothing.
"""

import re

_VERDICT = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)


def verdict(reply: str) -> bool | None:
    """True: the passage answers the question; False: it does not; None: the reply says neither."""
    match = _VERDICT.match(reply)
    return None if match is None else match.group(1).lower() == "yes"
