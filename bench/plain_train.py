"""The reference for bench/train.py: the fine-tune as a plain sentence-transformers script, the way
the library's training examples and the NVIDIA recipe write it, with the train stage's settings.

Run: python bench/plain_train.py DATASET_DIR OUTPUT_DIR EPOCHS BATCH_SIZE (prints a JSON line)
"""

import json
import sys

from datasets import load_from_disk
from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
from sentence_transformers.base.sampler import BatchSamplers
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator, SequentialEvaluator
from sentence_transformers.sentence_transformer.losses import MatryoshkaLoss, MultipleNegativesRankingLoss

from embedtune.common.models import resolve_model

dataset_dir, output_dir, epochs, batch_size = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
dims = [384, 256, 128, 64]
dataset = load_from_disk(dataset_dir)
model = SentenceTransformer(resolve_model("sentence-transformers/all-MiniLM-L6-v2"), device="cpu")

corpus = dict(zip(dataset["corpus"]["chunk_id"], dataset["corpus"]["text"], strict=True))
queries = {str(i): question for i, question in enumerate(dataset["validation"]["anchor"])}
relevant = {str(i): {chunk_id} for i, chunk_id in enumerate(dataset["validation"]["chunk_id"])}
evaluator = SequentialEvaluator([
    InformationRetrievalEvaluator(queries, corpus, relevant, truncate_dim=dim, name=f"dim_{dim}")
    for dim in dims
])

loss = MatryoshkaLoss(model, MultipleNegativesRankingLoss(model), matryoshka_dims=dims)
args = SentenceTransformerTrainingArguments(
    output_dir=output_dir,
    num_train_epochs=epochs,
    per_device_train_batch_size=batch_size,
    learning_rate=5e-5,
    warmup_steps=0.1,
    seed=42,
    data_seed=42,
    batch_sampler=BatchSamplers.NO_DUPLICATES,
    eval_strategy="epoch",
    save_strategy="epoch",
    save_total_limit=2,
    load_best_model_at_end=True,
    metric_for_best_model=f"eval_dim_{dims[-1]}_cosine_ndcg@10",
    logging_steps=1,
    report_to="none",
    dataloader_pin_memory=False,
)
trainer = SentenceTransformerTrainer(
    model=model,
    args=args,
    train_dataset=dataset["train"].select_columns(["anchor", "positive"]),
    loss=loss,
    evaluator=evaluator,
)
result = trainer.train()
model.save(f"{output_dir}/final")
print(json.dumps({"samples_per_second": result.metrics["train_samples_per_second"],
                  "steps": trainer.state.global_step}))
