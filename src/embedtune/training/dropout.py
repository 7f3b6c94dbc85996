"""train.attention_dropout: the dropout on attention weights while fine-tuning, set in the base model's config."""

from embedtune.common.models import load_encoder
from embedtune.common.params import ParamsError

# The config key each architecture reads it from: BERT, MPNet, RoBERTa, XLM-R; DistilBERT, ModernBERT.
KEYS = ("attention_probs_dropout_prob", "attention_dropout")


def attention_dropout_key(config) -> str:
    for key in KEYS:
        if hasattr(config, key):
            return key
    raise ParamsError(f"train.attention_dropout: the {config.model_type} config names its attention dropout none "
                      f"of {', '.join(KEYS)}; set train.attention_dropout to null to keep the model's own")


def encoder_for_training(base_model: str, dropout: float | None):
    """The base model with this attention dropout (None: the model's own)."""
    if dropout is None:
        return load_encoder(base_model)
    # A config takes the keys it has and drops the others: one load whatever the architecture.
    model = load_encoder(base_model, dict.fromkeys(KEYS, dropout))
    attention_dropout_key(model[0].auto_model.config)
    return model
