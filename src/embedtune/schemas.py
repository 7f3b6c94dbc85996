"""Every section of params.yaml and the schema that validates it, in the file's order; and the
parameters page generated from them (python -m embedtune.schemas writes docs/parameters.md)."""

import inspect
import json
from pathlib import Path

from embedtune.chunking.params import ChunkParams
from embedtune.common.models import ModelParams
from embedtune.common.params import Section
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

PAGE = Path("docs/parameters.md")


def parameters_page() -> str:
    """docs/parameters.md: every key of params.yaml with its default and meaning, from the schemas."""
    lines = ["# Parameters", "",
             "Every key of `params.yaml`, its default and what it does. Generated from the schemas in `src/` "
             "(`python -m embedtune.schemas`); a test fails when this page is out of date, and another when "
             "`params.yaml` departs from these defaults.", ""]
    for name, schema in SCHEMAS.items():
        lines += _section(name, schema, level=2)
    return "\n".join(lines)


def _section(prefix: str, schema: type[Section], level: int) -> list[str]:
    lines = [f"{'#' * level} `{prefix}`", "", inspect.cleandoc(schema.__doc__), "", "| key | default | meaning |",
             "|---|---|---|"]
    nested = []
    for key, field in schema.model_fields.items():
        if isinstance(field.default, Section):
            nested.append((f"{prefix}.{key}", type(field.default)))
            continue
        if not field.description:
            raise ValueError(f"{schema.__module__}.{schema.__name__}.{key} has no description")
        default = field.default.as_posix() if isinstance(field.default, Path) else field.default
        default = default if isinstance(default, str) and default else json.dumps(default)
        lines.append(f"| `{prefix}.{key}` | `{default}` | {field.description} |")
    lines.append("")
    for name, section in nested:
        lines += _section(name, section, level + 1)
    return lines


def main() -> None:
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(parameters_page())
    print(f"written to {PAGE}")


if __name__ == "__main__":
    main()
