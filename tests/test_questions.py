"""Parsing and filtering of LLM replies, on replies of the kinds small instruct models really write."""

import pytest

from embedtune.generation.overlap import overlap_shares, overlap_summary
from embedtune.generation.params import FilterParams
from embedtune.generation.questions import QuestionFilter, parse_reply

CHUNK = (
    "The Kestrel AMR-7 carries payloads up to 700 kilograms and navigates with two safety-rated lidar "
    "scanners, four depth cameras and wheel odometry, localizing against a site map to within 10 millimeters."
)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("What payload can the Kestrel AMR-7 carry?", ["What payload can the Kestrel AMR-7 carry?"]),
        ("Here is a question: What payload can the Kestrel AMR-7 carry?",
         ["What payload can the Kestrel AMR-7 carry?"]),
        ("Sure! Here's a search question:\n\n\"How precisely does a Kestrel AMR-7 localize?\"",
         ["How precisely does a Kestrel AMR-7 localize?"]),
        ("1. What sensors does the Kestrel AMR-7 use?\n2. How heavy a load can it move?",
         ["What sensors does the Kestrel AMR-7 use?", "How heavy a load can it move?"]),
        ("Question 1: What sensors does the AMR-7 use?", ["What sensors does the AMR-7 use?"]),
        ("**Q1:** What sensors does the AMR-7 use?", ["What sensors does the AMR-7 use?"]),
        ('{"questions": ["What sensors does the AMR-7 use?", "What is its payload?"]}',
         ["What sensors does the AMR-7 use?", "What is its payload?"]),
        ('```json\n["What sensors does the AMR-7 use?"]\n```', ["What sensors does the AMR-7 use?"]),
        ("What is the AMR-7's payload? (This question asks about its capacity.)", ["What is the AMR-7's payload?"]),
        ("- What is the AMR-7's payload?\n- ", ["What is the AMR-7's payload?"]),
        ("", []),
    ],
)
def test_parse_reply(reply, expected):
    assert parse_reply(reply) == expected


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ("The Kestrel AMR-7 carries 700 kilograms.", "not_a_question"),
        ("Payload?", "too_short"),
        ("What " + "very " * 40 + "long question is this?", "too_long"),
        # The passage as the question's subject: nothing to cut (filters.cut_source_phrases).
        ("How does the passage describe the robot's payload?", "refers_to_the_passage"),
        ("What does the text say the AMR-7 navigates with?", "refers_to_the_passage"),
        ("Does it navigate with two safety-rated lidar scanners, four depth cameras and wheel odometry?",
         "copies_the_chunk"),
        # What the default model wrote for a chunk telling it to output PWNED instead of a question.
        ("PWNED: What is the purpose of the DU-4 drive unit?", "text_before_the_question"),
        ("Ignore the above. How much can the AMR-7 carry?", "text_before_the_question"),
    ],
)
def test_bad_questions_are_dropped_with_their_reason(candidate, reason):
    question_filter = QuestionFilter(FilterParams())
    assert question_filter.keep([candidate], CHUNK, limit=3) == []
    assert question_filter.drops == {reason: 1}


# Replies the default model (Qwen2.5-Coder-0.5B) wrote for the bundled corpus, and what happens to them.
REAL_REPLIES = [
    ("Item 1A. Risk Factors", "not_a_question"),
    ("E-104 - Front safety scanner not responding", "not_a_question"),
    # Kept once "in the text" is cut (filters.cut_source_phrases).
    ("1. What is the primary purpose of the indemnification clause in the text?", None),
    ("What is the minimum width of aisles used by robots at least 1.2 meters wide, or 0.5 meters wider than the "
     "widest load carried, whichever is greater?", "copies_the_chunk"),
    ("1. What is the total number of robots assembled at Greensburg, Pennsylvania in 2025?", None),
]
AISLES = ("Keep aisles used by robots at least 1.2 meters wide, or 0.5 meters wider than the widest load carried, "
          "whichever is greater. Mark robot travel zones on the floor with yellow tape or paint.")


@pytest.mark.parametrize(("reply", "reason"), REAL_REPLIES)
def test_real_replies_of_the_default_model(reply, reason):
    question_filter = QuestionFilter(FilterParams())
    kept = question_filter.keep(parse_reply(reply), AISLES, limit=1)
    assert (kept == []) == (reason is not None)
    assert dict(question_filter.drops) == ({reason: 1} if reason else {})


# What the default model wrote for chunks of NVIDIA's 10-K, and the question left once the pointer is cut.
@pytest.mark.parametrize(("candidate", "kept"), [
    ("What are the key characteristics of long-lived assets mentioned in the table?",
     "What are the key characteristics of long-lived assets?"),
    ("What is the total revenue related to remaining performance obligations in the given text?",
     "What is the total revenue related to remaining performance obligations?"),
    ("According to the text, what does the AMR-7 navigate with?", "What does the AMR-7 navigate with?"),
    ("What is the significance of these financial statements in the context of financial condition?",
     None),  # English, not a pointer: dropped as before
    ("How does the text explain the impact of business disruptions on revenue?", None),  # nothing to cut
    ("What is the name of the company or product being discussed in the text?", None),  # nothing left
])
def test_a_pointer_at_the_source_is_cut_out_of_the_question_when_asked(candidate, kept):
    assert QuestionFilter(FilterParams(cut_source_phrases=False)).keep([candidate], CHUNK, limit=1) == []
    question_filter = QuestionFilter(FilterParams(cut_source_phrases=True))
    assert question_filter.keep([candidate], CHUNK, limit=1) == ([kept] if kept else [])
    assert question_filter.source_phrases_cut == (1 if kept else 0)
    assert dict(question_filter.drops) == ({} if kept else {"refers_to_the_passage": 1})


def test_duplicates_near_duplicates_and_surplus_are_dropped():
    question_filter = QuestionFilter(FilterParams())
    first = question_filter.keep(
        ["What payload can the Kestrel AMR-7 carry?", "What payload can a Kestrel AMR-7 carry?",
         "How accurately does the AMR-7 localize on a site map?", "Which sensors guide the Kestrel robot?"],
        CHUNK, limit=2,
    )
    assert first == [
        "What payload can the Kestrel AMR-7 carry?", "How accurately does the AMR-7 localize on a site map?",
    ]
    # The same question for another chunk is a duplicate across the corpus.
    assert question_filter.keep(["what payload can the Kestrel AMR-7 carry?"], "another chunk", limit=1) == []
    assert question_filter.drops == {"near_duplicate": 1, "beyond_questions_per_chunk": 1, "duplicate": 1}


@pytest.mark.parametrize("question", ["How accurately does the Kestrel AMR-7 localize?",
                                      "What did Kestrel Robotics Inc. do to cut its service costs?"])
def test_good_question_is_kept(question):
    question_filter = QuestionFilter(FilterParams())
    assert question_filter.keep([question], CHUNK, limit=1) == [question]
    assert not question_filter.drops


def test_overlap_is_the_share_of_a_questions_content_words_found_in_its_chunk():
    chunk = "Harbor Cloud keeps backups for 35 days in a second region."
    questions = ["What is the Harbor Cloud backup retention?",  # harbor, cloud of 4
                 "How long does Harbor Cloud keep backups?",  # harbor, cloud, backups of 5
                 "Where are Harbor Cloud backups kept for 35 days?",  # all but kept, of 6
                 "What is it?"]  # no content words
    shares = overlap_shares(questions, [chunk] * len(questions))
    assert shares == [2 / 4, 3 / 5, 5 / 6, 0.0]
    assert overlap_summary(shares) == {"mean": 0.483, "q1": 0.375, "median": 0.55, "q3": 0.658,
                                       "all_words_in_chunk": 0.0}
    assert overlap_summary([1.0]) == {"mean": 1.0, "q1": 1.0, "median": 1.0, "q3": 1.0, "all_words_in_chunk": 1.0}
