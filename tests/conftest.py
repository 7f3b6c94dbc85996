import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import embedtune  # noqa: F401  (first: it turns hub access and telemetry off before any HF library loads)

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

TRAIN = {"epochs": 2, "batch_size": 16, "learning_rate": 1e-4}


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


@pytest.fixture(scope="session")
def trained(tmp_path_factory, chunked_default) -> Path:
    """The default corpus's chunks, a question per chunk, MiniLM fine-tuned on them (TRAIN)."""
    root = dataset_workspace(tmp_path_factory.mktemp("trained"), chunked_default, train=TRAIN)
    run_stage("train", root)
    return root


# Bad corpus files, each made the way such files arise.

def text_pdf(text: str = "A one-page document about drive motors and their warranty.") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, text)
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
