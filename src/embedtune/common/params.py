"""params.yaml: one section per stage, validated by the stage's schema before any work, the bad key named."""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from embedtune.common.errors import StageError

PARAMS_FILE = Path("params.yaml")
# Every section a stage reads: a misspelt one (`trian:`) would otherwise be silently ignored.
SECTIONS = ("paths", "extract", "chunk", "generate", "dataset", "model", "evaluate", "train", "export")


class ParamsError(StageError, ValueError):
    pass


class Section(BaseModel):
    """A section of params.yaml: unknown keys are errors, values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


S = TypeVar("S", bound=Section)


def load_params(section: str, schema: type[S], path: Path = PARAMS_FILE) -> S:
    """The `section` of params.yaml, validated against `schema`; a ParamsError names the offending key."""
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path} not found: run stages from the repository root")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected sections ({', '.join(SECTIONS)}), found {type(data).__name__}")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ParamsError(f"{path}: unknown section {', '.join(map(repr, unknown))}; the sections are "
                          f"{', '.join(SECTIONS)}")
    try:
        return schema.model_validate(data.get(section) or {})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join([section, *map(str, e['loc'])])}: {e['msg']}" for e in error.errors()
        )
        raise ParamsError(f"{path}: {problems}") from None
