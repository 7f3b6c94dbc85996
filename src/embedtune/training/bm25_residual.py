"""Training the dense model for the hybrid it ships in (train.bm25_residual).

What users get is BM25 fused with the dense model: a convex sum of the two scores, each min-max
normalised over the corpus per query. MultipleNegativesRankingLoss trains the dense score alone,
so its gradient goes as much to the pairs BM25 already ranks right as to any, and nothing tells it
which in-batch passages BM25 wrongly prefers. Here each logit is scale * cosine + weight * BM25's
score of that passage for that question, normalised as the fusion normalises it: where BM25
already puts the passage above the batch's others the loss is small, and where BM25 prefers
another passage the dense model has to outweigh it. It learns the residual the hybrid needs, as
CLEAR (Gao et al. 2021, "Complement Lexical Retrieval Model with Semantic Residual Embeddings")
does with a margin. A weight of 8 mirrors the shipped fusion: at dense weight 0.6, with a query's
cosines spread about 0.6 over the corpus, BM25's whole range is worth 20 * 0.6 * 0.4 / 0.6 = 8
logits at the loss's scale of 20.

The loss sees token ids, not texts: each training text is found again by the ids the trainer's
collator makes of it (the same preprocessing, the same prompt).
"""

import torch
import torch.nn.functional as F
from sentence_transformers.base.losses.merged_forward import embed_columns
from sentence_transformers.util import cos_sim
from torch import nn

from embedtune.evaluation.bm25 import Bm25Index
from embedtune.evaluation.hybrid import min_max

SCALE = 20.0  # MultipleNegativesRankingLoss's default, so that a weight of 0 is that loss


def token_keys(model, texts: list[str], prompt: str | None) -> list[tuple[int, ...]]:
    """Each text's token ids as the trainer's collator makes them, padding left out."""
    return [key for start in range(0, len(texts), 256)
            for key in _batch_keys(model.preprocess(texts[start:start + 256], prompt=prompt or None))]


class Bm25Scores:
    """BM25's normalised score of each corpus passage for each training question, looked up by token ids."""

    def __init__(self, model, questions: list[str], corpus: list[str], query_prompt: str, document_prompt: str):
        self.index = Bm25Index.build(corpus)
        self.question_of = dict(zip(token_keys(model, questions, query_prompt), questions, strict=True))
        self.passage_of = {key: position for position, key in enumerate(token_keys(model, corpus, document_prompt))}
        self._last: tuple = (None, None)  # MatryoshkaLoss asks once per dimension for the same batch

    def __call__(self, question_features: dict, passage_features: list[dict]) -> torch.Tensor:
        """Questions x passages (the columns' passages one after another), each row min-max normalised
        over the whole corpus as the hybrid fusion does."""
        batch = (tuple(_batch_keys(question_features)),
                 tuple(key for features in passage_features for key in _batch_keys(features)))
        if batch != self._last[0]:
            questions = [self.question_of[key] for key in batch[0]]
            passages = [self.passage_of[key] for key in batch[1]]
            self._last = (batch, torch.from_numpy(min_max(self.index.scores(questions))[:, passages]))
        return self._last[1]


def _batch_keys(features: dict) -> list[tuple[int, ...]]:
    return [tuple(ids[mask.bool()].tolist()) for ids, mask in zip(features["input_ids"], features["attention_mask"],
                                                                  strict=True)]


class Bm25ResidualLoss(nn.Module):
    """MultipleNegativesRankingLoss (questions against every passage of the batch) with BM25's
    normalised score, times `weight`, added to each logit."""

    def __init__(self, model, bm25: Bm25Scores, weight: float):
        super().__init__()
        self.model, self.bm25, self.weight = model, bm25, weight

    def forward(self, sentence_features, labels=None) -> torch.Tensor:
        features = list(sentence_features)
        embeddings = embed_columns(self.model, features)
        questions, passages = embeddings[0], torch.cat(embeddings[1:])
        keyword = self.bm25(features[0], features[1:]).to(questions.device)
        logits = SCALE * cos_sim(questions, passages) + self.weight * keyword
        return F.cross_entropy(logits, torch.arange(len(questions), device=questions.device))

    def get_config_dict(self) -> dict:
        return {"scale": SCALE, "bm25_weight": self.weight}
