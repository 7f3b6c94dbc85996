"""The answerability check: a second LLM call per question, through a scripted server and the real offline model."""

import json

from conftest import generate_report, openai_params, run_stage, workspace_with_chunks
from embedtune.common.jsonl import read_jsonl
from embedtune.generation.answerability import strict_judge_warning, verdict


def test_verdicts_are_read_from_the_first_word():
    assert verdict("Yes.") is True and verdict("**yes**, it states the rate") is True
    assert verdict("No, the passage does not say.") is False and verdict("NO") is False
    assert verdict("The passage mentions the warranty.") is None and verdict("Nope") is None


def test_a_judge_that_rejects_most_questions_is_called_out():
    # the default 0.5B model's verdicts on a 300-chunk sample of four 10-Ks
    assert "256 of 290 questions (88%)" in strict_judge_warning(290, 256)
    assert strict_judge_warning(290, 40) is None and strict_judge_warning(0, 0) is None


def test_questions_the_passage_does_not_answer_are_dropped_and_counted(tmp_path, chunked_default, scripted):
    # The server writes, by the prompt's hash, a question of the chunk's own words or one about a
    # "section N" no chunk has; asked to judge, it says yes to the first kind only.
    root = workspace_with_chunks(tmp_path, chunked_default, count=20, questions_per_chunk=1,
                                 answerability={"check": True}, **openai_params(scripted.url("judge")))
    run_stage("generate", root)
    kept = [row["question"] for row in read_jsonl(root / "data" / "questions.jsonl")]
    report = generate_report(root)
    judged = report["answerability"]
    assert kept and all(question.startswith("Where does it say") for question in kept)
    assert judged["checked"] == judged["answered"] + judged["not_answered"] and judged["unclear"] == 0
    assert judged["answered"] == len(kept) and report["dropped"]["not_answerable"] == judged["not_answered"] > 0
    assert report["calls"] == 20 + judged["checked"]

    run_stage("generate", root)  # every verdict is cached like the questions
    again = generate_report(root)
    assert again["calls"] == 0 and again["cache_hits"] == 20 + judged["checked"]
    assert [row["question"] for row in read_jsonl(root / "data" / "questions.jsonl")] == kept


def test_the_offline_model_answers_the_check_in_its_format(tmp_path, chunked_default):
    root = workspace_with_chunks(tmp_path, chunked_default, count=3, answerability={"check": True})
    run_stage("generate", root)
    report = generate_report(root)
    judged = report["answerability"]
    assert judged["checked"] >= 3 and judged["unclear"] == 0, judged
    assert report["calls"] == 3 + judged["checked"]
    replies = [json.loads(line)["reply"] for line in (root / "data" / "generate-cache.jsonl").read_text().splitlines()]
    assert sum(verdict(reply) is not None for reply in replies) == judged["checked"]
