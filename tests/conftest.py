import csv
import importlib.util
import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import embedtune  # noqa: F401  (first: it turns hub access and telemetry off before any HF library loads)
from llm_servers import ScriptedServer

# A runner may start the tests as a background job of a non-interactive shell, with SIGINT ignored,
# which every process started from here would inherit: Ctrl-C must reach the stages under test.
signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "data" / "pdfs"
SHARED_DATA = REPO.parent / "shared" / "data"


def write_params(workdir: Path, **sections) -> Path:
    """params.yaml for a workspace: the repository's, with the given keys of each section replaced."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    for section, values in sections.items():
        params[section].update(values)
    path = workdir / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def run_stage(stage: str, workdir: Path, check: bool = True, env: dict | None = None,
              args: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run a stage as DVC does: its module, in a process of its own, from the workspace root."""
    result = subprocess.run(
        [sys.executable, "-m", f"embedtune.stages.{stage}", *args],
        cwd=workdir, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{stage} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def new_workspace(root: Path) -> Path:
    """A workspace whose corpus folder holds a copy of the default corpus, nothing extracted."""
    corpus = root / "data" / "pdfs"
    corpus.mkdir(parents=True)
    for pdf in DEFAULT_CORPUS.glob("*.pdf"):
        (corpus / pdf.name).write_bytes(pdf.read_bytes())
    write_params(root)
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return new_workspace(tmp_path)


@pytest.fixture(scope="session")
def extracted_default(tmp_path_factory) -> Path:
    """The default corpus extracted once for the tests that only read the result."""
    root = new_workspace(tmp_path_factory.mktemp("extracted-default"))
    run_stage("extract", root)
    return root


@pytest.fixture(scope="session")
def chunked_default(extracted_default, tmp_path_factory) -> Path:
    """The default corpus extracted and chunked once, for the tests that only read the result."""
    root = tmp_path_factory.mktemp("chunked-default")
    shutil.copytree(extracted_default / "data", root / "data")
    write_params(root)
    run_stage("chunk", root)
    return root


# A fine-tuned model, for the tests of training and of what uses its output.

# validation_max_chunks below the corpus's size: every training test validates on a sample of it.
TRAIN = {"epochs": 2, "batch_size": 16, "learning_rate": 1e-4, "validation_max_chunks": 40}


def passage_questions(chunks: list[dict]) -> list[dict]:
    """A question per chunk from one of its middle sentences, reworded as a request: real text the
    base model finds often but not always, so training has something to learn."""
    rows = []
    for chunk in chunks:
        sentences = [s for s in chunk["text"].replace("\n", " ").split(". ") if len(s.split()) > 5]
        if sentences:
            words = sentences[len(sentences) // 2].split()[:10]
            rows.append({"question": f"Where does it say {' '.join(words).lower()}?", "chunk_id": chunk["chunk_id"]})
    return rows


def dataset_workspace(root: Path, chunked_default: Path, **sections) -> Path:
    (root / "data").mkdir(parents=True)
    shutil.copy(chunked_default / "data" / "chunks.jsonl", root / "data" / "chunks.jsonl")
    chunks = [json.loads(line) for line in (root / "data" / "chunks.jsonl").read_text().splitlines()]
    (root / "data" / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in passage_questions(chunks)))
    write_params(root, **sections)
    run_stage("dataset", root)
    return root


def loss_curve(root: Path) -> list[float]:
    with open(root / "metrics" / "train-curves" / "plots" / "metrics" / "loss.tsv") as handle:
        return [float(row["loss"]) for row in csv.DictReader(handle, delimiter="\t")]


@pytest.fixture(scope="session")
def trained(tmp_path_factory, chunked_default) -> Path:
    """The default corpus's chunks, a question per chunk, MiniLM fine-tuned on them (TRAIN)."""
    root = dataset_workspace(tmp_path_factory.mktemp("trained"), chunked_default, train=TRAIN)
    run_stage("train", root)
    return root


def extracted_elements(workspace) -> dict[str, list[dict]]:
    """The extracted elements of each document, by file name."""
    elements = {}
    for path in sorted((workspace / "data" / "extracted").glob("*.jsonl")):
        records = [json.loads(line) for line in path.read_text().splitlines()]
        elements[records[0]["file_name"]] = records
    return elements


def folder_bytes(folder: Path) -> dict:
    """Every file under folder, by relative path: equal when the folders hold the same bytes."""
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def extract_report(workspace) -> dict:
    return json.loads((workspace / "metrics" / "extract.json").read_text())


def load_bench(name: str):
    """The module of bench/<name>.py (benchmarks import their helpers from bench/)."""
    bench = str(REPO / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Bad corpus files, each made the way such files arise.

def text_pdf(text: str = "A one-page document about drive motors and their warranty.") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    for number, line in enumerate(text.splitlines()):
        page.drawString(72, 720 - 14 * number, line)
    page.save()
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=StandardEncryption("user-secret", ownerPassword="owner-secret"))
    page.drawString(72, 720, "Quarterly results are confidential until the earnings call.")
    page.save()
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A page that is only a picture of text, as a scanner makes it: no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (1200, 400), 255)
    ImageDraw.Draw(image).text((40, 150), "Scanned invoice 4711: total due EUR 12,400", fill=0)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawImage(ImageReader(image), 36, 500, width=540, height=180)
    page.save()
    return buffer.getvalue()


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


BAD_FILES = {
    "corrupt.pdf": (corrupt_pdf, "corrupt PDF"),
    "empty.pdf": (lambda: b"", "empty file"),
    "encrypted.pdf": (encrypted_pdf, "encrypted PDF"),
    "notes.txt.pdf": (lambda: b"Meeting notes, not a PDF at all.\n" * 20, "not a PDF"),
    "scanned.pdf": (scanned_pdf, "no text layer"),
}


# Generation: the offline default generator, and scripted OpenAI-compatible servers.

DEFAULT_MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"


def workspace_with_chunks(root, chunked_default, count=None, **generate):
    """A workspace holding the default corpus's chunks (the first `count`) and the prompt."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    lines = (chunked_default / "data" / "chunks.jsonl").read_text().splitlines(keepends=True)
    (root / "data" / "chunks.jsonl").write_text("".join(lines[:count]))
    shutil.copytree(REPO / "prompts", root / "prompts", dirs_exist_ok=True)
    write_params(root, generate=generate)
    return root


def openai_params(url, **options):
    return {"backend": "openai", "openai": {"base_url": url, "model": "scripted", "api_key_env": None,
                                            "concurrency": 1, "max_retries": 1, "backoff_s": 0.01, **options}}


def generate_report(root) -> dict:
    return json.loads((root / "metrics" / "generate.json").read_text())


def cache_lines(root):
    path = root / "data" / "generate-cache.jsonl"
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture(scope="module")
def scripted():
    scenarios = {"ok": ["ok"], "slow": ["slow"], "dies": ["ok", "ok", "ok", "500"], "denied": ["401"],
                 "odd": ["ok", "empty", "truncated", "truncated", "ok"], "mixed": ["echo", "ok"] * 10,
                 "judge": ["judge"], "pointer": ["pointer"]}
    with ScriptedServer(scenarios, slow_s=0.3) as server:
        yield server


# The pipeline run by dvc itself in a copy of the repository.

# The generation endpoint's key: in the environment of every dvc command, required by the server,
# and never to be found in anything the pipeline writes.
PIPELINE_API_KEY = f"sk-embedtune-test-{secrets.token_hex(12)}"


def dvc_environment(**extra: str) -> dict:
    return {
        **os.environ,
        # dvc runs stages with `python`: the interpreter running these tests.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "EMBEDTUNE_TEST_KEY": PIPELINE_API_KEY,
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
        **extra,
    }


def sh(*command: str, cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, env=dvc_environment(), capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="session")
def llm():
    with ScriptedServer({"ok": ["ok"]}, require_key=PIPELINE_API_KEY) as server:
        yield server


@pytest.fixture(scope="session")
def repo(tmp_path_factory, llm) -> Path:
    """The repository's tracked and new files (not its DVC outputs) in a fresh git repository,
    generating questions with a scripted OpenAI-compatible server on 127.0.0.1 and training one
    epoch, for speed. `dvc repro` has run once; its output is in first-repro.log beside the copy."""
    copy = tmp_path_factory.mktemp("pipeline") / "repo"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    params = yaml.safe_load((copy / "params.yaml").read_text())
    params["generate"].update(backend="openai")
    params["generate"]["openai"].update(base_url=llm.url("ok"), api_key_env="EMBEDTUNE_TEST_KEY", max_retries=0)
    params["train"].update(epochs=1)
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh("git", "init", "-q", cwd=copy)
    sh("git", "add", "-A", cwd=copy)
    sh("git", "commit", "-q", "-m", "copy", cwd=copy)
    (copy.parent / "first-repro.log").write_text(sh("dvc", "repro", cwd=copy))
    return copy


def retrain_in_background(repo: Path, learning_rate: float, log: Path) -> subprocess.Popen:
    """`dvc repro` after a change of train.learning_rate, in a session of its own (so a signal can
    reach it as Ctrl-C would), returned once it is running `train`; its output goes to log."""
    sh("dvc", "repro", cwd=repo)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"]["learning_rate"] = learning_rate
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    with open(log, "w") as output:
        process = subprocess.Popen(["dvc", "repro"], cwd=repo, stdout=output, stderr=subprocess.STDOUT,
                                   env=dvc_environment(), start_new_session=True)
    deadline = time.monotonic() + 300
    while "Running stage 'train'" not in log.read_text():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    return process
