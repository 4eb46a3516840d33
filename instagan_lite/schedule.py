"""CycleGAN's learning-rate schedule: constant, then linear decay."""

from __future__ import annotations

import torch
from torch.optim.lr_scheduler import LambdaLR

__all__ = ["linear_decay_factor", "linear_decay_scheduler"]


def linear_decay_factor(epoch: int, n_constant: int, n_decay: int) -> float:
    """The multiplier of the base learning rate after ``epoch`` completed epochs (0-based).

    1 for the first ``n_constant`` epochs, then 1 − (epoch + 1 − n_constant) / (n_decay + 1): linear
    towards 1/(n_decay + 1) of the base at the last epoch (the authors' ``'lambda'`` policy with
    epoch_count = 1; it never reaches exactly 0).
    """
    if n_constant < 0 or n_decay < 0:
        raise ValueError("n_constant and n_decay must be >= 0")
    return 1.0 - max(0, epoch + 1 - n_constant) / float(n_decay + 1)


def linear_decay_scheduler(optimizer: torch.optim.Optimizer, n_constant: int, n_decay: int) -> LambdaLR:
    """A ``LambdaLR`` applying :func:`linear_decay_factor`; call ``.step()`` once per epoch."""
    return LambdaLR(optimizer, lambda epoch: linear_decay_factor(epoch, n_constant, n_decay))
