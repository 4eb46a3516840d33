"""COCO instances -> the two-domain layout (e.g. sheep -> A, giraffe -> B).

    python -m data_prep.coco --annotations annotations/instances_train2017.json --images train2017 \\
        --category-a sheep --category-b giraffe --phase train --out datasets/sheep2giraffe

Every image containing a category becomes an example of that domain; each of its annotations of that
category (polygon or RLE, crowd ones included) becomes one instance mask. Images and masks are resized
to cover ``--size`` and centre-cropped alike; instances that vanish in the crop or fall below
``--min-area`` are dropped, at most ``--max-instances`` (the largest) are kept, and an image left with
no instance is skipped. ``--exclude-both`` skips images that contain both categories.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

from PIL import Image
from tqdm.auto import tqdm

from .common import DatasetError, add_common_arguments, run_converter, staged_output, write_example

__all__ = ["convert_coco", "load_coco", "main"]


def load_coco(path: Path):
    """Read a COCO instances JSON into a ``pycocotools.coco.COCO``; a clear error if it is not one."""
    from pycocotools.coco import COCO

    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DatasetError(f"{path}: not a COCO annotation file (cannot read JSON: {err})") from err
    missing = [k for k in ("images", "annotations", "categories") if not isinstance(data, dict) or k not in data]
    if missing:
        raise DatasetError(f"{path}: not a COCO instances file (missing {', '.join(missing)})")
    coco = COCO()
    coco.dataset = data
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        coco.createIndex()
    return coco


def convert_coco(
    annotations: Path,
    images: Path,
    out: Path,
    category_a: str,
    category_b: str,
    phase: str = "train",
    size: tuple[int, int] = (256, 256),
    min_area: float = 0.0,
    max_instances: int = 20,
    exclude_both: bool = False,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Convert one COCO split; returns the number of images written per domain."""
    coco = load_coco(annotations)
    cats = {}
    for domain, name in (("A", category_a), ("B", category_b)):
        ids = coco.getCatIds(catNms=[name])
        if not ids:
            known = ", ".join(sorted(c["name"] for c in coco.loadCats(coco.getCatIds())))
            raise DatasetError(f"{annotations}: no category {name!r} (known: {known})")
        cats[domain] = ids[0]
    image_sets = {d: set(coco.getImgIds(catIds=[c])) for d, c in cats.items()}
    for domain, ids in image_sets.items():
        if not ids:
            raise DatasetError(f"{annotations}: category {category_a if domain == 'A' else category_b!r} has no images")
    both = image_sets["A"] & image_sets["B"]
    written = {"A": 0, "B": 0}
    with staged_output(out, phase, overwrite) as tmp:
        for domain, cat in cats.items():
            ids = sorted(image_sets[domain] - both if exclude_both else image_sets[domain])
            for n, img_id in enumerate(tqdm(ids, desc=f"{phase}{domain}", disable=not progress)):
                info = coco.loadImgs(img_id)[0]
                anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id, catIds=[cat], iscrowd=None))
                masks = [coco.annToMask(a).astype(bool) for a in anns]
                path = Path(images) / info["file_name"]
                try:
                    with Image.open(path) as im:
                        image = im.convert("RGB")
                except OSError as err:
                    raise DatasetError(f"{path}: cannot read image ({err})") from err
                if image.size != (info["width"], info["height"]):
                    raise DatasetError(
                        f"{path}: image is {image.width}×{image.height} but the annotations say "
                        f"{info['width']}×{info['height']}"
                    )
                if write_example(tmp, phase, domain, f"{n:06d}", image, masks, size, min_area, max_instances):
                    written[domain] += 1
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m data_prep.coco", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--annotations", type=Path, required=True, help="instances_<split>.json")
    parser.add_argument("--images", type=Path, required=True, help="folder of the split's images")
    parser.add_argument("--category-a", default="sheep")
    parser.add_argument("--category-b", default="giraffe")
    parser.add_argument("--phase", default="train", help="output phase: train, val, test, …")
    parser.add_argument("--exclude-both", action="store_true", help="skip images containing both categories")
    add_common_arguments(parser, default_size="256")
    args = parser.parse_args(argv)
    run_converter(parser, lambda: convert_with_arguments(args, args.annotations, args.images), args.out, args.phase)


def convert_with_arguments(args: argparse.Namespace, annotations: Path, images: Path) -> dict[str, int]:
    """:func:`convert_coco` with a command line's options (this converter's, and ``data_prep.coco_download``'s)."""
    return convert_coco(
        annotations,
        images,
        args.out,
        args.category_a,
        args.category_b,
        args.phase,
        args.size,
        args.min_area,
        args.max_instances,
        args.exclude_both,
        args.overwrite,
    )


if __name__ == "__main__":
    main()
