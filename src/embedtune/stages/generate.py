"""Stage `generate`: synthetic questions for each chunk, written by an LLM.

The training signal of the pipeline: (question, chunk) pairs. Every reply is cached
(embedtune.generation.cache), so no chunk is ever paid for twice; the replies are then
parsed and filtered (text rules, then optionally the LLM's answerability check and the base
model's round trip: see embedtune.generation.answerability and .round_trip), and every dropped
question is counted by reason in metrics/generate.json. With generate.triage, chunks no user
would search for are not asked about at all (embedtune.generation.triage). With
generate.table_questions: structure, table chunks get questions made from their row labels and
column headings instead of the LLM's (embedtune.generation.table_questions).
"""

import functools
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack

from tqdm import tqdm

from embedtune.common.hashing import params_digest, text_digest
from embedtune.common.jsonl import read_jsonl, write_json, write_jsonl
from embedtune.common.models import ModelParams, load_encoder
from embedtune.common.params import load_params
from embedtune.common.paths import load_paths
from embedtune.common.runtime import runtime
from embedtune.generation.answerability import strict_judge_warning, verdict
from embedtune.generation.backends import open_backend
from embedtune.generation.cache import GenerationCache
from embedtune.generation.errors import GenerationError, MalformedResponse
from embedtune.generation.overlap import overlap_shares, overlap_summary
from embedtune.generation.params import GenerateParams
from embedtune.generation.questions import QuestionFilter, parse_reply
from embedtune.generation.round_trip import passes_round_trip
from embedtune.generation.sample import sample_chunks
from embedtune.generation.table_questions import structure_questions
from embedtune.generation.triage import triage_reason
from embedtune.stages import run

STRUCTURE = {"backend": "table structure"}  # the generator of the questions made from a table's structure
# What a prompt may name besides {chunk} and {n}: the chunk's document and where in it the chunk sits.
CONTEXT_PLACEHOLDERS = {"{document}": "file_name", "{title}": "title", "{section}": "section"}


def render_prompt(template: str, chunk: dict, n: int, question: str = "") -> list[dict]:
    """Chat messages from the prompt file: "[system]" and "[user]" lines start the messages
    (a file without them is one user message); {chunk}, {n}, {document} (the file name), {title},
    {section} and (the answerability check's) {question} are filled in. The system message stays
    the same for every chunk, so llama.cpp reuses its computation."""
    messages, role, lines = [], "user", []
    for line in template.splitlines():
        if line.strip() in ("[system]", "[user]"):
            if lines:
                messages.append({"role": role, "content": "\n".join(lines).strip()})
            role, lines = line.strip()[1:-1], []
        else:
            lines.append(line)
    messages.append({"role": role, "content": "\n".join(lines).strip()})
    # str.replace, not str.format: chunk text is full of braces (tables, code, JSON).
    for message in messages:
        content = message["content"].replace("{n}", str(n)).replace("{question}", question)
        for placeholder, field in CONTEXT_PLACEHOLDERS.items():
            content = content.replace(placeholder, chunk[field] or "(none)")
        message["content"] = content.replace("{chunk}", chunk["text"])
    return messages


def cache_key(identity: dict, template: str, params: GenerateParams, chunk: dict, question: str = "") -> str:
    """The reply's key: what the prompt was made of. The context fields count only where the
    template uses them, so a prompt without them keeps its replies when a title or heading changes."""
    context = {field: chunk[field] for placeholder, field in CONTEXT_PLACEHOLDERS.items() if placeholder in template}
    return params_digest({
        "generator": identity,
        "prompt": template,
        "sampling": {"temperature": params.temperature, "max_tokens": params.max_tokens, "seed": params.seed},
        "questions_per_chunk": params.questions_per_chunk,
        "chunk": chunk["text"],
        **({"context": context} if context else {}),
        **({"question": question} if question else {}),
    })


def ask(complete, backend, requests: dict[str, tuple[str, list[dict]]], cache: GenerationCache, stats: Counter,
        desc: str) -> None:
    """Send every request (cache key -> (chunk id, messages)) through a backend session's `complete`,
    `backend.batch_size` to a batch and `backend.concurrency` batches at a time, caching each reply
    as it comes. A fatal error (rejected key, unreachable endpoint) or Ctrl-C stops the batches not
    yet sent."""
    stop = threading.Event()
    items = list(requests.items())
    if backend.batch_size > 1:
        # Prompts of like length share a batch: less padding to compute.
        items.sort(key=lambda item: sum(len(message["content"]) for message in item[1][1]))
    batches = [items[start:start + backend.batch_size] for start in range(0, len(items), backend.batch_size)]
    with (ThreadPoolExecutor(backend.concurrency) as pool, cache,
          tqdm(total=len(requests), desc=desc, unit="call") as bar):

        def call(batch: list) -> list[str | None] | None:
            if stop.is_set():
                return None
            try:
                return complete([messages for _, (_, messages) in batch])
            except MalformedResponse:
                return [None] * len(batch)
            except GenerationError:
                stop.set()
                raise

        futures = {pool.submit(call, batch): batch for batch in batches}
        try:
            for future in as_completed(futures):
                batch = futures[future]
                bar.update(len(batch))
                replies = future.result()
                if replies is None:  # never sent: the run is stopping
                    continue
                for (key, (chunk_id, _)), reply in zip(batch, replies, strict=True):
                    stats["calls"] += 1
                    if reply is None or not reply.strip():
                        stats["malformed_replies"] += 1
                    else:
                        cache.add(key, chunk_id, reply)
        finally:
            stop.set()


def check_answerability(backend, session, params: GenerateParams, rows: list[dict], chunks: dict[str, dict],
                        cache: GenerationCache, stats: Counter) -> list[bool | None]:
    """The LLM's verdict on each question (see embedtune.generation.answerability); None where its
    reply said neither yes nor no, or where it gave none (a malformed reply). `session()` opens
    the backend's session, or returns the one already open."""
    template = params.answerability.prompt.read_text(encoding="utf-8")
    keys = [cache_key(backend.identity, template, params, chunks[row["chunk_id"]], row["question"]) for row in rows]
    requests = {key: (row["chunk_id"], render_prompt(template, chunks[row["chunk_id"]], params.questions_per_chunk,
                                                     row["question"]))
                for key, row in zip(keys, rows, strict=True) if key not in cache}
    stats["cache_hits"] += len(set(keys)) - len(requests)
    if requests:
        ask(session(), backend, requests, cache, stats, "answerability")
    return [verdict(cache[key]) if key in cache else None for key in keys]


def main() -> None:
    params = load_params("generate", GenerateParams)
    paths = load_paths()
    started = time.perf_counter()
    template = params.prompt.read_text(encoding="utf-8")
    corpus = list(read_jsonl(paths.chunks))
    triaged = [{"chunk_id": chunk["chunk_id"], "file_name": chunk["file_name"], "pages": chunk["pages"],
                "reason": reason, "first_line": chunk["text"].strip().splitlines()[0][:120]}
               for chunk in corpus if params.triage and (reason := triage_reason(chunk))]
    write_jsonl(params.triaged, triaged)
    skipped = {entry["chunk_id"] for entry in triaged}
    chunks = sample_chunks([chunk for chunk in corpus if chunk["chunk_id"] not in skipped], params.max_chunks,
                           params.seed)
    structured = {chunk["chunk_id"] for chunk in chunks
                  if params.table_questions == "structure" and chunk["kind"] == "table"}
    asked = [chunk for chunk in chunks if chunk["chunk_id"] not in structured]
    backend = open_backend(params)
    keys = {chunk["chunk_id"]: cache_key(backend.identity, template, params, chunk) for chunk in asked}
    cache = GenerationCache(params.cache)
    requests = {keys[chunk["chunk_id"]]: (chunk["chunk_id"], render_prompt(template, chunk, params.questions_per_chunk))
                for chunk in asked if keys[chunk["chunk_id"]] not in cache}
    stats = Counter(calls=0, cache_hits=len(keys) - len(requests), malformed_replies=0)
    # One session for writing and for checking, opened only when a call is due: the model loads once.
    sessions = ExitStack()
    session = functools.cache(lambda: sessions.enter_context(backend.session()))
    with sessions:
        if requests:
            ask(session(), backend, requests, cache, stats, "generate")

        generator = {**backend.identity, "prompt_sha256": text_digest(template)}
        question_filter = QuestionFilter(params.filters)
        rows = []
        for chunk in chunks:
            if chunk["chunk_id"] in structured:
                rows += [{"question": question, "chunk_id": chunk["chunk_id"], "generator": STRUCTURE}
                         for question in structure_questions(chunk, params.questions_per_chunk, params.seed)]
                continue
            key = keys[chunk["chunk_id"]]
            if key not in cache:
                continue
            candidates = parse_reply(cache[key])
            for question in question_filter.keep(candidates, chunk["text"], params.questions_per_chunk):
                rows.append({"question": question, "chunk_id": chunk["chunk_id"], "generator": generator})
        answerability = {}
        if params.answerability.check:
            checked = time.perf_counter()
            verdicts = check_answerability(backend, session, params, rows,
                                           {chunk["chunk_id"]: chunk for chunk in chunks}, cache, stats)
            question_filter.drops["not_answerable"] += verdicts.count(False)
            rows = [row for row, answered in zip(rows, verdicts, strict=True) if answered is not False]
            answerability = {"checked": len(verdicts), "answered": verdicts.count(True),
                             "not_answered": verdicts.count(False), "unclear": verdicts.count(None),
                             "seconds": round(time.perf_counter() - checked, 2)}
            if warning := strict_judge_warning(answerability["checked"], answerability["not_answered"]):
                print(f"generate: warning: {warning}", file=sys.stderr)
    if params.filters.round_trip_top_k:
        model = load_params("model", ModelParams)
        passed = passes_round_trip(rows, corpus, load_encoder(model.base_model), params.filters.round_trip_top_k,
                                   model.query_prompt, model.document_prompt)
        question_filter.drops["failed_round_trip"] += passed.count(False)
        rows = [row for row, kept in zip(rows, passed, strict=True) if kept]
    write_jsonl(paths.questions, rows)
    text_of = {chunk["chunk_id"]: chunk["text"] for chunk in chunks}
    overlap = overlap_shares([row["question"] for row in rows], [text_of[row["chunk_id"]] for row in rows])

    seconds = time.perf_counter() - started
    write_json(params.report, {
        "chunks": len(corpus),
        "triaged": dict(sorted(Counter(entry["reason"] for entry in triaged).items())),
        "sampled_chunks": len(chunks),
        "calls": stats["calls"],
        "cache_hits": stats["cache_hits"],
        "malformed_replies": stats["malformed_replies"],
        "questions": len(rows),
        "chunks_with_questions": len({row["chunk_id"] for row in rows}),
        "dropped": dict(sorted(question_filter.drops.items())),
        "source_phrases_cut": question_filter.source_phrases_cut,
        **({"table_structure": {"chunks": len(structured),
                                "questions": sum(row["generator"] is STRUCTURE for row in rows)}}
           if params.table_questions == "structure" else {}),
        # How much the kept questions copy their chunk: the share of their content words it holds.
        "question_overlap": overlap_summary(overlap),
        **({"answerability": answerability} if answerability else {}),
        **({"local_llm": backend.local_llm} if getattr(backend, "local_llm", None) else {}),
        "seconds": round(seconds, 2),
        "questions_per_s": round(stats["calls"] and len(rows) / seconds, 3),
        "generator": generator,
        "runtime": runtime(),
    })
    sampled = f" (a sample of {len(chunks)}, generate.max_chunks)" if len(chunks) < len(corpus) - len(triaged) else ""
    sampled += f", {len(triaged)} skipped by triage ({params.triaged})" if triaged else ""
    print(f"generate: {len(rows)} questions for {len(corpus)} chunks{sampled}; {stats['calls']} LLM calls, "
          f"{stats['cache_hits']} cached, {sum(question_filter.drops.values())} dropped "
          f"({', '.join(f'{k} {v}' for k, v in question_filter.drops.most_common()) or 'none'}) in {seconds:.1f}s")


if __name__ == "__main__":
    run(main)
