"""The authors' dataset layout on disk, read and written with clear errors.

    <root>/<phase>A/<id>.png             images of domain A (phase: train, val, test, …)
    <root>/<phase>A_seg/<id>_<k>.png     instance k of image <id>, k = 0, 1, … (greyscale, 255 = instance)
    <root>/<phase>B/…, <root>/<phase>B_seg/…

Every image needs at least one mask; masks have the image's size. Files are PNG.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

__all__ = [
    "DatasetError",
    "atomic_directory",
    "image_dir",
    "list_instances",
    "load_image",
    "load_masks",
    "mask_dir",
    "read_image",
    "read_mask",
    "write_image",
    "write_mask",
]

_MASK_NAME = re.compile(r"^(?P<id>.+)_(?P<k>\d+)\.png$")


class DatasetError(ValueError):
    """A dataset file or folder is missing, unreadable or inconsistent; the message names the file."""


def image_dir(root: Path | str, phase: str, domain: str) -> Path:
    """``<root>/<phase><domain>``, e.g. ``data/shapes32/trainA``."""
    return Path(root) / f"{phase}{domain}"


def mask_dir(root: Path | str, phase: str, domain: str) -> Path:
    """``<root>/<phase><domain>_seg``."""
    return Path(root) / f"{phase}{domain}_seg"


def list_instances(root: Path | str, phase: str, domain: str, max_instances: int) -> list[tuple[Path, list[Path]]]:
    """Pair every image of ``<phase><domain>`` with its mask files, sorted by instance index.

    One directory listing per folder (linear in the number of files). Raises :class:`DatasetError`
    for a missing folder, a non-PNG file, an image without masks, a mask without an image, or more than
    ``max_instances`` masks for one image.
    """
    images, masks = image_dir(root, phase, domain), mask_dir(root, phase, domain)
    for folder in (images, masks):
        if not folder.is_dir():
            raise DatasetError(f"missing folder {folder}: expected the layout <root>/{phase}{domain}[_seg]/")
    by_id: dict[str, list[tuple[int, Path]]] = {}
    for path in sorted(masks.iterdir()):
        match = _MASK_NAME.match(path.name)
        if not match:
            raise DatasetError(f"{path}: mask files must be named <id>_<k>.png")
        by_id.setdefault(match["id"], []).append((int(match["k"]), path))
    pairs = []
    for path in sorted(images.iterdir()):
        if path.suffix.lower() != ".png":
            raise DatasetError(f"{path}: images must be PNG files named <id>.png")
        found = sorted(by_id.pop(path.stem, []))
        if not found:
            raise DatasetError(f"{path}: no mask files {masks / (path.stem + '_<k>.png')}; every image needs ≥ 1")
        if len(found) > max_instances:
            raise DatasetError(
                f"{path}: {len(found)} instance masks but only {max_instances} slots; "
                "raise max_instances or drop the smallest instances when preparing the data"
            )
        pairs.append((path, [p for _, p in found]))
    if by_id:
        orphan = next(iter(by_id.values()))[0][1]
        raise DatasetError(f"{orphan}: mask without an image in {images}")
    if not pairs:
        raise DatasetError(f"{images}: no images")
    return pairs


def _open(path: Path, mode: str) -> Image.Image:
    try:
        with Image.open(path) as im:
            if im.format != "PNG":
                raise DatasetError(f"{path}: not a PNG file (found {im.format})")
            return im.convert(mode)
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise DatasetError(f"{path}: cannot read image ({err})") from err


def read_image(path: Path | str) -> np.ndarray:
    """RGB PNG -> uint8 (H, W, 3)."""
    return np.array(_open(Path(path), "RGB"))


def read_mask(path: Path | str, size: tuple[int, int] | None = None) -> np.ndarray:
    """Greyscale PNG -> uint8 (H, W); RGB masks are converted. ``size`` = (H, W) it must have."""
    mask = np.array(_open(Path(path), "L"))
    if size is not None and mask.shape != tuple(size):
        raise DatasetError(f"{path}: mask is {mask.shape[0]}×{mask.shape[1]} but its image is {size[0]}×{size[1]}")
    return mask


def load_image(path: Path | str) -> torch.Tensor:
    """An RGB PNG as the networks take it: float32 (3, H, W) in [-1, 1] (pixel k becomes k / 127.5 - 1)."""
    return torch.from_numpy(read_image(path)).permute(2, 0, 1).float() / 127.5 - 1


def load_masks(paths: list[Path | str], size: tuple[int, int] | None = None, slots: int | None = None) -> torch.Tensor:
    """Instance mask PNGs (one file per instance) as the networks take them: float32 (K, H, W) in [-1, 1],
    with ``slots`` > K padded by absent slots (all -1). ``size`` = (H, W) every mask must have (its image's)."""
    if slots is not None and slots < len(paths):
        raise ValueError(f"{len(paths)} mask files do not fit in {slots} slots")
    masks = [torch.from_numpy(read_mask(p, size)).float() / 127.5 - 1 for p in paths]
    if not masks and size is None:
        raise ValueError("no mask files and no size: cannot make the empty mask set")
    shape = tuple(masks[0].shape) if masks else tuple(size)
    if any(tuple(m.shape) != shape for m in masks):
        raise DatasetError(f"masks of different sizes: {sorted({tuple(m.shape) for m in masks})}")
    out = -torch.ones(max(len(masks), slots or 0), *shape)
    for k, mask in enumerate(masks):
        out[k] = mask
    return out


def write_image(path: Path | str, image: np.ndarray) -> None:
    """uint8 (H, W, 3) or float (3, H, W) in [-1, 1] -> PNG."""
    Image.fromarray(_to_uint8(image, channels_first=image.ndim == 3 and image.shape[0] == 3)).save(path)


def write_mask(path: Path | str, mask: np.ndarray) -> None:
    """bool / uint8 (H, W), or float (H, W) in [-1, 1] -> greyscale PNG (255 = instance)."""
    if mask.dtype == bool:
        mask = mask.astype(np.uint8) * 255
    Image.fromarray(_to_uint8(mask, channels_first=False), mode="L").save(path)


def _to_uint8(array: np.ndarray, channels_first: bool) -> np.ndarray:
    if array.dtype != np.uint8:
        array = np.round((np.clip(array, -1, 1) + 1) * 127.5).astype(np.uint8)
    return np.ascontiguousarray(array.transpose(1, 2, 0) if channels_first else array)


@contextmanager
def atomic_directory(target: Path | str, overwrite: bool = False) -> Iterator[Path]:
    """Write a dataset into a temporary sibling folder and move it to ``target`` only on success.

    Nothing half-written is ever left at ``target``: on an exception the temporary folder is removed.
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True (--overwrite) to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
