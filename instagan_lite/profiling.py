"""Measure what autograd keeps for backward: the memory that grows with the number of instances."""

from __future__ import annotations

import torch
from torch import nn

from .losses import LossWeights
from .step import generator_terms

__all__ = ["saved_activation_mib"]


def saved_activation_mib(
    G: nn.Module,
    G_back: nn.Module,
    D: nn.Module,
    images: torch.Tensor,
    masks: torch.Tensor,
    weights: LossWeights | None = None,
) -> float:
    """MiB of tensors autograd saves for one direction's generator update on (images (B, 3, H, W), masks
    (B, K, H, W)) with every instance of ``masks`` in one step: the forward passes and losses of
    :func:`~instagan_lite.step.generator_terms` (translation, reconstruction, identity, D, L_ctx).

    Parameters are not counted (they are alive anyway); storages shared by several saved tensors count
    once. This is the part of training memory that sequential mini-batches keep flat.
    """
    weights = weights or LossWeights()
    params = {p.untyped_storage().data_ptr() for m in (G, G_back, D) for p in m.parameters()}
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params:
            storages[ptr] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        terms = generator_terms(G, G_back, D, images, masks, [], masks.shape[1], weights)
        loss = weights.total(terms.losses) if terms is not None else None
    del loss, terms
    return sum(storages.values()) / 2**20
