"""Which process this is in a distributed (Lightning DDP) training job."""

from __future__ import annotations


def global_rank() -> int:
    """This process's global rank once a process group is up (DDP), else 0.

    Lightning's ``trainer=ddp`` starts one process per device; every process fits the
    same transforms and, through the averaged gradients, the same weights, and only
    rank 0 writes the model.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return 0
