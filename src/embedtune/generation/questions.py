"""From an LLM's reply to clean questions: parse what it wrote, then keep only good retrieval queries.

Small instruct models answer in many shapes: JSON, numbered lists, "Here is a question:",
quotes and markdown. Parsing accepts them all; filtering drops, and counts by reason, what
would teach the embedding model the wrong thing.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from embedtune.generation.params import FilterParams

_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")
_LEAD_IN = re.compile(
    r"^(?:(?:sure|certainly|okay|ok)[,!.]?\s+)?"
    r"(?:here(?:'s| is| are)\b[^:\n]*:|(?:generated |search |possible )?(?:question|query)\s*\d*\s*[:.)\-])\s*",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^(?:[-*•]|\(?\d{1,2}[.):]|q\d{1,2}[.):]?)(?:\s+|$)", re.IGNORECASE)
_EMPHASIS = re.compile(r"\*\*|__")
_WRAPPERS = "\"'“”‘’`*_ "
_WORD = re.compile(r"[\w$%.,'-]+")
# A question preceded by another sentence or a label ("PWNED: What is...?", "Ignore the above. How...?"):
# often a model following an instruction that the chunk's text slipped in. The question starts with a
# capital, so "Corp. do" or "vs. what" inside one question is not taken for it.
_TEXT_BEFORE = re.compile(
    r"[.!:;]\s+(?=[A-Z])(?i:what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can"
    r"|could|should|would|will|has|have|had)\b"
)
_SOURCE = r"(?:passage|text|excerpt|document|context|paragraph|table|section)\b"
_REFERS_TO_SOURCE = re.compile(r"\b(?:the|this|above|given|provided) " + _SOURCE, re.IGNORECASE)
# "... mentioned in the text", "... in the given passage": a pointer at the source that a question can do
# without. "In the context of" is English, not a pointer.
_SOURCE_PHRASE = re.compile(
    r",?\s*\b(?:(?:as\s+)?(?:mentioned|described|discussed|stated|provided|given|outlined|shown|listed|presented"
    r"|reported|defined|explained)\s+)?(?:in|of|from|by|within|according\s+to|based\s+on)\s+(?:the|this)\s+"
    r"(?:above\s+|given\s+|provided\s+|following\s+)?(?!context\s+of\b)" + _SOURCE,
    re.IGNORECASE,
)
_ENDS_IN_A_VERB_TO_BE = re.compile(r"\b(?:is|are|was|were|be|being|been)\?$", re.IGNORECASE)


def parse_reply(reply: str) -> list[str]:
    """Candidate questions in a reply, in order, stripped of lead-ins, numbering and quotes."""
    text = _FENCE.sub("", reply.strip())
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        lines = text.splitlines()
    else:
        lines = _json_strings(data)
    candidates = (_clean(line) for line in lines)
    return [candidate for candidate in candidates if candidate]


def _json_strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, list):
        return [s for item in data for s in _json_strings(item)]
    if isinstance(data, dict):
        for key in ("questions", "question", "queries", "query"):
            if key in data:
                return _json_strings(data[key])
    return []


def _clean(line: str) -> str:
    line = _EMPHASIS.sub("", line)
    previous = None
    while line != previous:
        previous = line
        line = line.strip().strip(_WRAPPERS)
        line = _LEAD_IN.sub("", line)
        line = _NUMBERING.sub("", line)
    # "What is X? (This asks about Y.)": the question ends at its last question mark.
    if "?" in line:
        line = line[: line.rindex("?") + 1]
    return " ".join(line.split())


@dataclass
class QuestionFilter:
    params: FilterParams
    drops: Counter = field(default_factory=Counter)
    source_phrases_cut: int = 0
    _seen: set = field(default_factory=set)

    def keep(self, candidates: list[str], chunk_text: str, limit: int) -> list[str]:
        """Up to `limit` good questions among `candidates` for a chunk; every drop is counted by reason."""
        kept: list[str] = []
        chunk_words = _words(chunk_text)
        for question in candidates:
            if self.params.cut_source_phrases:
                question = self._without_source_phrase(question)
            reason = self._problem(question, chunk_words, kept)
            if reason is None and len(kept) == limit:
                reason = "beyond_questions_per_chunk"
            if reason:
                self.drops[reason] += 1
                continue
            kept.append(question)
            self._seen.add(_normal(question))
        return kept

    def _without_source_phrase(self, question: str) -> str:
        cut = _SOURCE_PHRASE.sub("", question)
        if cut == question:
            return question
        cut = re.sub(r"\s+([?,])", r"\1", cut).lstrip(" ,")  # "According to the text, what ...?"
        if _ENDS_IN_A_VERB_TO_BE.search(cut):  # "... the product being discussed in the text?": nothing left
            return question
        self.source_phrases_cut += 1
        return cut[:1].upper() + cut[1:]

    def _problem(self, question: str, chunk_words: list[str], kept: list[str]) -> str | None:
        words = _words(question)
        if not question.endswith("?"):
            return "not_a_question"
        if _TEXT_BEFORE.search(question):
            return "text_before_the_question"
        if len(words) < self.params.min_words:
            return "too_short"
        if len(words) > self.params.max_words:
            return "too_long"
        if _REFERS_TO_SOURCE.search(question):
            return "refers_to_the_passage"
        if _longest_shared_run(words, chunk_words) >= self.params.max_copied_words:
            return "copies_the_chunk"
        if _normal(question) in self._seen:
            return "duplicate"
        if any(_jaccard(words, _words(other)) >= self.params.near_duplicate_jaccard for other in kept):
            return "near_duplicate"
        return None


def _words(text: str) -> list[str]:
    return [word.strip(".,'").lower() for word in _WORD.findall(text) if word.strip(".,'")]


def _normal(question: str) -> str:
    return " ".join(_words(question))


def _jaccard(a: list[str], b: list[str]) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 1.0


def _longest_shared_run(question: list[str], chunk: list[str]) -> int:
    """Length of the longest run of consecutive words that the question copies from the chunk."""
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(chunk):
        positions.setdefault(word, []).append(index)
    longest = 0
    previous: dict[int, int] = {}  # chunk index -> run length ending there, for the previous question word
    for word in question:
        current = {index: previous.get(index - 1, 0) + 1 for index in positions.get(word, ())}
        longest = max(longest, *current.values(), 0)
        previous = current
    return longest
