"""The fine-tuned model as ONNX, for serving without PyTorch (onnxruntime and tokenizers only)."""
