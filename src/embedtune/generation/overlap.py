"""How much a question copies its passage: the share of its content words that its chunk holds.
Content words are the ones BM25 matches on (bm25s's tokens: lower case, English stopwords out),
question words aside. A question made of its passage's words is easy for keyword search and
teaches an embedding model little that BM25 does not already find."""

from statistics import fmean, quantiles

import bm25s

QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "did", "do"}


def content_words(texts: list[str]) -> list[set[str]]:
    tokens = bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)
    return [set(words) - QUESTION_WORDS for words in tokens]


def overlap_shares(questions: list[str], passages: list[str]) -> list[float]:
    """For each question, the share of its content words found in its passage (0 for a question
    with none)."""
    return [len(asked & given) / len(asked) if asked else 0.0
            for asked, given in zip(content_words(questions), content_words(passages), strict=True)]


def overlap_summary(shares: list[float]) -> dict:
    """Mean, quartiles and the share of questions whose every content word is in their passage."""
    if not shares:
        return {}
    q1, median, q3 = quantiles(shares, n=4, method="inclusive") if len(shares) > 1 else shares * 3
    return {"mean": round(fmean(shares), 3), "q1": round(q1, 3), "median": round(median, 3), "q3": round(q3, 3),
            "all_words_in_chunk": round(sum(share == 1 for share in shares) / len(shares), 3)}
