"""What the converters share: resize + centre crop, writing one example, staged (all-or-nothing) output."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from instagan_lite.data.layout import DatasetError, image_dir, mask_dir, write_mask

__all__ = [
    "DatasetError",
    "add_common_arguments",
    "fit_and_crop",
    "parse_size",
    "run_converter",
    "staged_output",
    "write_example",
]


def parse_size(text: str) -> tuple[int, int]:
    """``"256"`` -> (256, 256); ``"300x200"`` (W×H, as the authors write it) -> (H=200, W=300)."""
    try:
        if "x" in text:
            w, h = (int(v) for v in text.lower().split("x"))
            return h, w
        return int(text), int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"size must be N or WxH, got {text!r}") from err


def add_common_arguments(parser: argparse.ArgumentParser, default_size: str) -> None:
    """--out, --size, --min-area, --max-instances, --overwrite."""
    parser.add_argument("--out", type=Path, required=True, help="dataset root to write into")
    parser.add_argument(
        "--size", type=parse_size, default=parse_size(default_size), help=f"N or WxH (default {default_size})"
    )
    parser.add_argument(
        "--min-area", type=float, default=0.0, help="drop instances smaller than this fraction of the image"
    )
    parser.add_argument("--max-instances", type=int, default=20, help="keep at most the N largest instances")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output folders")


def fit_and_crop(image: Image.Image, size: tuple[int, int], resample: int) -> Image.Image:
    """Resize so that ``image`` covers ``size`` = (H, W) keeping its aspect ratio, then centre-crop."""
    h, w = size
    scale = max(h / image.height, w / image.width)
    new_w, new_h = max(w, round(image.width * scale)), max(h, round(image.height * scale))
    image = image.resize((new_w, new_h), resample)
    left, top = (new_w - w) // 2, (new_h - h) // 2
    return image.crop((left, top, left + w, top + h))


def write_example(
    root: Path,
    phase: str,
    domain: str,
    name: str,
    image: Image.Image,
    masks: Sequence[np.ndarray],
    size: tuple[int, int],
    min_area: float,
    max_instances: int,
) -> int:
    """Resize and crop ``image`` and its bool masks (H, W) alike, drop masks that end up empty or below
    ``min_area``, keep the ``max_instances`` largest, and write them. Returns the masks written (0: the
    image is skipped too)."""
    kept = []
    for m in masks:
        crop = np.asarray(fit_and_crop(Image.fromarray(m.astype(np.uint8) * 255), size, Image.NEAREST)) > 127
        if crop.any() and crop.mean() >= min_area:
            kept.append(crop)
    kept = sorted(kept, key=lambda m: -int(m.sum()))[:max_instances]
    if not kept:
        return 0
    fit_and_crop(image.convert("RGB"), size, Image.BICUBIC).save(image_dir(root, phase, domain) / f"{name}.png")
    for k, m in enumerate(kept):
        write_mask(mask_dir(root, phase, domain) / f"{name}_{k}.png", m)
    return len(kept)


@contextmanager
def staged_output(root: Path, phase: str, overwrite: bool, domains: Sequence[str] = ("A", "B")) -> Iterator[Path]:
    """Yield a staging folder with empty ``<phase><d>/`` and ``<phase><d>_seg/`` folders; on success move
    them into ``root``, on failure remove them: nothing half-written ever appears in ``root``."""
    names = [f(root, phase, d).name for d in domains for f in (image_dir, mask_dir)]
    existing = [n for n in names if (root / n).exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{root / existing[0]} exists; pass --overwrite to replace it")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        for n in names:
            (tmp / n).mkdir()
        yield tmp
        for n in names:
            if (root / n).exists():
                shutil.rmtree(root / n)
            os.replace(tmp / n, root / n)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_converter(
    parser: argparse.ArgumentParser, convert: Callable[[], dict[str, int]], out: Path, phase: str
) -> dict[str, int]:
    """Run a converter for its command line: a clear one-line error and exit status 2 on bad input,
    else print what was written where."""
    try:
        written = convert()
    except (DatasetError, FileExistsError) as err:
        parser.exit(2, f"error: {err}\n")
    print(f"wrote {written['A']} images to {out / (phase + 'A')} and {written['B']} to {out / (phase + 'B')}")
    return written
