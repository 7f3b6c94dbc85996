"""The answerability check: an LLM's verdict on whether a question's passage answers it.

Small generators ask about what a passage does not say ("What is the maximum width of the
robot's payload?" on a safety paragraph without a width); such a pair teaches the model to match
a question with a passage that cannot answer it. A reply that is neither yes nor no keeps the
question and is counted as unclear, so a model that will not follow the format drops nothing.
"""

import re

_VERDICT = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)
# Above this share of questions rejected, the judge is likely too strict and the training set
# shrinks with it: the default 0.5B model said no to 256 of 290 questions on four 10-Ks (3 of 10
# of those read by hand were answered by their passage) and the fine-tuned model lost.
_IMPLAUSIBLE_REJECTION = 0.5


def verdict(reply: str) -> bool | None:
    """True: the passage answers the question; False: it does not; None: the reply says neither."""
    match = _VERDICT.match(reply)
    return None if match is None else match.group(1).lower() == "yes"


def strict_judge_warning(checked: int, not_answered: int) -> str | None:
    """A warning when the check rejected more than half the questions it checked."""
    if not checked or not_answered / checked <= _IMPLAUSIBLE_REJECTION:
        return None
    return (f"the answerability check rejected {not_answered} of {checked} questions ({not_answered / checked:.0%}); "
            "a judge that strict likely rejects good questions too, and the training set shrinks with it: "
            "judge with a larger model (generate.llamacpp.model, or the openai backend) "
            "or set generate.answerability.check: false")
