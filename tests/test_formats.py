"""Every dataset format with each loss that fits it: real MiniLM, a few real training steps."""

import json
from pathlib import Path

import pytest
from datasets import load_from_disk

from conftest import write_params
from embedtune.common.errors import StageError
from embedtune.stages import dataset as dataset_stage
from embedtune.stages import evaluate as evaluate_stage
from embedtune.stages import train as train_stage
from embedtune.training.losses import FITTING_LOSSES
from format_samples import rows

pytestmark = pytest.mark.slow

def write_format_params(root: Path, model: str = "models/embedtune", **train) -> None:
    write_params(root, dataset={"labelled_file": "labelled.csv", "test_size": 0.25, "validation_size": 0.25},
                 train={"epochs": 1, "batch_size": 8, "learning_rate": 1e-4, **train}, paths={"model": model})


def workspace(root: Path, format: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rows(format).to_csv(root / "labelled.csv", index=False)
    write_format_params(root)
    return root


@pytest.fixture(scope="module")
def datasets_by_format(tmp_path_factory) -> dict[str, Path]:
    roots = {}
    for format in FITTING_LOSSES:
        root = workspace(tmp_path_factory.mktemp(format), format)
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(root)
            dataset_stage.main()
        roots[format] = root
    return roots


@pytest.mark.parametrize("format", list(FITTING_LOSSES))
def test_the_format_is_detected_and_split_by_group(datasets_by_format, format):
    root = datasets_by_format[format]
    report = json.loads((root / "metrics" / "dataset.json").read_text())
    dataset = load_from_disk(str(root / "data" / "dataset"))
    assert report["format"] == format
    assert report["train_rows"] + report["validation_rows"] + report["test_rows"] == len(rows(format))
    column = {"pairs": "chunk_id", "triplets": "chunk_id", "scored_pairs": "sentence1", "labelled_texts": "text"}
    assert not set(dataset["train"][column[format]]) & set(dataset["test"][column[format]])


CASES = [(format, loss, dims) for format, losses in FITTING_LOSSES.items() for loss in losses
         for dims in ([384, 128, 64], [])]


@pytest.mark.parametrize("format, loss, dims", CASES, ids=[f"{f}-{loss}-{'matryoshka' if d else 'plain'}"
                                                          for f, loss, d in CASES])
def test_each_fitting_loss_trains_with_and_without_matryoshka(datasets_by_format, tmp_path, monkeypatch,
                                                              format, loss, dims):
    root = datasets_by_format[format]
    write_format_params(root, loss=loss, matryoshka_dims=dims, model=str(tmp_path / "model"),
                        report=str(tmp_path / "train.json"), curves_dir=str(tmp_path / "curves"),
                        checkpoints_dir=str(tmp_path / "checkpoints"))
    monkeypatch.chdir(root)
    train_stage.main()
    report = json.loads((tmp_path / "train.json").read_text())
    assert report["format"] == format and report["loss"] == loss and report["steps"] >= 1
    # Labelled rows have no document: the default one_document batches give way to random ones.
    assert report["batches"]["drawn"] == "random" and report["batches"]["not_one_document"]
    headline = "spearman_cosine" if format == "scored_pairs" else "ndcg@10"
    smallest = dims[-1] if dims else 384
    assert report[f"best_validation_{headline}_{smallest}d"] is not None
    card = (tmp_path / "model" / "README.md").read_text()
    assert f"loss:{loss}" in card and ("loss:MatryoshkaLoss" in card) == bool(dims)


@pytest.mark.parametrize("format", list(FITTING_LOSSES))
def test_evaluation_fits_the_format_and_names_its_headline(datasets_by_format, monkeypatch, capsys, format):
    root = datasets_by_format[format]
    write_format_params(root, loss=FITTING_LOSSES[format][0])
    monkeypatch.chdir(root)
    monkeypatch.setattr("sys.argv", ["evaluate"])
    evaluate_stage.main()
    train_stage.main()
    monkeypatch.setattr("sys.argv", ["evaluate", "--tuned", "models/embedtune"])
    evaluate_stage.main()
    review = json.loads((root / "metrics" / "metrics.json").read_text())
    tuned = json.loads((root / "metrics" / "tuned.json").read_text())
    headline = {"scored_pairs": "spearman_cosine"}.get(format, "ndcg@10")
    assert tuned["headline"] == headline and review["tuned"] == tuned[headline] and -1 <= review["tuned"] <= 1
    assert sorted(path.name for path in (root / "metrics" / "by-dim").iterdir()) == ["128.json", "256.json", "64.json"]
    assert ("bm25" in tuned) == (format != "scored_pairs")
    if format == "triplets":
        assert 0 <= tuned["triplet"]["384"]["accuracy"] <= 1
    assert headline in capsys.readouterr().out


def test_a_loss_that_does_not_fit_is_refused_with_those_that_do(datasets_by_format, monkeypatch):
    root = datasets_by_format["scored_pairs"]
    write_format_params(root, loss="MultipleNegativesRankingLoss")
    monkeypatch.chdir(root)
    with pytest.raises(StageError, match="MultipleNegativesRankingLoss does not fit scored_pairs data; use one of "
                                         "CoSENTLoss, CosineSimilarityLoss, ContrastiveLoss"):
        train_stage.main()


@pytest.mark.parametrize("format, change, message", [
    ("scored_pairs", lambda t: t.assign(score=[1.7] + list(t["score"][1:])), "row 1: 'score' is 1.7; scores must be"),
    ("pairs", lambda t: t.assign(question=list(t["question"][:3]) + ["  "] + list(t["question"][4:])),
     "row 4: 'question' is empty"),
    ("labelled_texts", lambda t: t.assign(label=[None] + list(t["label"][1:])), "row 1: 'label' is empty"),
    ("triplets", lambda t: t.drop(columns=["negative"]), "has no column 'negative'"),
])
def test_bad_values_are_named_before_training(tmp_path, monkeypatch, format, change, message):
    change(rows(format)).to_csv(tmp_path / "labelled.csv", index=False)
    write_params(tmp_path, dataset={"labelled_file": "labelled.csv", "format": format})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StageError, match=message.replace("(", r"\(")):
        dataset_stage.main()
