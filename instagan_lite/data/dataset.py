"""Datasets: the authors' folder layout with joint image+mask augmentation, the in-memory shapes
benchmark, and unaligned A/B pairing.

Every item is a dict with ``image`` (3, H, W) and ``masks`` (K, H, W), float32 in [-1, 1], the masks
sorted by decreasing area and padded with -1 planes to ``max_instances`` slots.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from torchvision import tv_tensors
from torchvision.transforms import v2

from .layout import (
    atomic_directory,
    image_dir,
    list_instances,
    mask_dir,
    read_image,
    read_mask,
    write_image,
    write_mask,
)
from .shapes import BENCHMARK_SHAPES, DOMAINS, SHAPES, render_scene, sample_scene, scene_rng

__all__ = [
    "InstanceMaskDataset",
    "JointTransform",
    "ShapesDataset",
    "UnalignedDataset",
    "generate_shapes_dataset",
    "pack_masks",
]


def pack_masks(masks: torch.Tensor, slots: int) -> torch.Tensor:
    """(n, H, W) masks in [-1, 1] -> (slots, H, W): empty ones dropped, sorted by decreasing area, -1 padded."""
    if masks.shape[0] > slots:
        raise ValueError(f"{masks.shape[0]} masks do not fit in {slots} slots")
    area = ((masks + 1) / 2).flatten(1).sum(1)
    keep = [i for i in torch.argsort(area, descending=True, stable=True).tolist() if area[i] > 0]
    out = -torch.ones(slots, *masks.shape[1:])
    if keep:
        out[: len(keep)] = masks[keep]
    return out


class JointTransform:
    """Resize to ``load_size`` (bicubic for the image, nearest for the masks), random crop to
    ``crop_size`` and random horizontal flip, with **one** draw of crop and flip for the image and all
    its masks (torchvision.transforms.v2 with tv_tensors).

    The authors' code re-seeds Python's ``random`` before each transform, which torchvision ≥ 0.8
    ignores, so their masks end up cropped and flipped differently from the image. A crop that loses
    every instance is re-drawn up to ``max_tries`` times, then the whole image is resized to the crop
    size instead, so training never crashes on an empty sample.

    Call with image uint8 (3, H, W) and masks uint8 (K, H, W) tensors; returns float (3, h, w) and
    (K, h, w) in [-1, 1].
    """

    def __init__(
        self,
        load_size: int | tuple[int, int] | None = None,
        crop_size: int | tuple[int, int] | None = None,
        flip: bool = True,
        max_tries: int = 10,
    ) -> None:
        self.resize = v2.Resize(load_size, interpolation=v2.InterpolationMode.BICUBIC) if load_size else None
        self.crop = v2.RandomCrop(crop_size) if crop_size else None
        self.fallback = v2.Resize(crop_size, interpolation=v2.InterpolationMode.BICUBIC) if crop_size else None
        self.flip = v2.RandomHorizontalFlip(0.5 if flip else 0.0)
        self.max_tries = max_tries

    def __call__(self, image: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        img, msk = tv_tensors.Image(image), tv_tensors.Mask(masks)
        if self.resize is not None:
            img, msk = self.resize(img, msk)
        out_img, out_msk = img, msk
        if self.crop is not None:
            for _ in range(self.max_tries):
                out_img, out_msk = self.crop(img, msk)
                if (out_msk > 0).any():
                    break
            else:
                out_img, out_msk = self.fallback(img, msk)
        out_img, out_msk = self.flip(out_img, out_msk)
        return out_img.as_subclass(torch.Tensor).float() / 127.5 - 1, out_msk.as_subclass(
            torch.Tensor
        ).float() / 127.5 - 1


class InstanceMaskDataset(Dataset):
    """Images and instance masks of one domain in the authors' layout (see :mod:`.layout`).

    Args:
        root: dataset folder holding ``<phase><domain>/`` and ``<phase><domain>_seg/``.
        domain: ``"A"`` or ``"B"``.
        phase: ``"train"``, ``"val"``, ``"test"``, …
        max_instances: slots per item (the authors' loader uses 20); more masks for an image is an error.
        transform: a :class:`JointTransform`, or None for no augmentation.

    Items: ``{"image": (3, H, W), "masks": (max_instances, H, W), "path": str}`` in [-1, 1].
    """

    def __init__(
        self,
        root: Path | str,
        domain: str = "A",
        phase: str = "train",
        max_instances: int = 20,
        transform: JointTransform | None = None,
    ) -> None:
        if domain not in DOMAINS:
            raise ValueError(f"domain must be 'A' or 'B', got {domain!r}")
        self.root, self.domain, self.phase = Path(root), domain, phase
        self.max_instances = max_instances
        self.transform = transform
        self.items = list_instances(root, phase, domain, max_instances)

    def __len__(self) -> int:
        return len(self.items)

    def verify(self, progress: bool = True) -> None:
        """Decode every image and mask file and check each mask's size against its image, so that a corrupt
        or mismatched file stops a run before its first iteration instead of in the middle of it. Raises
        :class:`~instagan_lite.data.layout.DatasetError` naming the file; a progress bar from 500 items."""
        from tqdm.auto import tqdm

        bar = tqdm(self.items, desc=f"checking {self.phase}{self.domain}", disable=not progress or len(self) < 500)
        for image_path, mask_paths in bar:
            size = read_image(image_path).shape[:2]
            for mask_path in mask_paths:
                read_mask(mask_path, size)

    def __getitem__(self, index: int) -> dict:
        image_path, mask_paths = self.items[index]
        image = read_image(image_path)
        masks = np.stack([read_mask(p, image.shape[:2]) for p in mask_paths])
        image_t, masks_t = torch.from_numpy(image).permute(2, 0, 1), torch.from_numpy(masks)
        if self.transform is not None:
            image_f, masks_f = self.transform(image_t, masks_t)
        else:
            image_f, masks_f = image_t.float() / 127.5 - 1, masks_t.float() / 127.5 - 1
        return {"image": image_f, "masks": pack_masks(masks_f, self.max_instances), "path": str(image_path)}


class ShapesDataset(Dataset):
    """The shapes benchmark served from memory, rendered on demand and deterministic from ``seed``.

    Items: ``{"image": (3, S, S), "masks": (max_instances, S, S), "index": int}``; with ``flip`` a random
    horizontal flip (torch's global RNG) is applied to image and masks together. :meth:`oracle` gives
    the counterfactual rendering of item ``index`` in the other domain, masks in the same slot order.

    ``instances`` fixes the number of objects per scene (default: 1–4 at random); ``object_scale``
    scales the object sizes (``32 / S`` keeps the pixel sizes of 32 px scenes on an S px canvas);
    ``shapes`` are the shapes of domain A and B (default: the benchmark's ellipses and rectangles).
    """

    def __init__(
        self,
        domain: str = "A",
        split: str = "train",
        size: int = 32,
        length: int = 2000,
        seed: int = 0,
        max_instances: int = 4,
        flip: bool = False,
        instances: int | None = None,
        object_scale: float = 1.0,
        shapes: tuple[str, str] = BENCHMARK_SHAPES,
    ) -> None:
        if domain not in DOMAINS:
            raise ValueError(f"domain must be 'A' or 'B', got {domain!r}")
        if instances is not None and instances > max_instances:
            raise ValueError(f"{instances} instances do not fit in max_instances={max_instances} slots")
        unknown = [shape for shape in shapes if shape not in SHAPES]
        if len(shapes) != 2 or unknown:
            raise ValueError(f"shapes must be two of {SHAPES}, got {shapes}")
        self.domain, self.split, self.size, self.length = domain, split, size, length
        self.seed, self.max_instances, self.flip = seed, max_instances, flip
        self.instances, self.object_scale, self.shapes = instances, object_scale, tuple(shapes)

    def __len__(self) -> int:
        return self.length

    def _scene(self, index: int):
        if not 0 <= index < self.length:
            raise IndexError(index)
        radius_range = (0.16 * self.object_scale, 0.25 * self.object_scale)
        rng = scene_rng(self.seed, f"{self.split}{self.domain}", index)
        return sample_scene(self.size, rng, self.instances, radius_range)

    def __getitem__(self, index: int) -> dict:
        image, masks, _ = render_scene(self._scene(index), self.domain, self.shapes)
        image_t, masks_t = torch.from_numpy(image), pack_masks(torch.from_numpy(masks), self.max_instances)
        if self.flip and torch.rand(()) < 0.5:
            image_t, masks_t = image_t.flip(-1), masks_t.flip(-1)
        return {"image": image_t, "masks": masks_t, "index": index}

    def oracle(self, index: int) -> dict:
        """The same scene rendered with the other domain's shape: the ideal translation of item ``index``.

        ``masks`` slot k is the oracle of the input's slot k (-1 where that object is hidden or absent).
        """
        scene = self._scene(index)
        other = "B" if self.domain == "A" else "A"
        _, _, ids = render_scene(scene, self.domain, self.shapes)
        image, masks, oracle_ids = render_scene(scene, other, self.shapes)
        out = -torch.ones(self.max_instances, self.size, self.size)
        for slot, obj in enumerate(ids[: self.max_instances]):
            hit = np.nonzero(oracle_ids == obj)[0]
            if hit.size:
                out[slot] = torch.from_numpy(masks[hit[0]])
        return {"image": torch.from_numpy(image), "masks": out, "index": index}


class UnalignedDataset(Dataset):
    """Unaligned pairs as in CycleGAN: item i is A[i mod |A|] with a random B.

    The B index is drawn from ``(seed, epoch, i)``, so a run is reproducible and resumable; set
    :attr:`epoch` at the start of each epoch. Length = max(|A|, |B|).
    Items: ``{"A": image, "A_masks": masks, "B": image, "B_masks": masks}``.
    """

    def __init__(self, dataset_A: Dataset, dataset_B: Dataset, seed: int = 0) -> None:
        self.dataset_A, self.dataset_B, self.seed, self.epoch = dataset_A, dataset_B, seed, 0

    def __len__(self) -> int:
        return max(len(self.dataset_A), len(self.dataset_B))

    def verify(self, progress: bool = True) -> None:
        """Decode every file of both domains up front where the datasets are folders (see
        :meth:`InstanceMaskDataset.verify`); generated data needs no check."""
        for data in (self.dataset_A, self.dataset_B):
            if hasattr(data, "verify"):
                data.verify(progress)

    def __getitem__(self, index: int) -> dict:
        a = self.dataset_A[index % len(self.dataset_A)]
        j = int(np.random.default_rng([self.seed, self.epoch, index]).integers(len(self.dataset_B)))
        b = self.dataset_B[j]
        return {"A": a["image"], "A_masks": a["masks"], "B": b["image"], "B_masks": b["masks"]}


def generate_shapes_dataset(
    root: Path | str,
    size: int = 32,
    n_train: int = 2000,
    n_test: int = 200,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool = True,
    shapes: tuple[str, str] = BENCHMARK_SHAPES,
    n_evaluator: int = 1000,
) -> Path:
    """Write the shapes benchmark to ``root`` in the authors' layout, plus the test oracle.

    Folders: ``trainA``, ``trainA_seg``, ``trainB``, ``trainB_seg``, ``testA``…, and
    ``testA_oracle`` / ``testA_oracle_seg`` (the ideal B-domain rendering of each A test image, masks
    numbered as the input's), likewise for B; ``evaluatorA``… (``n_evaluator`` images per domain, 0 for
    none) and ``evaluator_checkA``… (200), the scenes the learned evaluators train and are checked on;
    and ``benchmark.json`` (the shapes, size and seed). The same items as :class:`ShapesDataset` with
    the same seed, pixel for pixel. ``shapes`` picks another pair of shapes (e.g. to check that a
    recipe carries over). Written atomically: nothing is left at ``root`` if it fails.
    """
    import json

    from tqdm.auto import tqdm

    splits = [("train", n_train), ("test", n_test)]
    if n_evaluator:
        splits += [("evaluator", n_evaluator), ("evaluator_check", 200)]
    jobs = [(split, d, n) for split, n in splits for d in DOMAINS]
    total = sum(n for _, _, n in jobs)
    with atomic_directory(root, overwrite) as tmp, tqdm(total=total, desc="shapes", disable=not progress) as bar:
        for split, domain, n in jobs:
            data = ShapesDataset(domain, split, size, n, seed, max_instances=4, shapes=shapes)
            folders = [image_dir(tmp, split, domain), mask_dir(tmp, split, domain)]
            if split == "test":
                folders += [image_dir(tmp, split, f"{domain}_oracle"), mask_dir(tmp, split, f"{domain}_oracle")]
            for folder in folders:
                folder.mkdir(parents=True)
            for i in range(n):
                item = data[i]
                write_image(folders[0] / f"{i:05d}.png", item["image"].numpy())
                valid = [m for m in item["masks"].numpy() if (m > -1).any()]
                for k, m in enumerate(valid):
                    write_mask(folders[1] / f"{i:05d}_{k}.png", m)
                if split == "test":
                    oracle = data.oracle(i)
                    write_image(folders[2] / f"{i:05d}.png", oracle["image"].numpy())
                    for k, m in enumerate(oracle["masks"].numpy()[: len(valid)]):
                        write_mask(folders[3] / f"{i:05d}_{k}.png", m)
                bar.update()
        info = {"shapes": list(shapes), "size": size, "seed": seed}
        (tmp / "benchmark.json").write_text(json.dumps(info, indent=2) + "\n")
    return Path(root)
