"""Stage `dataset`: training data into a Hugging Face DatasetDict, split by group.

From the generated questions: (question, chunk) pairs. data/dataset/ holds the train, validation
and test splits (anchor = question, positive = chunk text, chunk_id) and the corpus of all chunks
(chunk_id, text): retrieval at evaluation runs over the whole corpus, as in the original recipe.

From a user's labelled file (dataset.labelled_file), any format of embedtune.dataset.formats:
pairs and triplets as above (the corpus is every distinct passage), scored pairs (sentence1,
sentence2, score), labelled texts (text, label, label_name).

With dataset.hard_negatives.count > 0, each training question of a pairs dataset gets that many
mined negatives (embedtune.dataset.negatives): the train split becomes triplets.
"""

import time

from datasets import Dataset, DatasetDict

from embedtune.common.errors import StageError
from embedtune.common.jsonl import write_json
from embedtune.common.models import ModelParams, load_encoder
from embedtune.common.params import ParamsError, load_params
from embedtune.common.paths import load_paths
from embedtune.common.runtime import runtime
from embedtune.dataset.formats import FORMATS
from embedtune.dataset.labelled import labelled_rows
from embedtune.dataset.negatives import add_hard_negatives
from embedtune.dataset.pairs import generated_pairs
from embedtune.dataset.params import DatasetParams
from embedtune.dataset.split import GROUP_OF, split_by_group
from embedtune.evaluation.params import EvaluateParams
from embedtune.stages import run


def with_hard_negatives(splits: dict, corpus: list[dict], format: str, params: DatasetParams) -> tuple[list, dict]:
    if format != "pairs":
        raise ParamsError(f"dataset.hard_negatives: mining needs (question, passage) pairs, not {format}")
    model = load_params("model", ModelParams)
    held_out = {row["chunk_id"] for name in ("validation", "test") for row in splits[name]}
    started = time.perf_counter()
    rows, random_ones = add_hard_negatives(splits["train"], corpus, held_out, load_encoder(model.base_model),
                                           params.hard_negatives, model.query_prompt, model.document_prompt)
    print(f"dataset: {len(rows)} hard negatives mined with {model.base_model} for {len(splits['train'])} training "
          f"questions in {time.perf_counter() - started:.0f} s ({random_ones} had none outside the margin and got a "
          "random passage)")
    return rows, {"train_questions": len(splits["train"]), "hard_negatives_random": random_ones}


def main() -> None:
    params = load_params("dataset", DatasetParams)
    paths = load_paths()
    columns = params.columns.model_dump()
    read_as = {}  # the labelled file's encoding and separator
    if params.labelled_file:
        format, rows, corpus, read_as = labelled_rows(params.labelled_file, params.format, columns)
        how = "as given" if params.format != "auto" else "detected from its columns"
        print(f"dataset: {params.labelled_file} read as {format} ({how}: "
              f"{', '.join(f'{role}={columns[role]!r}' for role in FORMATS[format])})")
    elif params.format in ("auto", "pairs"):
        format = "pairs"
        rows, corpus = generated_pairs(paths.questions, paths.chunks)
    else:
        raise ParamsError(f"dataset.format: generated questions make pairs, not {params.format}; "
                          "set dataset.labelled_file for other formats")
    # Enough validation rows to choose the hybrid fusion on, where the split can spare them.
    floor = load_params("evaluate", EvaluateParams).hybrid.min_validation_questions if params.validation_size else 0
    splits = split_by_group(rows, GROUP_OF[format], params.test_size, params.validation_size, params.seed, floor)
    groups = {name: len({GROUP_OF[format](row) for row in split}) for name, split in splits.items()}
    for name, size in (("test", params.test_size), ("validation", params.validation_size)):
        if size and not splits[name]:
            raise StageError(
                f"dataset: the {name} split is empty: {len({GROUP_OF[format](r) for r in rows})} groups of rows "
                f"are too few for dataset.{name}_size = {size}; raise it or add data"
            )
    if not splits["train"]:
        raise StageError("dataset: the train split is empty; lower dataset.test_size and dataset.validation_size")

    mined = {}
    if params.hard_negatives.count:
        splits["train"], mined = with_hard_negatives(splits, corpus, format, params)
        format = "triplets"

    # A split left empty (validation_size: 0) is not saved: datasets cannot load an empty one back.
    dataset = DatasetDict({name: Dataset.from_list(split) for name, split in splits.items() if split})
    if corpus:
        dataset["corpus"] = Dataset.from_list(corpus)
    dataset.save_to_disk(str(paths.dataset))
    counts = {name: len(split) for name, split in splits.items()}
    write_json(params.report, {
        "format": format,
        **{f"{name}_rows": count for name, count in counts.items()},
        **{f"{name}_groups": count for name, count in groups.items()},
        "corpus": len(corpus),
        "source": str(params.labelled_file) if params.labelled_file else "generated",
        **({"read_as": read_as} if read_as else {}),
        **mined,
        "runtime": runtime(),
    })
    print(f"dataset: {format}, {counts['train']} train, {counts['validation']} validation, {counts['test']} test rows"
          + (f"; corpus of {len(corpus)} passages" if corpus else ""))


if __name__ == "__main__":
    run(main)
