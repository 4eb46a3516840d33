"""Shared fixtures. Library tests run single-threaded-deterministic on CPU with a headless backend."""

from __future__ import annotations

import os

import matplotlib
import pytest
import torch

matplotlib.use("Agg")
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)  # workers share 2 cores; oversubscribed torch threads slow everything down


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def rect_masks(boxes_per_sample: list[list[tuple[int, int, int, int]]], k: int, size: int) -> torch.Tensor:
    """Masks (B, k, size, size) in [-1, 1] with one filled rectangle (y0, x0, y1, x1) per instance."""
    masks = -torch.ones(len(boxes_per_sample), k, size, size)
    for b, boxes in enumerate(boxes_per_sample):
        for i, (y0, x0, y1, x1) in enumerate(boxes):
            masks[b, i, y0:y1, x0:x1] = 1.0
    return masks
