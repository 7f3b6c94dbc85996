"""Stage `train`: a real fine-tune of MiniLM on pairs from the default corpus."""

import csv
import json
import math
from pathlib import Path

import pytest
from datasets import load_from_disk
from transformers import BertConfig, GPT2Config

from conftest import TRAIN, dataset_workspace, loss_curve, run_stage
from embedtune.common.models import load_encoder, resolve_model
from embedtune.common.params import ParamsError
from embedtune.common.precision import cpu_has_native_bfloat16
from embedtune.evaluation.tasks import tasks_for
from embedtune.training.dropout import attention_dropout_key
from embedtune.training.params import TrainParams
from embedtune.training.validation import bounded_validation

pytestmark = pytest.mark.slow

DIMS = [384, 256, 128, 64]
BASE = "sentence-transformers/all-MiniLM-L6-v2"


def test_training_lowers_the_loss_and_raises_train_split_ndcg(trained):
    report = json.loads((trained / "metrics" / "train.json").read_text())
    dataset = load_from_disk(str(trained / "data" / "dataset"))
    assert report["train_rows"] == len(dataset["train"]) > 40
    assert report["epochs"] == TRAIN["epochs"]
    assert report["precision"] == ("bf16" if cpu_has_native_bfloat16() else "fp32")
    assert report["steps"] == TRAIN["epochs"] * math.ceil(report["train_rows"] / TRAIN["batch_size"])
    losses = loss_curve(trained)
    assert len(losses) == report["steps"]
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3

    task = tasks_for(dataset, "train")[0]
    base = task.measure(load_encoder(BASE), DIMS)
    tuned = task.measure(load_encoder(str(trained / "models" / "embedtune")), DIMS)
    for dim in (384, 64):
        assert tuned[dim]["ndcg@10"] > base[dim]["ndcg@10"], dim


def test_the_saved_model_has_a_card_and_validation_curves(trained):
    card = (trained / "models" / "embedtune" / "README.md").read_text()
    assert "base_model: sentence-transformers/all-MiniLM-L6-v2" in card
    assert "loss:MatryoshkaLoss" in card and "dataset_size:" in card
    eval_curves = trained / "metrics" / "train-curves" / "plots" / "metrics" / "eval"
    with open(eval_curves / "validation_ndcg@10_64d.tsv") as handle:
        steps = [int(row["step"]) for row in csv.DictReader(handle, delimiter="\t")]
    report = json.loads((trained / "metrics" / "train.json").read_text())
    assert steps == [report["steps"] // 2, report["steps"]]  # one evaluation per epoch, by trainer step
    assert report["best_step"] in steps
    assert not list((trained / "models" / "checkpoints").glob("*"))  # a finished run leaves no checkpoints


@pytest.mark.parametrize("rows, epochs", [(74, 8), (482, 2), (2400, 1), (640, 1)])
def test_passes_stop_after_the_first_that_reaches_min_steps(rows, epochs):
    assert TrainParams(epochs=8, batch_size=16, min_steps=40).epochs_for(rows) == epochs
    assert TrainParams(epochs=8, batch_size=16, min_steps=None).epochs_for(rows) == 8
    assert TrainParams(epochs=0.5, batch_size=16, min_steps=40).epochs_for(rows) == 0.5


def test_validation_searches_every_relevant_chunk_and_a_seeded_sample(trained):
    dataset = load_from_disk(str(trained / "data" / "dataset"))
    task = tasks_for(dataset, "validation")[0]
    relevant = set().union(*task.relevant)
    bounded, searched = bounded_validation(task, 40, seed=42)
    assert searched == {"corpus_chunks": 40, "of_chunks": len(dataset["corpus"]), "sampled": True,
                        "relevant_chunks": len(relevant)}
    assert relevant <= set(bounded.corpus_ids) and len(set(bounded.corpus_ids)) == 40
    assert bounded.corpus_ids == [chunk_id for chunk_id in task.corpus_ids if chunk_id in set(bounded.corpus_ids)]
    assert bounded_validation(task, 40, seed=42)[0].corpus_ids == bounded.corpus_ids
    assert bounded_validation(task, 40, seed=7)[0].corpus_ids != bounded.corpus_ids
    assert bounded_validation(task, None, seed=42)[0] is task

    report = json.loads((trained / "metrics" / "train.json").read_text())["validation"]
    assert {key: report[key] for key in searched} == searched  # what the trainer searched at every evaluation
    assert report["evaluations"] == TRAIN["epochs"] and 0 < report["share_of_training"] < 1


def test_training_runs_without_attention_dropout_and_refuses_a_model_that_names_it_otherwise(trained):
    base = json.loads((Path(resolve_model(BASE)) / "config.json").read_text())
    saved = json.loads((trained / "models" / "embedtune" / "config.json").read_text())
    assert base["attention_probs_dropout_prob"] == 0.1 and saved["attention_probs_dropout_prob"] == 0.0
    assert saved["hidden_dropout_prob"] == base["hidden_dropout_prob"]

    assert attention_dropout_key(BertConfig()) == "attention_probs_dropout_prob"
    with pytest.raises(ParamsError, match="set train.attention_dropout to null"):
        attention_dropout_key(GPT2Config())  # GPT-2 calls it attn_pdrop


@pytest.mark.parametrize("sections, message", [
    ({"dataset": {"validation_size": 0.0}}, "the validation split is empty"),
    ({"model": {"base_model": "no-such-org/no-such-model"}}, "'no-such-org/no-such-model' is not available offline"),
])
def test_bad_input_is_refused_before_training(tmp_path, chunked_default, sections, message):
    root = dataset_workspace(tmp_path, chunked_default, **sections)
    failed = run_stage("train", root, check=False)
    assert failed.returncode != 0 and message in failed.stderr
    assert "Traceback" not in failed.stderr and not (root / "models" / "checkpoints").exists()


def test_a_missing_dataset_says_which_stage_to_run(workspace):
    failed = run_stage("train", workspace, check=False)
    assert failed.returncode != 0 and "run `dvc repro dataset` first" in failed.stderr


def test_two_processes_train_together_and_save_once(tmp_path, chunked_default, trained):
    root = dataset_workspace(tmp_path, chunked_default, train={**TRAIN, "epochs": 1, "nproc": 2})
    result = run_stage("train", root)
    report = json.loads((root / "metrics" / "train.json").read_text())
    assert report.keys() == json.loads((trained / "metrics" / "train.json").read_text()).keys()
    # Each process takes half of every global batch: the steps are those of one process over the
    # whole data at batch_size, not over half of it, nor twice.
    assert report["processes"] == 2
    assert report["steps"] == report["train_rows"] // TRAIN["batch_size"]
    assert result.stdout.count("model saved to models/embedtune") == 1
    assert (root / "models" / "embedtune" / "model.safetensors").exists()
    assert len(loss_curve(root)) == report["steps"]
    assert not list((root / "models" / "checkpoints").glob("*"))


def test_a_batch_that_does_not_split_over_the_processes_is_refused(tmp_path, chunked_default):
    root = dataset_workspace(tmp_path, chunked_default, train={**TRAIN, "batch_size": 15, "nproc": 2})
    failed = run_stage("train", root, check=False)
    assert failed.returncode != 0 and "batch_size 15 does not split over nproc 2 processes" in failed.stderr
