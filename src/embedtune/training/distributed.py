"""Training in several processes (DDP): with train.nproc > 1 the train stage checks its params
and data once, then hands itself to torchrun (torch.distributed.run), which starts nproc copies
that train together: gloo on CPUs, nccl on GPUs. Process 0 alone writes the model, curves and
report, so the outputs have the same shape as a single-process run."""

import os
import sys

import torch


def is_worker() -> bool:
    return "LOCAL_RANK" in os.environ


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def ddp_arguments(nproc: int) -> dict:
    """Training arguments for nproc processes (none for one)."""
    if nproc == 1:
        return {}
    on_gpu = torch.cuda.is_available()
    return {
        "ddp_backend": "nccl" if on_gpu else "gloo",
        # Without use_cpu, accelerate does not see CPU processes as distributed: each would train
        # alone on the whole data, with no gradient exchange and no shared evaluation result.
        "use_cpu": not on_gpu,
        # Every process must take the same number of steps, or one waits forever for the others.
        "dataloader_drop_last": True,
    }


def relaunch_under_torchrun(nproc: int) -> None:
    """Replace this process with torchrun running the stage in nproc processes; its exit status
    is the stage's, as DVC sees it."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "torch.distributed.run", "--standalone",
                              f"--nproc_per_node={nproc}", "-m", "embedtune.stages.train"])
