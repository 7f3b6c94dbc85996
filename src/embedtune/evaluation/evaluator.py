"""A task of embedtune.evaluation.tasks in sentence-transformers' evaluator protocol, so that the
trainer selects checkpoints on the very numbers the evaluate stage reports."""

import time

from sentence_transformers.sentence_transformer.evaluation import SentenceEvaluator


class MatryoshkaEvaluator(SentenceEvaluator):
    """The task's headline metric at every dimension; the primary metric, which selects the
    checkpoint, is the one at `select_at`: by default the smallest dimension, where training helps
    most and a poor checkpoint shows first."""

    def __init__(self, task, dims: list[int], batch_size: int = 32, name: str = "validation",
                 select_at: int | None = None):
        super().__init__()
        self.task, self.dims, self.batch_size, self.name = task, sorted(dims, reverse=True), batch_size, name
        self.selected_dim = select_at or self.dims[-1]
        self.primary_metric = f"{name}_{task.headline}_{self.selected_dim}d"
        self.seconds, self.evaluations = 0.0, 0  # what validation cost the training run

    def __call__(self, model, output_path=None, epoch: int = -1, steps: int = -1) -> dict[str, float]:
        started = time.perf_counter()
        by_dim = self.task.measure(model, self.dims, self.batch_size, progress=False)
        self.seconds += time.perf_counter() - started
        self.evaluations += 1
        metrics = {f"{self.task.headline}_{dim}d": values[self.task.headline] for dim, values in by_dim.items()}
        metrics = self.prefix_name_to_metrics(metrics, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics
