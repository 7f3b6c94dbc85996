"""Self-contained questions: the document's title and the chunk's section, in the prompt and in the cache key."""

import json

from conftest import REPO, generate_report, openai_params, run_stage, workspace_with_chunks
from embedtune.common.hashing import text_digest
from embedtune.generation.params import GenerateParams
from embedtune.stages.generate import cache_key, render_prompt

IN_CONTEXT = (REPO / "prompts" / "question-in-context.txt").read_text()
PLAIN = (REPO / "prompts" / "question.txt").read_text()


def chunks_of(chunked_default) -> list[dict]:
    return [json.loads(line) for line in (chunked_default / "data" / "chunks.jsonl").read_text().splitlines()]


def test_the_prompt_names_the_document_and_the_section(chunked_default):
    chunk = next(c for c in chunks_of(chunked_default) if c["text"].startswith("Risks Related to Our Indebtedness"))
    system, user = render_prompt(IN_CONTEXT, chunk, 2)
    assert system["role"] == "system" and "{" not in system["content"]
    assert user["content"].startswith(
        "Document: Alderbank Robotics, Inc. — Annual Report on Form 10-K for the Fiscal Year Ended June 30, 2025\n"
        "Section: Item 1A. Risk Factors — Risks Related to Our Indebtedness\n\nPassage:\nRisks Related to Our "
    )
    assert user["content"].endswith("Write 2 search question(s) that this passage answers.")
    first = next(c for c in chunks_of(chunked_default) if c["section"] == "")
    assert "\nSection: (none)\n" in render_prompt(IN_CONTEXT, first, 1)[1]["content"]


def test_the_cache_key_holds_the_context_only_where_the_prompt_uses_it(chunked_default):
    chunk = chunks_of(chunked_default)[5]
    retitled = {**chunk, "title": "Another title", "section": "Another section"}
    identity, params = {"backend": "openai", "model": "m"}, GenerateParams()
    # replies written with the plain prompt stay valid when extraction finds a better title
    assert cache_key(identity, PLAIN, params, chunk) == cache_key(identity, PLAIN, params, retitled)
    assert cache_key(identity, IN_CONTEXT, params, chunk) != cache_key(identity, IN_CONTEXT, params, retitled)
    assert cache_key(identity, IN_CONTEXT, params, chunk) != cache_key(identity, PLAIN, params, chunk)


def test_the_stage_runs_the_in_context_prompt(tmp_path, chunked_default, scripted):
    root = workspace_with_chunks(tmp_path, chunked_default, count=6, prompt="prompts/question-in-context.txt",
                                 **openai_params(scripted.url("ok")))
    run_stage("generate", root)
    report = generate_report(root)
    assert report["calls"] == 6 and report["questions"] == 6
    assert report["generator"]["prompt_sha256"] == text_digest(IN_CONTEXT)
