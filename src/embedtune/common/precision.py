"""Whether this CPU does bfloat16 arithmetic natively (AVX512-BF16, AMX): where it does, generation
and training run their matrix products in bfloat16, several times faster than float32 there; where
it does not, the CPU emulates bfloat16 and float32 is the faster choice."""


def cpu_has_native_bfloat16() -> bool:
    import torch

    return torch.ops.mkldnn._is_mkldnn_bf16_supported()
