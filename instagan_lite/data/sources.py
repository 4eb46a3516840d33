"""Where a run's data comes from: the generated shapes benchmark or a folder in the authors' layout.

:class:`DataConfig` names the source and the sizes; :func:`build_datasets` makes the A and B datasets of a
phase; :func:`shapes_test_batch` stacks the benchmark's test images with their oracles for evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from .dataset import InstanceMaskDataset, JointTransform, ShapesDataset

__all__ = ["SHAPES", "DataConfig", "build_datasets", "collate", "shapes_test_batch"]

SHAPES = "shapes"
"""The name of the generated benchmark as a data source."""


@dataclass(frozen=True)
class DataConfig:
    """A run's data.

    ``source`` is ``"shapes"`` (the generated benchmark, ``shapes_length`` training images per domain)
    or a dataset folder in the authors' layout. Training images are resized to ``load_size`` (None:
    ``size``), randomly cropped to ``size`` (a multiple of 4) and flipped if ``flip``.
    """

    source: str = SHAPES
    size: int = 32
    load_size: int | None = None
    shapes_length: int = 2000
    flip: bool = True

    def __post_init__(self) -> None:
        if self.size < 4 or self.size % 4:
            raise ValueError(f"size must be a positive multiple of 4, got {self.size}")
        if self.load_size is not None and self.load_size < self.size:
            raise ValueError(f"load_size ({self.load_size}) must be at least size ({self.size})")

    @property
    def is_shapes(self) -> bool:
        return self.source == SHAPES


def build_datasets(config: DataConfig, phase: str = "train", seed: int = 0) -> tuple[Dataset, Dataset]:
    """The A and B datasets of ``phase``: ``"train"`` augments; ``"test"`` does not (for a folder, the
    first of ``test``, ``val``, ``train`` that has masks). Items are dicts with ``image`` (3, S, S) and
    ``masks`` (K, S, S) in [-1, 1]."""
    train = phase == "train"
    if config.is_shapes:
        length = config.shapes_length if train else 200
        return tuple(  # type: ignore[return-value]
            ShapesDataset(d, phase, config.size, length, seed, flip=config.flip and train) for d in "AB"
        )
    load = config.load_size or config.size
    transform = (
        JointTransform(load, config.size, flip=config.flip)
        if train
        else JointTransform((config.size, config.size), None, flip=False)
    )
    root = Path(config.source)
    if not train:
        phase = next((p for p in ("test", "val") if (root / f"{p}A_seg").is_dir()), "train")
    return tuple(InstanceMaskDataset(root, d, phase, transform=transform) for d in "AB")  # type: ignore[return-value]


def collate(items: list[dict], keys: tuple[str, ...] = ("A", "A_masks", "B", "B_masks")) -> dict:
    """Stack the ``keys`` of a list of items into batches."""
    return {k: torch.stack([item[k] for item in items]) for k in keys}


def shapes_test_batch(domain: str, size: int, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """The first ``n`` shapes test items of ``domain`` with their oracles, stacked: ``images`` (n, 3, S, S),
    ``masks`` (n, 4, S, S), ``oracle`` and ``oracle_masks`` (the same scenes in the other domain, slots
    aligned), all in [-1, 1]."""
    data = ShapesDataset(domain, "test", size, n, seed)
    items = [data[i] for i in range(n)]
    oracles = [data.oracle(i) for i in range(n)]
    return {
        "images": torch.stack([it["image"] for it in items]),
        "masks": torch.stack([it["masks"] for it in items]),
        "oracle": torch.stack([o["image"] for o in oracles]),
        "oracle_masks": torch.stack([o["masks"] for o in oracles]),
    }
