"""Every section of params.yaml and the schema that validates it, in the file's order."""

from embedtune.chunking.params import ChunkParams
from embedtune.common.models import ModelParams
from embedtune.common.paths import Paths
from embedtune.dataset.params import DatasetParams
from embedtune.evaluation.params import EvaluateParams
from embedtune.export.params import ExportParams
from embedtune.extraction.params import ExtractParams
from embedtune.generation.params import GenerateParams
from embedtune.training.params import TrainParams

SCHEMAS = {
    "paths": Paths,
    "extract": ExtractParams,
    "chunk": ChunkParams,
    "generate": GenerateParams,
    "dataset": DatasetParams,
    "model": ModelParams,
    "evaluate": EvaluateParams,
    "train": TrainParams,
    "export": ExportParams,
}
