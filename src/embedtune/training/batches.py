"""Batches of one document (train.batches: one_document): each question's in-batch negatives come
from the filing its passage is in.

At test time a question is answered by ranking the chunks of the user's own filings, where the
wrong chunks are the same company's other passages; with random batches over several filings most
in-batch negatives come from other documents, told apart by the company alone. Here each batch
holds questions on one document's chunks, no two rows sharing a text (a passage in the batch
twice would be its own negative, as NO_DUPLICATES prevents for random batches); a document's rows
that do not fill a batch are batched with the other documents' leftovers. The batch order is
shuffled, seeded by train.seed and the epoch. Where the rows have no document (labelled data), the
loss draws no in-batch negatives, or training runs in several processes, batches are random.
"""

from functools import partial
from pathlib import Path

import torch
from sentence_transformers.base.sampler import DefaultBatchSampler

from embedtune.common.jsonl import read_jsonl
from embedtune.training.losses import IN_BATCH_NEGATIVES
from embedtune.training.params import TrainParams


class OneDocumentBatchSampler(DefaultBatchSampler):
    def __init__(self, dataset, batch_size: int, drop_last: bool, documents: list[str],
                 valid_label_columns: list[str] | None = None, generator: torch.Generator | None = None,
                 seed: int = 0):
        super().__init__(dataset, batch_size=batch_size, drop_last=drop_last, valid_label_columns=valid_label_columns,
                         generator=generator, seed=seed)
        if len(documents) != len(dataset):
            raise ValueError(f"{len(documents)} documents for {len(dataset)} rows")
        self.documents = documents
        columns = [dataset[name] for name in dataset.column_names if name not in (valid_label_columns or [])]
        self.texts = [set(values) for values in zip(*columns, strict=True)]
        self._batches: dict[int, list[list[int]]] = {}  # by epoch: the trainer asks for len() more than once

    def batches(self) -> list[list[int]]:
        """This epoch's batches, in the order they are trained on."""
        if self.epoch not in self._batches:
            self._batches[self.epoch] = self._drawn()
        return self._batches[self.epoch]

    def _drawn(self) -> list[list[int]]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        rows_of: dict[str, list[int]] = {}
        for row, document in enumerate(self.documents):
            rows_of.setdefault(document, []).append(row)
        full, leftovers = [], []
        for document in sorted(rows_of):
            rows = rows_of[document]
            shuffled = [rows[i] for i in torch.randperm(len(rows), generator=generator).tolist()]
            for batch in self._packed(shuffled):
                if len(batch) == self.batch_size:
                    full.append(batch)
                else:
                    leftovers.extend(batch)
        mixed = self._packed(leftovers)
        batches = full + [batch for batch in mixed if len(batch) == self.batch_size or not self.drop_last]
        return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]

    def _packed(self, rows: list[int]) -> list[list[int]]:
        """Consecutive batches of up to batch_size rows; a row sharing a text with the batch waits for the next."""
        batches = []
        while rows:
            batch, texts, waiting = [], set(), []
            for row in rows:
                if len(batch) < self.batch_size and texts.isdisjoint(self.texts[row]):
                    batch.append(row)
                    texts |= self.texts[row]
                else:
                    waiting.append(row)
            batches.append(batch)
            rows = waiting
        return batches

    def __iter__(self):
        yield from self.batches()

    def __len__(self) -> int:
        return len(self.batches())


def one_document_share(sampler: OneDocumentBatchSampler) -> float:
    """The share of an epoch's batches whose rows all come from one document."""
    batches = sampler.batches()
    return sum(len({sampler.documents[row] for row in batch}) == 1 for batch in batches) / max(len(batches), 1)


def one_document_refusal(split, chunks: Path, params: TrainParams) -> str | None:
    """Why this run cannot draw batches of one document (it gets random ones), or None."""
    if params.loss not in IN_BATCH_NEGATIVES:
        return f"{params.loss} uses no in-batch negatives"
    if params.nproc > 1:
        return "batches of one document are drawn in one process (train.nproc: 1)"
    if "chunk_id" not in split.column_names or not chunks.exists():
        return f"the rows have no chunk in {chunks} to give their document"
    known = {chunk["chunk_id"] for chunk in read_jsonl(chunks)}
    if not set(split["chunk_id"]) <= known:
        return f"the rows' passages are not chunks of {chunks} (labelled data)"
    return None


def one_document_batches(split, rows, chunks: Path, params: TrainParams):
    """(what the trainer calls for its batch sampler over `rows`, the training split's loss inputs;
    the share of the first epoch's batches from one document)."""
    document_of = {chunk["chunk_id"]: chunk["doc_id"] for chunk in read_jsonl(chunks)}
    documents = [document_of[chunk_id] for chunk_id in split["chunk_id"]]
    share = one_document_share(OneDocumentBatchSampler(rows, params.batch_size, drop_last=False, documents=documents,
                                                       seed=params.seed))
    return partial(OneDocumentBatchSampler, documents=documents), share
