"""The training losses that fit each dataset format, each wrappable in MatryoshkaLoss."""

from sentence_transformers.base.sampler import BatchSamplers
from sentence_transformers.sentence_transformer import losses

from embedtune.common.errors import StageError
from embedtune.dataset.formats import FORMATS
from embedtune.training.bm25_residual import Bm25ResidualLoss
from embedtune.training.params import TrainParams

FITTING_LOSSES = {
    "pairs": ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss"),
    # MNRL takes the negative as an extra hard negative beside the in-batch ones.
    "triplets": ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "TripletLoss"),
    "scored_pairs": ("CoSENTLoss", "CosineSimilarityLoss", "ContrastiveLoss"),
    "labelled_texts": ("BatchAllTripletLoss", "BatchHardTripletLoss"),
}
# Losses whose negatives are the other rows of the batch: a duplicate would be its own negative.
IN_BATCH_NEGATIVES = {"MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss"}
# Losses that mine triplets inside a batch: every batch needs several texts of several labels.
BATCH_TRIPLETS = {"BatchAllTripletLoss", "BatchHardTripletLoss"}


def check_loss_fits(loss: str, format: str) -> None:
    if loss not in FITTING_LOSSES[format]:
        raise StageError(f"train.loss: {loss} does not fit {format} data; use one of "
                         f"{', '.join(FITTING_LOSSES[format])}")


def batch_sampler(loss: str) -> BatchSamplers:
    if loss in IN_BATCH_NEGATIVES:
        return BatchSamplers.NO_DUPLICATES
    if loss in BATCH_TRIPLETS:
        return BatchSamplers.GROUP_BY_LABEL
    return BatchSamplers.BATCH_SAMPLER


def build_loss(model, params: TrainParams, guide=None, bm25=None):
    """params.loss inside MatryoshkaLoss when params.matryoshka_dims is set. `guide`: the frozen
    model GISTEmbedLoss consults to drop in-batch negatives that are really positives; `bm25`: the
    Bm25Scores train.bm25_residual adds to the ranking loss's logits. Across processes, the ranking
    losses take every process's batch as negatives."""
    gather = params.nproc > 1
    if params.bm25_residual:
        loss = Bm25ResidualLoss(model, bm25, params.bm25_residual)
    elif params.loss == "MultipleNegativesRankingLoss":
        loss = losses.MultipleNegativesRankingLoss(model, gather_across_devices=gather)
    elif params.loss == "CachedMultipleNegativesRankingLoss":
        # GradCache: the batch's negatives at the memory cost of mini_batch_size texts at a time.
        loss = losses.CachedMultipleNegativesRankingLoss(model, mini_batch_size=params.mini_batch_size,
                                                         gather_across_devices=gather)
    elif params.loss == "GISTEmbedLoss":
        loss = losses.GISTEmbedLoss(model, guide=guide)
    elif params.loss == "ContrastiveLoss":
        loss = losses.ContrastiveLoss(model, margin=params.contrastive_margin)
    else:
        loss = getattr(losses, params.loss)(model)
    if params.matryoshka_dims:
        loss = losses.MatryoshkaLoss(model, loss, matryoshka_dims=params.matryoshka_dims)
    return loss


def loss_inputs(split, format: str, params: TrainParams):
    """The split's columns the loss reads, in the order it reads them; ContrastiveLoss gets the
    scores as 0/1 labels at params.contrastive_threshold."""
    rows = split.select_columns(list(FORMATS[format]))
    if params.loss == "ContrastiveLoss":
        threshold = params.contrastive_threshold
        rows = rows.map(lambda row: {"label": int(row["score"] >= threshold)}, remove_columns=["score"])
    return rows
