"""Where a run's data comes from: the generated shapes benchmark or a folder in the authors' layout.

:class:`DataConfig` names the source and the sizes; :func:`build_datasets` makes the A and B datasets of a
phase. For evaluation, :class:`EvaluationSet` holds one direction's test images with what is known about the
right answer: :func:`shapes_test_sets` for the built-in benchmark, :func:`folder_test_sets` for any
dataset folder (its oracle folders ``test{A,B}_oracle`` and ``_oracle_seg`` are used when present).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from ..settings import setting
from .dataset import InstanceMaskDataset, JointTransform, ShapesDataset
from .layout import DatasetError, image_dir, list_instances, load_image, mask_dir, read_mask
from .shapes import BENCHMARK_SHAPES

__all__ = [
    "SHAPES",
    "DataConfig",
    "EvaluationSet",
    "build_datasets",
    "collate",
    "folder_test_sets",
    "read_benchmark_info",
    "shapes_test_batch",
    "shapes_test_sets",
]

DIRECTIONS = {"AtoB": ("A", "B"), "BtoA": ("B", "A")}
BENCHMARK_INFO = "benchmark.json"
"""A file a generated shapes folder carries: which shapes its domains have (so the shape judge applies)."""

SHAPES = "shapes"
"""The name of the generated benchmark as a data source."""


@dataclass(frozen=True)
class DataConfig:
    """A run's data.

    ``source`` is ``"shapes"`` (the generated benchmark, ``shapes_length`` training images per domain)
    or a dataset folder in the authors' layout. Training images are resized to ``load_size`` (None:
    ``size``), randomly cropped to ``size`` (a multiple of 4) and flipped if ``flip``.
    """

    source: str = setting(
        SHAPES, "'shapes' (the generated benchmark) or a dataset folder in the authors' layout", flag="data"
    )
    size: int = setting(32, "training (crop) size in pixels, a multiple of 4")
    load_size: int | None = setting(None, "resize to this before the random crop (default: --size, no crop)", kind=int)
    shapes_length: int = setting(2000, "training images per domain of the shapes data")
    flip: bool = setting(True, "random horizontal flips")

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


def shapes_test_batch(
    domain: str,
    size: int,
    n: int,
    seed: int = 0,
    instances: int | None = None,
    object_scale: float = 1.0,
    shapes: tuple[str, str] = BENCHMARK_SHAPES,
) -> dict[str, torch.Tensor]:
    """The first ``n`` shapes test items of ``domain`` with their oracles, stacked: ``images`` (n, 3, S, S),
    ``masks`` (n, K, S, S), ``oracle`` and ``oracle_masks`` (the same scenes in the other domain, slots
    aligned), all in [-1, 1]. K = 4 slots, or ``instances`` when every scene has that many objects
    (``object_scale`` and ``shapes``, the shapes of domains A and B, as in :class:`ShapesDataset`)."""
    slots = max(4, instances or 0)
    data = ShapesDataset(
        domain, "test", size, n, seed, slots, instances=instances, object_scale=object_scale, shapes=shapes
    )
    items = [data[i] for i in range(n)]
    oracles = [data.oracle(i) for i in range(n)]
    return {
        "images": torch.stack([it["image"] for it in items]),
        "masks": torch.stack([it["masks"] for it in items]),
        "oracle": torch.stack([o["image"] for o in oracles]),
        "oracle_masks": torch.stack([o["masks"] for o in oracles]),
    }


@dataclass
class EvaluationSet:
    """One direction's test data, everything in [-1, 1].

    ``images`` (N, 3, S, S) and ``masks`` (N, K, S, S) of the source domain; ``real_target`` (M, 3, S, S),
    real images of the target domain (for KID); ``oracle`` / ``oracle_masks`` the right translation of
    each image with its masks, slot k for input instance k (None when unknown); ``target`` the target
    domain ("A" or "B"); ``shape_judge`` whether the benchmark's moment test of ellipses and rectangles
    applies.
    """

    images: torch.Tensor
    masks: torch.Tensor
    real_target: torch.Tensor
    oracle: torch.Tensor | None
    oracle_masks: torch.Tensor | None
    target: str
    shape_judge: bool = False


def shapes_test_sets(
    size: int = 32, n: int = 200, seed: int = 0, instances: int | None = None, object_scale: float = 1.0
) -> dict[str, EvaluationSet]:
    """The built-in benchmark's test sets of both directions (``"AtoB"``, ``"BtoA"``): ``n`` images each,
    with oracles. ``instances`` / ``object_scale`` as in :class:`ShapesDataset` (e.g. 8 objects at 48 px
    with scale 32 / 48: more objects than in training, at the training sizes in pixels)."""
    out = {}
    for direction, (source, target) in DIRECTIONS.items():
        batch = shapes_test_batch(source, size, n, seed, instances, object_scale)
        real = shapes_test_batch(target, size, n, seed, instances, object_scale)["images"]
        out[direction] = EvaluationSet(
            batch["images"], batch["masks"], real, batch["oracle"], batch["oracle_masks"], target, True
        )
    return out


def read_benchmark_info(root: Path | str) -> dict:
    """The ``benchmark.json`` of a generated shapes folder, or {} for any other dataset."""
    path = Path(root) / BENCHMARK_INFO
    return json.loads(path.read_text()) if path.exists() else {}


def _stack_images(paths: list[Path], what: str) -> torch.Tensor:
    images = [load_image(p) for p in paths]
    sizes = {tuple(im.shape[1:]) for im in images}
    if len(sizes) > 1:
        raise DatasetError(f"{what}: images of different sizes {sorted(sizes)}; convert them to one size first")
    return torch.stack(images)


def _read_slots(folder: Path, stem: str, shape: tuple[int, int], slots: int) -> torch.Tensor:
    """Masks ``<stem>_<k>.png`` for k < slots in file order (a missing k is an absent slot, -1)."""
    out = -torch.ones(slots, *shape)
    for k in range(slots):
        path = folder / f"{stem}_{k}.png"
        if path.exists():
            out[k] = torch.from_numpy(read_mask(path, shape)).float() / 127.5 - 1
    return out


def evaluation_phase(root: Path | str) -> str:
    """The phase a dataset folder is evaluated on: ``test``, else ``val`` (with masks for both domains)."""
    root = Path(root)
    for phase in ("test", "val"):
        if all(mask_dir(root, phase, d).is_dir() and image_dir(root, phase, d).is_dir() for d in "AB"):
            return phase
    raise DatasetError(
        f"{root}: no test split: expected testA/, testA_seg/, testB/, testB_seg/ (or val…) in the authors' layout"
    )


def folder_test_sets(root: Path | str, n: int | None = None, max_instances: int = 20) -> dict[str, EvaluationSet]:
    """The test sets of both directions of a dataset folder in the authors' layout: the first ``n`` images
    (all by default) of ``test{A,B}`` (or ``val``), with their oracles where ``test{A,B}_oracle`` and
    ``_oracle_seg`` exist. Every image of a split must have one size, the same in A and B."""
    root = Path(root)
    phase = evaluation_phase(root)
    info = read_benchmark_info(root)
    judge = tuple(info.get("shapes", ())) == BENCHMARK_SHAPES
    listed = {d: list_instances(root, phase, d, max_instances)[:n] for d in "AB"}
    images = {d: _stack_images([p for p, _ in listed[d]], f"{image_dir(root, phase, d)}") for d in "AB"}
    if images["A"].shape[-2:] != images["B"].shape[-2:]:
        raise DatasetError(
            f"{root}: domain A images are {tuple(images['A'].shape[-2:])} but domain B images are "
            f"{tuple(images['B'].shape[-2:])}; one model translates both ways, so they need one size"
        )
    out = {}
    for direction, (source, target) in DIRECTIONS.items():
        items, shape = listed[source], tuple(images[source].shape[-2:])
        slots = max(int(p.stem.rsplit("_", 1)[1]) + 1 for _, paths in items for p in paths)
        masks = torch.stack([_read_slots(mask_dir(root, phase, source), p.stem, shape, slots) for p, _ in items])
        oracle = oracle_masks = None
        oracle_dir = image_dir(root, phase, f"{source}_oracle")
        if oracle_dir.is_dir():
            names = [p.name for p, _ in items]
            missing = [name for name in names if not (oracle_dir / name).exists()]
            if missing:
                raise DatasetError(f"{oracle_dir}: no oracle for {missing[0]} (and {len(missing) - 1} more)")
            oracle = _stack_images([oracle_dir / name for name in names], str(oracle_dir))
            seg = mask_dir(root, phase, f"{source}_oracle")
            oracle_masks = torch.stack([_read_slots(seg, p.stem, shape, slots) for p, _ in items])
        out[direction] = EvaluationSet(images[source], masks, images[target], oracle, oracle_masks, target, judge)
    return out
