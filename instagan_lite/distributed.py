"""Data-parallel training over several processes (GPUs or machines) launched by ``torchrun``.

    torchrun --standalone --nproc_per_node 2 -m instagan_lite train --minutes 10      # one node
    torchrun --nnodes 2 --nproc_per_node 4 --rdzv_backend c10d \\
        --rdzv_endpoint HOST:29500 -m instagan_lite train …                            # two nodes

Every process (rank) holds a full copy of the four networks and trains on its own share of each global
batch (``batch_size`` images per rank, so the global batch is ``batch_size × world_size``). After every
backward pass the gradients are averaged over the ranks with one ``all_reduce`` per network group, so
every rank takes the same optimizer step and the copies stay equal — what ``DistributedDataParallel``
does. Its wrapper is not used because one sequential step calls each generator three times before the
backward pass and freezes the discriminators during the generators' update, which its reducer does not
support; averaging the gradients explicitly is the same mathematics, and it lets a rank whose images
have no instance left at a step take part with zero gradients instead of hanging the others.

What differs from one process: each rank keeps its own image pools (their random swaps differ), and
means over a rank's batch are averaged over ranks (equal to the global batch's mean when every rank has
the same number of samples with instances at each step). Rank 0 alone writes the log, the samples and
the checkpoint; the checkpoint holds every rank's pools and random states, so a resume restores all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = ["Distributed", "init_distributed"]


@dataclass
class Distributed:
    """This process's place in a distributed run, and the collective operations the trainer needs."""

    rank: int
    world_size: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        """Rank 0 writes checkpoints, logs and samples."""
        return self.rank == 0

    def average_gradients(self, parameters: Iterable[torch.nn.Parameter]) -> None:
        """Replace every gradient by its mean over the ranks. A rank without a gradient for a parameter
        contributes zeros; a parameter no rank has a gradient for keeps none (the optimizer skips it, as
        in one process)."""
        params = [p for p in parameters if p.requires_grad]
        if not params:
            return
        grads = [(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params]
        present = torch.tensor([float(p.grad is not None) for p in params], device=grads[0].device)
        flat = torch.cat([*grads, present])
        dist.all_reduce(flat)
        flat[: -len(params)] /= self.world_size
        offset = 0
        for p, anywhere in zip(params, flat[-len(params) :].tolist()):
            n = p.numel()
            p.grad = flat[offset : offset + n].view_as(p).clone() if anywhere else None
            offset += n

    def any(self, flag: bool, device: torch.device | str = "cpu") -> bool:
        """True on every rank if ``flag`` is true on any rank."""
        value = torch.tensor([int(flag)], device=device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())

    def broadcast_object(self, obj: object) -> object:
        """Rank 0's ``obj`` on every rank."""
        holder = [obj]
        dist.broadcast_object_list(holder, src=0)
        return holder[0]

    def gather_objects(self, obj: object) -> list:
        """Every rank's ``obj``, in rank order, on every rank."""
        out: list = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out


def init_distributed(device: str = "auto") -> Distributed | None:
    """Join the process group ``torchrun`` set up (``WORLD_SIZE`` > 1), or return None for one process.

    CPU runs use the gloo backend and give each rank an equal share of the cores; CUDA runs use NCCL with
    one GPU per rank (``LOCAL_RANK``)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return None
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device in ("auto", "cuda") and torch.cuda.is_available()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo")
    if use_cuda:
        torch.cuda.set_device(local_rank)
    else:
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world_size)))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
    return Distributed(dist.get_rank(), world_size, local_rank)
