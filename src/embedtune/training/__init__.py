"""Fine-tuning a sentence-transformers model on the dataset stage's (question, chunk) pairs."""
