"""Stage `dataset`: (question, chunk) pairs into a Hugging Face DatasetDict, split by chunk.

data/dataset/ holds the train, validation and test splits (anchor = question, positive = chunk
text, chunk_id) and the corpus of all chunks (chunk_id, text): retrieval at evaluation runs over
the whole corpus, as in the original recipe.
"""

from datasets import Dataset, DatasetDict

from embedtune.dataset.pairs import generated_pairs, labelled_pairs
from embedtune.dataset.params import DatasetParams
from embedtune.dataset.split import split_by_chunk
from embedtune.errors import StageError
from embedtune.jsonl import write_json
from embedtune.params import load_params
from embedtune.stages import run


def main() -> None:
    params = load_params("dataset", DatasetParams)
    if params.pairs_file:
        pairs, corpus = labelled_pairs(params.pairs_file, params.question_column, params.context_column)
    else:
        pairs, corpus = generated_pairs(params.questions, params.chunks)
    splits = split_by_chunk(pairs, params.test_size, params.validation_size, params.seed)
    for name, size in (("test", params.test_size), ("validation", params.validation_size)):
        if size and not splits[name]:
            raise StageError(
                f"dataset: the {name} split is empty: {len({p['chunk_id'] for p in pairs})} chunks with questions "
                f"are too few for dataset.{name}_size = {size}; raise it or add documents"
            )
    if not splits["train"]:
        raise StageError("dataset: the train split is empty; lower dataset.test_size and dataset.validation_size")

    # A split left empty (validation_size: 0) is not saved: datasets cannot load an empty one back.
    dataset = DatasetDict({name: Dataset.from_list(rows) for name, rows in splits.items() if rows})
    dataset["corpus"] = Dataset.from_list(corpus)
    dataset.save_to_disk(str(params.output_dir))
    counts = {name: len(rows) for name, rows in splits.items()}
    write_json(params.report, {
        **{f"{name}_pairs": count for name, count in counts.items()},
        **{f"{name}_chunks": len({p["chunk_id"] for p in rows}) for name, rows in splits.items()},
        "corpus": len(corpus),
        "source": str(params.pairs_file) if params.pairs_file else "generated",
    })
    print(f"dataset: {counts['train']} train, {counts['validation']} validation, {counts['test']} test pairs; "
          f"corpus of {len(corpus)} chunks")


if __name__ == "__main__":
    run(main)
