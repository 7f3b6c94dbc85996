"""The `train` section of params.yaml."""

import math
from pathlib import Path
from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt, field_validator, model_validator

from embedtune.common.params import Section

LOSSES = (
    "MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss", "TripletLoss",
    "CoSENTLoss", "CosineSimilarityLoss", "ContrastiveLoss", "BatchAllTripletLoss", "BatchHardTripletLoss",
)


class TrainParams(Section):
    """Fine-tuning with SentenceTransformerTrainer, the loss inside MatryoshkaLoss; the best checkpoint on the
    validation split at the smallest dimension is the model saved to paths.model."""

    checkpoints_dir: Path = Field(Path("models/checkpoints"), description="Checkpoints of a run in progress, a "
                                  "folder per (params, data): an interrupted run resumes from its last one. Not a "
                                  "DVC output, so DVC does not delete it before the rerun.")
    keep_checkpoints: bool = Field(False, description="Keep the checkpoints after a finished run.")
    curves_dir: Path = Field(Path("metrics/train-curves"), description="DVCLive's curves (loss, validation "
                             "ndcg@10 by step), for dvc plots.")
    report: Path = Field(Path("metrics/train.json"), description="Steps, best checkpoint, fusion chosen; what the "
                         "stage cost.")
    loss: Literal[LOSSES] = Field("MultipleNegativesRankingLoss", description="The loss; it must fit the "
                                  "dataset's format (docs/formats-and-losses.md).")
    mini_batch_size: PositiveInt = Field(16, description="CachedMultipleNegativesRankingLoss: texts per forward "
                                         "pass.")
    contrastive_threshold: float = Field(0.5, gt=0, lt=1, description="ContrastiveLoss on scored pairs: a score "
                                         "at or above it makes a similar pair.")
    contrastive_margin: PositiveFloat = Field(0.5, description="ContrastiveLoss: the cosine distance dissimilar "
                                              "pairs are pushed past.")
    matryoshka_dims: list[PositiveInt] = Field([384, 256, 128, 64], description="MatryoshkaLoss's dimensions; "
                                               "[]: the loss at full dimension only.")
    select_checkpoint_at: Literal["smallest", "full"] = Field("smallest", description="The dimension whose "
                                                              "validation score selects the checkpoint: the "
                                                              "smallest Matryoshka dimension or the full one.")
    epochs: PositiveFloat = Field(8, description="The most passes over the training split (see min_steps).")
    min_steps: PositiveInt | None = Field(None, description="Training stops after the first pass that completes "
                                          "this many optimizer steps (rows / batch_size a pass), within epochs. "
                                          "40 on NVIDIA's 10-K (482 pairs, 2 passes instead of 8) trained in a "
                                          "quarter of the time and cost the tuned model 0.016 ndcg@10 at 384, "
                                          "beyond the seeds' spread. null: always `epochs` passes.")
    batch_size: PositiveInt = Field(16, description="The global batch: its other rows are each question's "
                                    "in-batch negatives.")
    batches: Literal["random", "one_document"] = Field("one_document", description="How the in-batch-negative "
                                                       "losses' batches are drawn. one_document: each batch from one "
                                                       "document's chunks, so the negatives are the same filing's "
                                                       "other passages (+0.021 ndcg@10 at 384 on four 10-Ks, beyond "
                                                       "the seeds' spread); random where the rows have no document "
                                                       "(labelled data), the loss has no in-batch negatives, or in "
                                                       "several processes. random: no two rows sharing a text.")
    bm25_first_kept: float = Field(1.0, ge=0, le=1, description="The share of training pairs whose chunk BM25 "
                                   "already ranks first for the question that training keeps (a seeded sample; "
                                   "pairs and triplets only): the hybrid answers those with BM25 alone, so the steps "
                                   "go to the pairs keyword search misses. 1: every pair. 0.25 on four 10-Ks cost "
                                   "0.012 ndcg@10 at 384, beyond the seeds' spread.")
    max_question_overlap: float = Field(1.0, ge=0, le=1, description="Training pairs whose question has more "
                                        "than this share of its content words in its chunk are left out (pairs and "
                                        "triplets): questions that copy their passage teach word matching, which "
                                        "BM25 does. 1: every pair. 0.99 on four 10-Ks (the 21% of questions made "
                                        "of their chunk's words out) changed nothing beyond the seeds' spread.")
    bm25_residual: float = Field(0.0, ge=0, description="Train for the hybrid: BM25's score of each in-batch "
                                 "passage for the question, min-max normalised over the corpus as the fusion does, "
                                 "times this, is added to MultipleNegativesRankingLoss's logit (scale 20), so the "
                                 "loss asks of the dense model what BM25 does not already rank "
                                 "(embedtune.training.bm25_residual). 8, which mirrors the fusion at dense weight "
                                 "0.6, cost the fine-tuned model 0.050 ndcg@10 at 384 on four 10-Ks and its hybrid "
                                 "0.016 (one seed, against seeds spread 0.023 and 0.011). 0: the plain loss. "
                                 "MultipleNegativesRankingLoss in one process only.")
    tsdae_sentences: NonNegativeInt = Field(0, description="Domain adaptation without an LLM: before the "
                                            "question pairs, TSDAE (a decoder rebuilds each of this many of the "
                                            "corpus's prose sentences from the encoding of the sentence with 60% "
                                            "of its words deleted; embedtune.training.tsdae) adapts the base "
                                            "model to the corpus's words. 0: off. On four 10-Ks all 6,435 "
                                            "sentences took 2.7x the pair training and cost the fine-tuned model "
                                            "0.025 ndcg@10 at 384 (two seeds, both behind). Pairs and triplets, one "
                                            "process.")
    attention_dropout: float | None = Field(0.0, ge=0, lt=1, description="Dropout on the attention weights "
                                            "while fine-tuning, set in the base model's config (the saved model's "
                                            "config keeps it); null: the model's own (0.1 for MiniLM, bge, mpnet). "
                                            "Above 0 sends attention down PyTorch's unfused path on a CPU: 0 "
                                            "trained NVIDIA's 10-K in 329 s instead of 433, the hybrid scoring "
                                            "the same over 5 seeds.")
    learning_rate: PositiveFloat = Field(5e-5, description="The peak learning rate.")
    warmup_ratio: float = Field(0.1, ge=0, lt=1, description="The share of steps warming up to it.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW's weight decay.")
    seed: int = Field(42, description="The training seed (data order, initialisation of new layers).")
    eval_strategy: Literal["epoch", "steps"] = Field("epoch", description="When to evaluate on validation; "
                                                     "checkpoints follow it.")
    eval_steps: PositiveInt | None = Field(None, description="With eval_strategy steps: every this many steps.")
    validation_max_chunks: PositiveInt | None = Field(1000, description="Chunks the validation retrieval "
                                                      "searches at each evaluation: every chunk a validation "
                                                      "question needs, and a seeded sample of the others up to "
                                                      "this many; null: the whole corpus. Keeps validation a small "
                                                      "share of training on a large corpus; its scores run higher "
                                                      "than on the whole corpus, and serve to compare checkpoints.")
    logging_steps: PositiveInt = Field(1, description="Log the loss every this many steps.")
    save_total_limit: PositiveInt = Field(2, description="Checkpoints kept during a run (the best among them).")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto", description="auto: bf16 on a GPU that has it (else fp16) and on a CPU with native bfloat16 "
        "(AVX512-BF16, AMX), else fp32. Mixed precision: the weights stay fp32.")
    nproc: PositiveInt = Field(1, description="Processes (DDP under torchrun): one per GPU, or CPU processes. "
                               "batch_size is the global batch, batch_size / nproc per process, in-batch "
                               "negatives gathered across processes.")

    def epochs_for(self, rows: int) -> float:
        """The passes a training split of `rows` rows gets."""
        if self.min_steps is None:
            return self.epochs
        return min(self.epochs, math.ceil(self.min_steps / math.ceil(rows / self.batch_size)))

    @field_validator("matryoshka_dims")
    @classmethod
    def _largest_first(cls, dims: list[int]) -> list[int]:
        return sorted(set(dims), reverse=True)

    @model_validator(mode="after")
    def _steps_need_a_number(self):
        if self.eval_strategy == "steps" and self.eval_steps is None:
            raise ValueError("eval_strategy 'steps' needs eval_steps")
        return self

    @model_validator(mode="after")
    def _bm25_residual_needs_the_ranking_loss(self):
        if self.bm25_residual and (self.loss != "MultipleNegativesRankingLoss" or self.nproc > 1):
            raise ValueError("bm25_residual adds BM25 to MultipleNegativesRankingLoss's logits in one process: "
                             "set loss to it and nproc to 1, or bm25_residual to 0")
        return self

    @model_validator(mode="after")
    def _tsdae_in_one_process(self):
        if self.tsdae_sentences and self.nproc > 1:
            raise ValueError("tsdae_sentences adapts the model in one process before the pair training: set nproc "
                             "to 1, or tsdae_sentences to 0")
        return self

    @model_validator(mode="after")
    def _batch_splits_over_processes(self):
        if self.batch_size % self.nproc:
            raise ValueError(f"batch_size {self.batch_size} does not split over nproc {self.nproc} processes")
        return self
