"""Clothing co-parsing (CCP) -> the two-domain layout (default: jeans -> A, skirt -> B).

    python -m data_prep.ccp --root clothing-co-parsing --out datasets/jeans2skirt

Expects the CCP release: ``photos/<id>.jpg``, ``annotations/pixel-level/<id>.mat`` (key ``groundtruth``,
a label map), ``annotations/image-level/<id>.mat`` (key ``tags``) and ``label_list.mat``.

``--split train`` uses the 1,004 pixel-level annotations: every image showing a category gets **one**
mask holding all of its pixels (CCP does not separate instances). ``--split val`` uses the image-level
tags: **CCP's validation images have no pixel masks**, so only images are written (``valA/``,
``valB/``) and their ``_seg`` folders stay empty — InstaGAN needs masks at test time, so test on the
train split or predict masks with a segmentation model (the authors' answer in their issues #16, #32).
Photos are kept at their own resolution unless ``--size`` is given.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from .common import DatasetError, fit_and_crop, parse_size, run_converter, staged_output, write_example

__all__ = ["convert_ccp", "main", "read_label_list"]


def _loadmat(path: Path, key: str) -> np.ndarray:
    from scipy.io import loadmat

    try:
        data = loadmat(path)
    except Exception as err:  # scipy raises several types for a bad file
        raise DatasetError(f"{path}: cannot read MATLAB file ({err})") from err
    if key not in data:
        raise DatasetError(f"{path}: no '{key}' entry")
    return data[key]


def read_label_list(root: Path) -> list[str]:
    """CCP's label names; index = the value in the pixel-level label maps (0 = 'null')."""
    raw = _loadmat(root / "label_list.mat", "label_list")
    return [str(np.asarray(x).reshape(-1)[0]) for x in raw.reshape(-1)]


def convert_ccp(
    root: Path,
    out: Path,
    category_a: str = "jeans",
    category_b: str = "skirt",
    split: str = "train",
    size: tuple[int, int] | None = None,
    min_area: float = 0.0,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Convert CCP; returns the number of images written per domain."""
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")
    labels = read_label_list(root)
    ids = {}
    for domain, name in (("A", category_a), ("B", category_b)):
        if name not in labels:
            raise DatasetError(f"{root / 'label_list.mat'}: no category {name!r} (known: {', '.join(labels[1:])})")
        ids[domain] = labels.index(name)
    folder = root / "annotations" / ("pixel-level" if split == "train" else "image-level")
    if not folder.is_dir():
        raise DatasetError(f"missing folder {folder}")
    files = sorted(folder.glob("*.mat"))
    written = {"A": 0, "B": 0}
    with staged_output(out, split, overwrite) as tmp:
        for path in tqdm(files, desc=f"CCP {split}", disable=not progress):
            photo = root / "photos" / f"{path.stem}.jpg"
            if not photo.exists():
                raise DatasetError(f"{path}: no photo {photo}")
            with Image.open(photo) as im:
                image = im.convert("RGB")
            target = size or (image.height, image.width)
            if split == "train":
                labelmap = _loadmat(path, "groundtruth")
                if labelmap.shape != (image.height, image.width):
                    raise DatasetError(f"{path}: label map {labelmap.shape} does not match {photo} {image.size[::-1]}")
                for domain, label in ids.items():
                    mask = labelmap == label
                    if mask.any() and write_example(tmp, split, domain, path.stem, image, [mask], target, min_area, 1):
                        written[domain] += 1
            else:
                tags = set(np.asarray(_loadmat(path, "tags")).reshape(-1).tolist())
                for domain, label in ids.items():
                    if label in tags:
                        fit_and_crop(image, target, Image.BICUBIC).save(tmp / f"{split}{domain}" / f"{path.stem}.png")
                        written[domain] += 1
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m data_prep.ccp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, required=True, help="the clothing-co-parsing folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--category-a", default="jeans")
    parser.add_argument("--category-b", default="skirt")
    parser.add_argument("--split", choices=["train", "val"], default="train")
    parser.add_argument("--size", type=parse_size, default=None, help="N or WxH (default: keep the photo's size)")
    parser.add_argument("--min-area", type=float, default=0.0)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    run_converter(
        parser,
        lambda: convert_ccp(
            args.root,
            args.out,
            args.category_a,
            args.category_b,
            args.split,
            args.size,
            args.min_area,
            args.overwrite,
        ),
        args.out,
        args.split,
    )
    if args.split == "val":
        print(
            "note: CCP's validation split has only image-level labels, so no masks were written; "
            "InstaGAN needs masks to translate (test on the train split or predict masks)."
        )


if __name__ == "__main__":
    main()
