"""The training loss: in-batch negatives ranking, inside MatryoshkaLoss when dimensions are given."""

from sentence_transformers.sentence_transformer.losses import (
    CachedMultipleNegativesRankingLoss,
    MatryoshkaLoss,
    MultipleNegativesRankingLoss,
)

from embedtune.training.params import TrainParams


def build_loss(model, params: TrainParams):
    if params.loss == "CachedMultipleNegativesRankingLoss":
        # GradCache: the batch's negatives at the memory cost of mini_batch_size texts at a time.
        loss = CachedMultipleNegativesRankingLoss(model, mini_batch_size=params.mini_batch_size)
    else:
        loss = MultipleNegativesRankingLoss(model)
    if params.matryoshka_dims:
        loss = MatryoshkaLoss(model, loss, matryoshka_dims=params.matryoshka_dims)
    return loss
