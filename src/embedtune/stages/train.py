"""Stage `train`: fine-tune the base model on the train split, selecting the checkpoint on validation.

By default MatryoshkaLoss over MultipleNegativesRankingLoss (every other training pair's chunk is
a negative) with random batches without duplicate texts, or with batches of one document each
(train.batches, embedtune.training.batches); train.loss picks another loss that fits the
dataset's format (embedtune.training.losses). After each evaluation the validation split is
scored at every Matryoshka dimension (ndcg@10 for pairs); the best checkpoint at the smallest
dimension (or the full one: train.select_checkpoint_at) is the model saved to paths.model, with
sentence-transformers' model card, and the fusion of BM25 with it that scores best on validation
(embedtune.evaluation.hybrid), which search and the evaluation use.
"""

import shutil
import time
from pathlib import Path

import torch
from datasets import load_from_disk
from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments

from embedtune.common.errors import StageError
from embedtune.common.jsonl import write_json
from embedtune.common.models import ModelParams, load_encoder
from embedtune.common.params import ParamsError, load_params
from embedtune.common.paths import load_paths
from embedtune.common.precision import cpu_has_native_bfloat16
from embedtune.common.runtime import runtime
from embedtune.dataset.formats import format_of
from embedtune.evaluation.corpus import fusion_on_validation
from embedtune.evaluation.evaluator import MatryoshkaEvaluator
from embedtune.evaluation.hybrid import FILE_NAME as HYBRID_FILE
from embedtune.evaluation.hybrid import METRIC, describe
from embedtune.evaluation.params import EvaluateParams
from embedtune.evaluation.tasks import tasks_for
from embedtune.stages import run
from embedtune.training.batches import one_document_batches, one_document_refusal
from embedtune.training.bm25_residual import Bm25Scores
from embedtune.training.checkpoints import last_checkpoint, run_dir
from embedtune.training.curves import curves_callback
from embedtune.training.distributed import ddp_arguments, is_main_process, is_worker, relaunch_under_torchrun
from embedtune.training.dropout import encoder_for_training
from embedtune.training.keyword_easy import bm25_ranks, kept_rows, within_overlap
from embedtune.training.losses import batch_sampler, build_loss, check_loss_fits, loss_inputs
from embedtune.training.params import TrainParams
from embedtune.training.tsdae import adapt, corpus_sentences
from embedtune.training.validation import bounded_validation

# Where a run is kept, not what it computes: left out of the run's identity.
BOOKKEEPING = {"checkpoints_dir", "keep_checkpoints", "curves_dir", "report"}


def load_splits(folder: Path):
    if not (folder / "dataset_dict.json").exists():
        raise StageError(f"train: no dataset at {folder}; run `dvc repro dataset` first")
    dataset = load_from_disk(str(folder))
    for name in ("train", "validation"):
        if name not in dataset:
            raise StageError(f"train: the {name} split is empty; the best checkpoint is chosen on validation, "
                             "so both need questions (see dataset.test_size and dataset.validation_size)")
    return dataset


def corpus_for(dataset, format: str, needs: str, off: str):
    """The dataset's corpus, for a setting that `needs` it; refused, saying to turn it `off`, where the
    format has none (labelled data without a corpus)."""
    if format not in ("pairs", "triplets") or "corpus" not in dataset:
        raise ParamsError(f"{needs}, which {format} data has not; {off}")
    return dataset["corpus"]


def without_keyword_easy(dataset, format: str, params: TrainParams):
    """The training split less the pairs keyword search finds easily (train.bm25_first_kept,
    train.max_question_overlap), and how many of them were left out."""
    corpus = corpus_for(dataset, format, "train.bm25_first_kept and train.max_question_overlap compare a question "
                        "with its chunk among the corpus", "set both to 1")
    train = dataset["train"]
    kept, counts = set(range(len(train))), {"of_rows": len(train)}
    if params.bm25_first_kept < 1:
        ranks = bm25_ranks(train["anchor"], train["chunk_id"], corpus["chunk_id"], corpus["text"])
        below_first = kept_rows(ranks, params.bm25_first_kept, params.seed)
        counts |= {"bm25_first": sum(rank == 1 for rank in ranks), "bm25_first_left_out": len(ranks) - len(below_first)}
        kept &= set(below_first)
    if params.max_question_overlap < 1:
        within = within_overlap(train["anchor"], train["positive"], params.max_question_overlap)
        counts["copying_left_out"] = len(train) - len(within)
        kept &= set(within)
    if not kept:
        raise StageError(f"train: no training pair is left once those keyword search finds easily are left out "
                         f"(train.bm25_first_kept {params.bm25_first_kept}, train.max_question_overlap "
                         f"{params.max_question_overlap}); raise them")
    return train.select(sorted(kept)), {**counts, "kept": len(kept)}


def bm25_for_residual(dataset, format: str, model, model_params: ModelParams) -> Bm25Scores:
    """BM25 over the dataset's corpus, for train.bm25_residual's loss."""
    corpus = corpus_for(dataset, format, "train.bm25_residual scores each question's passages among the corpus",
                        "set it to 0")
    return Bm25Scores(model, dataset["train"]["anchor"], corpus["text"], model_params.query_prompt,
                      model_params.document_prompt)


def resolved_precision(precision: str) -> str:
    if precision != "auto":
        return precision
    if not torch.cuda.is_available():
        return "bf16" if cpu_has_native_bfloat16() else "fp32"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def precision_flags(precision: str) -> dict:
    if precision == "fp32":
        return {}
    # The trainer refuses half precision on a CPU unless told that the CPU is meant.
    return {precision: True, **({} if torch.cuda.is_available() else {"use_cpu": True})}


def save_replacing(model, folder: Path, fusion: dict) -> None:
    """Save the model and its hybrid fusion beside `folder`, then swap it in: a save that fails (a full
    disk) leaves the previous model whole."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        model.save(str(partial))
        write_json(partial / HYBRID_FILE, fusion)
        with open(partial / "README.md", "a", encoding="utf-8") as card:
            card.write(hybrid_card_section(fusion))
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def hybrid_card_section(fusion: dict) -> str:
    scores = "".join(f"| {name} | {fusion[key]:.4f} |\n" for name, key in (
        ("dense", f"validation_dense_{METRIC}"), ("BM25", f"validation_bm25_{METRIC}"),
        ("hybrid", f"validation_{METRIC}")) if key in fusion)
    return (f"\n\n## Hybrid retrieval (embedtune)\n\nBM25 fused with this model's cosine scores: {describe(fusion)}, "
            f"rrf_k {fusion['rrf_k']}; chosen on {fusion['chosen_on']}. Saved in `{HYBRID_FILE}`; `embedtune search` "
            "uses it.\n" + (f"\n| retriever | validation {METRIC} |\n|---|---:|\n{scores}" if scores else ""))


def main() -> None:
    params = load_params("train", TrainParams)
    paths = load_paths()
    model_params = load_params("model", ModelParams)
    dataset = load_splits(paths.dataset)
    format = format_of(dataset["train"].column_names)
    check_loss_fits(params.loss, format)
    keyword_easy = None
    if params.bm25_first_kept < 1 or params.max_question_overlap < 1:
        dataset["train"], keyword_easy = without_keyword_easy(dataset, format, params)
    rows = loss_inputs(dataset["train"], format, params)
    sampler, one_document_share, batches = batch_sampler(params.loss), None, {"drawn": params.batches}
    if params.batches == "one_document":
        refusal = one_document_refusal(dataset["train"], paths.chunks, params)
        if refusal:
            batches = {"drawn": "random", "not_one_document": refusal}
            print(f"train: random batches, not one_document: {refusal}")
        else:
            sampler, one_document_share = one_document_batches(dataset["train"], rows, paths.chunks, params)
    model = encoder_for_training(model_params.base_model, params.attention_dropout)
    full = model.get_embedding_dimension()
    if params.matryoshka_dims and params.matryoshka_dims[0] > full:
        raise ParamsError(f"train.matryoshka_dims: {params.matryoshka_dims[0]} exceeds the {full} dimensions "
                          f"of {model_params.base_model}")
    model.model_card_data.local_files_only = True  # the hub is not asked about the base model or data
    model.model_card_data.base_model = model_params.base_model

    identity = {"train": params.model_dump(mode="json", exclude=BOOKKEEPING), "model": model_params.model_dump()}
    folder = run_dir(params.checkpoints_dir, identity, paths.dataset)
    checkpoint = last_checkpoint(folder)
    resumed_step = int(checkpoint.name.split("-")[1]) if checkpoint else None
    if params.nproc > 1 and not is_worker():
        relaunch_under_torchrun(params.nproc)  # everything above is checked once, before the processes start
    main_process = is_main_process()
    if checkpoint and main_process:
        print(f"train: resuming from {checkpoint} (step {resumed_step})")

    task, searched = bounded_validation(tasks_for(dataset, "validation", model_params.query_prompt,
                                                 model_params.document_prompt)[0],
                                       params.validation_max_chunks, params.seed)
    dims = params.matryoshka_dims or [full]
    evaluator = MatryoshkaEvaluator(task, dims, select_at=dims[0] if params.select_checkpoint_at == "full" else None)
    # Prompts are for asymmetric retrieval (queries vs passages): pairs and triplets only.
    prompts = {"anchor": model_params.query_prompt, "positive": model_params.document_prompt,
               "negative": model_params.document_prompt} if format in ("pairs", "triplets") else {}
    epochs = params.epochs_for(len(dataset["train"]))
    precision = resolved_precision(params.precision)
    tsdae = None
    # A resumed run's checkpoint holds the adapted weights already.
    if params.tsdae_sentences and not checkpoint:
        corpus = corpus_for(dataset, format, "train.tsdae_sentences adapts the model to the corpus's sentences",
                            "set it to 0")
        sentences = corpus_sentences(corpus["text"], params.tsdae_sentences, params.seed)
        print(f"train: TSDAE on {len(sentences)} of the corpus's sentences (train.tsdae_sentences)")
        tsdae = adapt(model, sentences, params.seed, folder / "tsdae", precision_flags(precision))
    args = SentenceTransformerTrainingArguments(
        output_dir=str(folder),
        num_train_epochs=epochs,
        per_device_train_batch_size=params.batch_size // params.nproc,
        learning_rate=params.learning_rate,
        warmup_steps=params.warmup_ratio,  # below 1: a share of the steps
        weight_decay=params.weight_decay,
        seed=params.seed,
        data_seed=params.seed,
        batch_sampler=sampler,
        eval_strategy=params.eval_strategy,
        eval_steps=params.eval_steps,
        save_strategy=params.eval_strategy,
        save_steps=params.eval_steps,
        save_total_limit=params.save_total_limit,
        load_best_model_at_end=True,
        metric_for_best_model=f"eval_{evaluator.primary_metric}",
        greater_is_better=True,
        logging_steps=params.logging_steps,
        prompts={column: prompt for column, prompt in prompts.items() if prompt} or None,
        report_to="none",
        dataloader_pin_memory=torch.cuda.is_available(),
        **(ddp_arguments(params.nproc) | precision_flags(precision)),  # both say use_cpu on a CPU
    )
    guide = load_encoder(model_params.base_model) if params.loss == "GISTEmbedLoss" else None
    bm25 = bm25_for_residual(dataset, format, model, model_params) if params.bm25_residual else None
    trainer = SentenceTransformerTrainer(
        model=model,
        args=args,
        train_dataset=rows,
        loss=build_loss(model, params, guide=guide, bm25=bm25),
        evaluator=evaluator,
        callbacks=[curves_callback(folder / "curves", resumed_step)] if main_process else [],
    )
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    seconds = time.perf_counter() - started
    if not main_process:
        return

    fusion = fusion_on_validation(dataset, model, model_params, load_params("evaluate", EvaluateParams).hybrid)
    save_replacing(model, paths.model, fusion)
    shutil.rmtree(params.curves_dir, ignore_errors=True)
    shutil.copytree(folder / "curves", params.curves_dir)
    state = trainer.state
    best = state.best_model_checkpoint
    report = {
        "base_model": model_params.base_model,
        "hybrid": fusion,
        "format": format,
        "loss": params.loss,
        **({"bm25_residual": params.bm25_residual} if params.bm25_residual else {}),
        **({"tsdae": tsdae} if tsdae else {}),
        "train_rows": len(dataset["train"]),
        **({"keyword_easy_pairs": keyword_easy} if keyword_easy else {}),
        "batches": {**batches,
                    **({"one_document_share": round(one_document_share, 3)} if one_document_share is not None else {})},
        "epochs": epochs,
        "steps": state.global_step,
        "resumed_from_step": resumed_step,
        "best_step": int(best.rsplit("-", 1)[1]) if best else state.global_step,
        f"best_validation_{task.headline}_{evaluator.selected_dim}d": state.best_metric,
        "train_loss": result.training_loss,
        "samples_per_second": result.metrics["train_samples_per_second"],
        "seconds": round(seconds, 2),
        "validation": {**(searched or {}), "evaluations": evaluator.evaluations, "seconds": round(evaluator.seconds, 2),
                       "share_of_training": round(evaluator.seconds / seconds, 3)},
        "device": str(model.device),
        "precision": precision,
        "processes": params.nproc,
        "runtime": runtime(),
    }
    write_json(params.report, report)
    if not params.keep_checkpoints:
        shutil.rmtree(folder)
    print(f"train: {report['steps']} steps ({epochs:g} passes) on {report['train_rows']} training rows ({format}) "
          f"in {seconds:.0f} s; "
          f"best step {report['best_step']} (validation {task.headline} at {evaluator.selected_dim}d "
          f"{state.best_metric:.4f}); model saved to {paths.model}, with its hybrid fusion: {describe(fusion)} "
          f"(chosen on {fusion['chosen_on']})")
    sampled = (f" searching {searched['corpus_chunks']} of {searched['of_chunks']} chunks"
               if searched and searched["sampled"] else "")
    print(f"train: {evaluator.evaluations} validations{sampled} took {evaluator.seconds:.0f} s, "
          f"{report['validation']['share_of_training']:.0%} of training")


if __name__ == "__main__":
    run(main)
