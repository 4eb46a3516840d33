"""Multi-human parsing (LV-MHP-v1) -> the two-domain layout (default: pants -> A, skirt -> B).

    python -m data_prep.mhp --root LV-MHP-v1 --out datasets/pants2skirt --phase train

Expects ``images/<id>.jpg``, ``annotations/<id>_<NN>_<pp>.png`` (one label map per person: NN persons
in the image, pp this person) and ``train_list.txt`` / ``test_list.txt``. Every person wearing the
garment gives one instance mask. Labels (MHP v1): 0 background, 1 hat, 2 hair, 3 sunglass,
4 upper-clothes, 5 skirt, 6 pants, 7 dress, 8 belt, 9 left-shoe, 10 right-shoe, 11 face, 12 left-leg,
13 right-leg, 14 left-arm, 15 right-arm, 16 bag, 17 scarf, 18 torso-skin. Landscape images are skipped
unless ``--keep-horizontal`` (as the authors' script). Images and masks are resized to cover ``--size``
(default 300x450, W×H) and centre-cropped. The annotation folder is listed once: linear time.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from .common import DatasetError, add_common_arguments, run_converter, staged_output, write_example

__all__ = ["MHP_LABELS", "convert_mhp", "main"]

MHP_LABELS = [
    "background",
    "hat",
    "hair",
    "sunglass",
    "upper-clothes",
    "skirt",
    "pants",
    "dress",
    "belt",
    "left-shoe",
    "right-shoe",
    "face",
    "left-leg",
    "right-leg",
    "left-arm",
    "right-arm",
    "bag",
    "scarf",
    "torso-skin",
]
_ANNOTATION = re.compile(r"^(?P<id>.+)_(?P<n>\d+)_(?P<p>\d+)\.png$")


def _label(name: str) -> int:
    if name.isdigit() and 0 < int(name) < len(MHP_LABELS):
        return int(name)
    if name not in MHP_LABELS[1:]:
        raise DatasetError(f"unknown MHP label {name!r} (known: {', '.join(MHP_LABELS[1:])})")
    return MHP_LABELS.index(name)


def convert_mhp(
    root: Path,
    out: Path,
    label_a: str = "pants",
    label_b: str = "skirt",
    phase: str = "train",
    size: tuple[int, int] = (450, 300),
    min_area: float = 0.0,
    max_instances: int = 20,
    keep_horizontal: bool = False,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Convert one MHP split (``phase`` train or test); returns the images written per domain."""
    labels = {"A": _label(label_a), "B": _label(label_b)}
    listing = root / f"{phase}_list.txt"
    if not listing.exists():
        raise DatasetError(f"missing {listing}")
    ids = [Path(line.strip()).stem for line in listing.read_text().splitlines() if line.strip()]
    people: dict[str, list[Path]] = {}
    for path in sorted((root / "annotations").iterdir()):
        match = _ANNOTATION.match(path.name)
        if match:
            people.setdefault(match["id"], []).append(path)
    written = {"A": 0, "B": 0}
    with staged_output(out, phase, overwrite) as tmp:
        for image_id in tqdm(ids, desc=f"MHP {phase}", disable=not progress):
            photo = root / "images" / f"{image_id}.jpg"
            try:
                with Image.open(photo) as im:
                    image = im.convert("RGB")
            except OSError as err:
                raise DatasetError(f"{photo}: cannot read image ({err})") from err
            if image.width > image.height and not keep_horizontal:
                continue
            maps = []
            for path in people.get(image_id, []):
                labelmap = np.asarray(Image.open(path))
                labelmap = labelmap[..., 0] if labelmap.ndim == 3 else labelmap
                if labelmap.shape != (image.height, image.width):
                    raise DatasetError(f"{path}: annotation {labelmap.shape} does not match {photo}")
                maps.append(labelmap)
            for domain, label in labels.items():
                masks = [m == label for m in maps if (m == label).any()]
                if masks and write_example(tmp, phase, domain, image_id, image, masks, size, min_area, max_instances):
                    written[domain] += 1
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m data_prep.mhp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, required=True, help="the LV-MHP-v1 folder")
    parser.add_argument("--label-a", default="pants", help="label name or id for domain A")
    parser.add_argument("--label-b", default="skirt", help="label name or id for domain B")
    parser.add_argument("--phase", choices=["train", "test"], default="train")
    parser.add_argument("--keep-horizontal", action="store_true", help="also convert landscape images")
    add_common_arguments(parser, default_size="300x450")
    args = parser.parse_args(argv)
    run_converter(
        parser,
        lambda: convert_mhp(
            args.root,
            args.out,
            args.label_a,
            args.label_b,
            args.phase,
            args.size,
            args.min_area,
            args.max_instances,
            args.keep_horizontal,
            args.overwrite,
        ),
        args.out,
        args.phase,
    )


if __name__ == "__main__":
    main()
