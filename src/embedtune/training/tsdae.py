"""Domain adaptation without an LLM (train.tsdae_sentences): TSDAE before the question pairs.

TSDAE (Wang et al. 2021) damages a sentence (deletes most of its words), encodes the damaged
sentence into one vector, and trains a decoder, tied to the encoder's weights, to rebuild the
original sentence from that vector alone. The encoder learns what the corpus's own sentences are
about without a generator or a label; sentence-transformers' DenoisingAutoEncoderLoss does it.
Here it runs on a seeded sample of the corpus's prose sentences, then the pair training starts
from the adapted weights.
"""

import random
import re
import shutil
import time
from pathlib import Path

import torch
from datasets import Dataset
from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
from sentence_transformers.sentence_transformer.losses import DenoisingAutoEncoderLoss

# The TSDAE paper's settings: 60% of the words deleted, batch 8, learning rate 3e-5, one pass.
DELETION = 0.6
BATCH_SIZE = 8
LEARNING_RATE = 3e-5
MIN_WORDS = 6  # shorter scraps (headings, page furniture) teach no sentence to rebuild
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")


def corpus_sentences(texts: list[str], limit: int, seed: int) -> list[str]:
    """Up to `limit` distinct prose sentences of the corpus, a seeded sample in corpus order; table
    rows are left out (a damaged row of numbers has no words to rebuild)."""
    seen, sentences = set(), []
    for text in texts:
        for sentence in SENTENCE_END.split(" ".join(text.split())):
            if "|" not in sentence and len(sentence.split()) >= MIN_WORDS and sentence not in seen:
                seen.add(sentence)
                sentences.append(sentence)
    if len(sentences) <= limit:
        return sentences
    chosen = sorted(random.Random(seed).sample(range(len(sentences)), limit))
    return [sentences[i] for i in chosen]


def damaged(sentence: str, rng: random.Random) -> str:
    """The sentence with each word deleted at DELETION's rate, at least one word kept."""
    words = sentence.split()
    kept = [word for word in words if rng.random() >= DELETION]
    return " ".join(kept or [rng.choice(words)])


def adapt(model, sentences: list[str], seed: int, output_dir: Path, precision_flags: dict) -> dict:
    """Train `model` in place as TSDAE's encoder on `sentences`; what it did, for the stage's report."""
    rng = random.Random(seed)
    pairs = Dataset.from_dict({"damaged": [damaged(sentence, rng) for sentence in sentences],
                               "original": sentences})
    args = SentenceTransformerTrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=1,
        per_device_train_batch_size=BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        seed=seed,
        data_seed=seed,
        save_strategy="no",
        logging_steps=10,
        report_to="none",
        dataloader_pin_memory=torch.cuda.is_available(),
        **precision_flags,
    )
    loss = DenoisingAutoEncoderLoss(model, tie_encoder_decoder=True)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=pairs, loss=loss)
    started = time.perf_counter()
    result = trainer.train()
    shutil.rmtree(output_dir, ignore_errors=True)
    return {"sentences": len(sentences), "steps": trainer.state.global_step,
            "loss": round(result.training_loss, 4), "seconds": round(time.perf_counter() - started, 2)}
