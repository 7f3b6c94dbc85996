"""Retrieval metrics: the single-encode evaluator against sentence-transformers' own, and the stage."""

import json

import numpy as np
import pytest
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

from conftest import run_stage, write_params
from embedtune.common.models import load_encoder
from embedtune.evaluation.retrieval import retrieval_metrics

DIMS = [384, 256, 128, 64]


@pytest.fixture(scope="module")
def retrieval_set(chunked_default):
    """The default corpus's chunks; each of 30 queries is a sentence of a chunk, and every fifth
    query also counts the next chunk as relevant (more than one right answer)."""
    chunks = [json.loads(line) for line in (chunked_default / "data" / "chunks.jsonl").read_text().splitlines()]
    queries, relevant = [], []
    for i, chunk in enumerate(chunks[:30]):
        queries.append(chunk["text"].replace("\n", " ").split(". ")[0][:120])
        relevant.append({chunk["chunk_id"], chunks[i + 1]["chunk_id"]} if i % 5 == 0 else {chunk["chunk_id"]})
    return queries, {c["chunk_id"]: c["text"] for c in chunks}, relevant


def test_single_encoding_matches_information_retrieval_evaluator_at_every_dimension(retrieval_set):
    queries, corpus, relevant = retrieval_set
    model = load_encoder("sentence-transformers/all-MiniLM-L6-v2")
    ours = retrieval_metrics(model.encode(queries), model.encode(list(corpus.values())), list(corpus), relevant, DIMS)
    for dim in DIMS:
        evaluator = InformationRetrievalEvaluator(
            {str(i): q for i, q in enumerate(queries)}, corpus, {str(i): r for i, r in enumerate(relevant)},
            truncate_dim=dim, accuracy_at_k=[1, 5, 10], precision_recall_at_k=[1, 5, 10], write_csv=False, name="p",
        )
        theirs = {key.split("_cosine_")[1]: value for key, value in evaluator(model).items() if "_cosine_" in key}
        for metric in ("ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10", "map@100"):
            assert ours[dim][metric] == pytest.approx(theirs[metric], abs=1e-6), (dim, metric)
    assert ours[384]["ndcg@10"] > 0.5  # a real model finds its own sentences


def test_metrics_of_known_rankings():
    # Two queries, three documents on a line: query 0 is nearest a, query 1 nearest c.
    corpus = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    queries = np.array([[1.0, 0.1], [0.1, 1.0]])
    metrics = retrieval_metrics(queries, corpus, ["a", "b", "c"], [{"a"}, {"b"}], [2])[2]
    assert metrics["mrr@10"] == pytest.approx((1 + 1 / 2) / 2)
    assert metrics["recall@1"] == pytest.approx(0.5)
    assert metrics["ndcg@10"] == pytest.approx((1 + 1 / np.log2(3)) / 2)


def test_base_model_stage_reports_every_dimension_and_bm25(tmp_path, chunked_default):
    ws = tmp_path
    (ws / "data").mkdir()
    chunks = [json.loads(line) for line in (chunked_default / "data" / "chunks.jsonl").read_text().splitlines()]
    (ws / "data" / "chunks.jsonl").write_text("".join(json.dumps(c) + "\n" for c in chunks))
    rows = [{"question": f"Which passage begins: {c['text'][:60]}?", "chunk_id": c["chunk_id"]} for c in chunks[:40]]
    (ws / "data" / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    write_params(ws)
    run_stage("dataset", ws)
    result = run_stage("evaluate", ws)
    report = json.loads((ws / "metrics" / "baseline.json").read_text())
    assert set(report["dims"]) == {"384", "256", "128", "64"}
    assert report["ndcg@10"] == report["dims"]["384"]["ndcg@10"] > 0.5
    assert 0 < report["bm25"]["ndcg@10"] <= 1 and report["queries"] == 8
    assert "bm25" in result.stdout

    write_params(ws, model={"base_model": "no-such-org/no-such-model"})
    failed = run_stage("evaluate", ws, check=False)
    assert failed.returncode != 0 and "'no-such-org/no-such-model' is not available offline" in failed.stderr

    write_params(ws, evaluate={"dims": [512, 64]})
    failed = run_stage("evaluate", ws, check=False)
    assert failed.returncode != 0 and "evaluate.dims: [512] exceed the 384 dimensions" in failed.stderr


def test_triplet_accuracy_and_spearman_match_sentence_transformers_evaluators():
    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator, TripletEvaluator

    from embedtune.evaluation.tasks import SimilarityTask, TripletTask
    from format_samples import rows

    model = load_encoder("sentence-transformers/all-MiniLM-L6-v2")
    triplets, scored = rows("triplets"), rows("scored_pairs")
    # Harder negatives than the file's: the next robot's sentence, its figures, under this robot's name,
    # so about half are missed. (Renaming this robot's own sentence made one negative its positive for
    # the first robot, a tie that float noise broke one way for us and the other for theirs on AVX-512;
    # the nearest call here is 9e-5 apart in cosine.)
    robots, contexts = list(triplets["question"].str.split().str[4]), list(triplets["context"])
    negatives = [contexts[(i + 1) % len(contexts)].replace(robots[(i + 1) % len(robots)], robot)
                 for i, robot in enumerate(robots)]
    triplet = TripletTask(list(triplets["question"]), contexts, negatives)
    similarity = SimilarityTask(list(scored["sentence1"]), list(scored["sentence2"]), list(scored["score"]))
    ours_triplet, ours_similarity = triplet.measure(model, DIMS, progress=False), similarity.measure(model, DIMS,
                                                                                                      progress=False)
    for dim in DIMS:
        theirs = TripletEvaluator(triplet.anchors, triplet.positives, triplet.negatives, truncate_dim=dim,
                                  name="t", write_csv=False)(model)
        assert ours_triplet[dim]["accuracy"] == pytest.approx(theirs["t_cosine_accuracy"], abs=1e-6)
        theirs = EmbeddingSimilarityEvaluator(similarity.sentences1, similarity.sentences2, similarity.scores,
                                              truncate_dim=dim, name="s", write_csv=False)(model)
        assert ours_similarity[dim]["spearman_cosine"] == pytest.approx(theirs["s_spearman_cosine"], abs=1e-6)
        assert ours_similarity[dim]["pearson_cosine"] == pytest.approx(theirs["s_pearson_cosine"], abs=1e-6)
    assert 0 < ours_triplet[64]["accuracy"] < 1 or 0 < ours_triplet[384]["accuracy"] < 1
