"""The wiring cannot go stale: dvc.yaml lists exactly the code each stage runs (derived here from the
imports, so a stage cannot silently miss a rerun after a code change), and the values in params.yaml
are the schemas' defaults."""

import ast
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from conftest import REPO
from embedtune.common.records import Chunk, check_records
from embedtune.schemas import SCHEMAS, parameters_page

SRC = REPO / "src"
# What every stage uses, listed whole by each as one unit (extract, say, loads no model).
SHARED = "src/embedtune/common"


def module_file(name: str) -> Path | None:
    base = SRC / Path(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def imported_modules(path: Path) -> set[str]:
    """The embedtune modules `path` imports, at the top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from package import module`
    return {name for name in names if name.split(".")[0] == "embedtune" and module_file(name)}


def import_closure(module: str) -> set[Path]:
    """The files Python runs to import `module`: it, what it imports, and every package on the way."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for package in (".".join(parts[:i]) for i in range(1, len(parts) + 1)):
            path = module_file(package)
            if path not in seen:
                seen.add(path)
                todo.extend(imported_modules(path))
    return seen


def files_of(dep: str) -> set[Path]:
    path = REPO / dep
    return set(path.rglob("*.py")) if path.is_dir() else {path}


def stages() -> dict[str, dict]:
    pipeline = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
    return {name: stage.get("do", stage) for name, stage in pipeline.items()}


def code_deps(stage: dict) -> list[str]:
    return [dep for dep in stage["deps"] if dep.startswith("src/")]


def run_module(stage: dict) -> str:
    words = stage["cmd"].split()
    return words[words.index("-m") + 1]


@pytest.mark.parametrize("name", list(stages()))
def test_dvc_yaml_lists_exactly_the_code_each_stage_runs(name):
    stage = stages()[name]
    runs = import_closure(run_module(stage))
    listed = set().union(*(files_of(dep) for dep in code_deps(stage)))
    missing = sorted(str(path.relative_to(REPO)) for path in runs - listed)
    assert not missing, f"dvc.yaml stage {name} runs code it does not list in deps: {missing}"
    idle = {dep: sorted(str(path.relative_to(REPO)) for path in files_of(dep) - runs) for dep in code_deps(stage)
            if not files_of(dep) & runs or (dep != SHARED and files_of(dep) - runs)}
    assert not idle, f"dvc.yaml stage {name} lists code it never runs: {idle}"


def test_the_closure_follows_imports_inside_functions_and_packages():
    runs = import_closure("embedtune.stages.generate")
    assert SRC / "embedtune" / "__init__.py" in runs
    assert SRC / "embedtune" / "generation" / "round_trip.py" in runs
    assert SRC / "embedtune" / "stages" / "train.py" not in runs


def test_params_yaml_holds_the_schemas_defaults():
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    assert list(params) == list(SCHEMAS)
    for section, schema in SCHEMAS.items():
        assert params[section] == schema().model_dump(mode="json"), (
            f"params.yaml's {section} differs from the defaults of {schema.__module__}.{schema.__name__}")


def test_a_record_off_its_shape_is_refused():
    chunk = {"chunk_id": "ab", "doc_id": "cd", "file_name": "a.pdf", "title": "A", "position": 0, "kind": "text",
             "text": "x", "pages": [1], "section": "", "header": ""}
    assert check_records([chunk], Chunk) == 1
    for wrong in ({**chunk, "page": 1}, {key: value for key, value in chunk.items() if key != "pages"},
                  {**chunk, "kind": "figure"}, {**chunk, "position": "0"}):
        with pytest.raises(ValidationError):
            check_records([wrong], Chunk)


def test_the_parameters_page_is_generated_from_the_schemas():
    page = (REPO / "docs" / "parameters.md").read_text()
    assert page == parameters_page(), "docs/parameters.md is out of date: run python -m embedtune.schemas"
    keys = [line.split("`")[1] for line in page.splitlines() if line.startswith("| `")]
    assert "train.learning_rate" in keys and "generate.llamacpp.threads" in keys and len(keys) == len(set(keys))
