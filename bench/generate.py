"""Benchmark of the `generate` stage on 50 chunks of NVIDIA's FY2023 10-K (../shared/data/10k).

- the offline default (llama.cpp, Qwen2.5-Coder-0.5B Q4_K_M): questions/s and peak memory;
- the `openai` backend against a local llama.cpp server with 4 slots, at concurrency 1, 2
  and 4 (12 chunks each), as a ratio to concurrency 1;
- a rerun with nothing changed: wall time and LLM calls (must be 0).
Prints a table, ten generated questions with their chunks' first lines, and the filter
counts; writes bench/results/generate.json. Targets: >= 0.7 questions/s for the default on
2 cores; a no-change rerun under 5 s.

Run: python bench/generate.py
"""

import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

import yaml
from measure import Target, parse_check, report_targets, run_stage

from embedtune.generation.gguf import KNOWN_MODELS, verified_gguf
from embedtune.generation.llama_server import LlamaServer

REPO = Path(__file__).resolve().parents[1]
NVDA = REPO.parent / "shared" / "data" / "10k" / "nvda-20230129.pdf"
RESULTS = REPO / "bench" / "results" / "generate.json"
CHUNKS = 50
CONCURRENCY_CHUNKS = 12
DEFAULT_MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"


def workspace(root: Path, chunks: list[str], **generate) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "chunks.jsonl").write_text("".join(chunks))
    shutil.copytree(REPO / "prompts", root / "prompts")
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    for key, value in generate.items():
        if isinstance(value, dict):
            params["generate"][key].update(value)
        else:
            params["generate"][key] = value
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return root


def generate(root: Path) -> dict:
    measured = run_stage("generate", root)
    report = json.loads((root / "metrics" / "generate.json").read_text())
    return {**measured, **{key: report[key] for key in ("calls", "cache_hits", "questions", "dropped")}}


def nvda_chunks(scratch: Path, count: int = CHUNKS) -> list[str]:
    """Chunks of the 10-K made by the pipeline's own stages, `count` of them spread over the filing."""
    root = scratch / "nvda"
    (root / "corpus").mkdir(parents=True)
    (root / "corpus" / NVDA.name).symlink_to(NVDA)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["extract"]["corpus_dir"] = "corpus"
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    run_stage("extract", root)
    run_stage("chunk", root)
    lines = (root / "data" / "chunks.jsonl").read_text().splitlines(keepends=True)
    step = len(lines) / count
    return [lines[int(i * step)] for i in range(count)]


def main() -> None:
    args = parse_check(__doc__)
    if not NVDA.exists():
        print(f"bench/generate.py: skipped, {NVDA} is absent (the shared 10-K filings are needed)")
        return
    rows = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        chunks = nvda_chunks(scratch)
        default = workspace(scratch / "default", chunks)
        rows["default (llamacpp), 50 chunks"] = generate(default)
        rows["default, rerun with nothing changed"] = generate(default)
        samples = _samples(default, chunks)

        model = verified_gguf(DEFAULT_MODEL, KNOWN_MODELS[DEFAULT_MODEL][2])
        with LlamaServer(model, threads=os.cpu_count(), parallel=4) as server:
            for concurrency in (1, 2, 4):
                root = workspace(scratch / f"openai-{concurrency}", chunks[:CONCURRENCY_CHUNKS], backend="openai",
                                 openai={"base_url": server.url, "model": "local", "api_key_env": None,
                                         "concurrency": concurrency, "timeout_s": 600})
                rows[f"openai, local llama.cpp, concurrency {concurrency}"] = generate(root)

    for row in rows.values():
        row["questions_per_s"] = round(row["calls"] / row["wall_s"], 3) if row["calls"] else None
    base = rows["openai, local llama.cpp, concurrency 1"]["questions_per_s"]
    for concurrency in (1, 2, 4):
        row = rows[f"openai, local llama.cpp, concurrency {concurrency}"]
        row["ratio_to_concurrency_1"] = round(row["questions_per_s"] / base, 2)

    print(f"{'run':<40} {'calls':>5} {'kept':>5} {'wall s':>8} {'q/s':>6} {'ratio':>6} {'peak MiB':>9}")
    for name, row in rows.items():
        rate = f"{row['questions_per_s']:.3f}" if row["questions_per_s"] else "-"
        ratio = f"{row['ratio_to_concurrency_1']:.2f}" if "ratio_to_concurrency_1" in row else ""
        print(f"{name:<40} {row['calls']:>5} {row['questions']:>5} {row['wall_s']:>8.2f} {rate:>6} {ratio:>6} "
              f"{row['peak_rss_mib']:>9}")
    print("\nfilter drops (default run):", rows["default (llamacpp), 50 chunks"]["dropped"])
    print("\nten generated questions, with the first line of their chunk:")
    for sample in samples:
        print(f"- {sample['question']}\n    chunk: {sample['chunk_first_line']}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "chunks": CHUNKS,
        "targets": {"default_questions_per_s": 0.7, "no_change_rerun_s": 5.0},
        "runs": rows,
        "samples": samples,
    }, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")
    report_targets([Target("questions/s, default generator", rows["default (llamacpp), 50 chunks"]["questions_per_s"],
                           0.7),
                    Target("no-change rerun (s)", rows["default, rerun with nothing changed"]["wall_s"], 5.0,
                           at_least=False)], args.check)


def _samples(root: Path, chunks: list[str]) -> list[dict]:
    text = {json.loads(line)["chunk_id"]: json.loads(line)["text"] for line in chunks}
    questions = [json.loads(line) for line in (root / "data" / "questions.jsonl").read_text().splitlines()]
    return [{"question": q["question"], "chunk_first_line": text[q["chunk_id"]].splitlines()[0][:120]}
            for q in questions[:10]]


if __name__ == "__main__":
    main()
