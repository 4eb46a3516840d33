"""What several test modules share: masks drawn from boxes, small batches, equality of models."""

from __future__ import annotations

import torch


def rect_masks(boxes_per_sample: list[list[tuple[int, int, int, int]]], k: int, size: int) -> torch.Tensor:
    """Masks (B, k, size, size) in [-1, 1] with one filled rectangle (y0, x0, y1, x1) per instance."""
    masks = -torch.ones(len(boxes_per_sample), k, size, size)
    for b, boxes in enumerate(boxes_per_sample):
        for i, (y0, x0, y1, x1) in enumerate(boxes):
            masks[b, i, y0:y1, x0:x1] = 1.0
    return masks


EIGHT_BOXES = [
    (0, 0, 8, 8),
    (0, 8, 7, 15),
    (0, 16, 6, 22),
    (0, 24, 5, 29),
    (16, 0, 20, 4),
    (16, 8, 19, 11),
    (16, 16, 18, 18),
    (24, 24, 25, 26),
]


def make_batch(n_instances: int, batch: int = 2, size: int = 32):
    images = torch.rand(batch, 3, size, size) * 2 - 1
    masks = rect_masks([EIGHT_BOXES[:n_instances]] * batch, max(n_instances, 1), size)
    return images, masks


def assert_same_parameters(a: torch.nn.Module, b: torch.nn.Module) -> None:
    """Every tensor of ``a``'s state dict equals ``b``'s, bit for bit."""
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(x, y), name
