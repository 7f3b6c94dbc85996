"""Retrieval evaluation: dense, BM25 and hybrid scores, the questions file, the validation evaluator."""
