"""Measure what autograd keeps for backward: the memory that grows with the number of instances."""

from __future__ import annotations

import torch
from torch import nn

from .losses import context_preserving_loss, cycle_loss, generator_gan_loss

__all__ = ["saved_activation_mib"]


def saved_activation_mib(
    G: nn.Module, G_back: nn.Module, D: nn.Module, images: torch.Tensor, masks: torch.Tensor
) -> float:
    """MiB of tensors autograd saves for one generator update on (images, masks): the forward pass
    G -> G_back -> D and the losses of one direction, with every instance of ``masks`` in one step.

    Parameters are not counted (they are alive anyway); storages shared by several saved tensors count
    once. This is the part of training memory that sequential mini-batches keep flat.
    """
    params = {p.untyped_storage().data_ptr() for m in (G, G_back, D) for p in m.parameters()}
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params:
            storages[ptr] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y, b = G(images, masks)
        rec_y, rec_b = G_back(y, b)
        loss = generator_gan_loss(D(y, b)) + 10 * cycle_loss(
            torch.cat([rec_y, rec_b], 1), torch.cat([images, masks], 1)
        )
        loss = loss + 10 * context_preserving_loss(images, y, masks, b)
    del loss
    return sum(storages.values()) / 2**20
