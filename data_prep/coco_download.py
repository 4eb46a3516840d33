"""Fetch a COCO category pair: the annotations, then only the images of the two categories.

    python -m data_prep.coco_download --category-a sheep --category-b giraffe --split train2017 \\
        --max-images 500 --out datasets/sheep2giraffe --phase train
    python -m data_prep.coco_download --category-a sheep --category-b giraffe --split val2017 \\
        --max-images 100 --out datasets/sheep2giraffe --phase test

What it does, in order:

1. downloads ``annotations/annotations_trainval2017.zip`` (241 MB) into ``--cache`` and takes
   ``instances_<split>.json`` out of it;
2. picks the images holding either category (the first ``--max-images`` per category, by image id; an
   unknown category name is an error that lists the valid ones);
3. downloads each of them from its ``coco_url``, with a progress bar;
4. converts them with :func:`data_prep.coco.convert_coco` into the authors' layout under ``--out``.

Every download is resumable. A file is written to ``<name>.part`` and renamed only when complete. A
later run asks the server for the rest (an HTTP ``Range`` request), so an interrupted run goes on where
it stopped. Each file is verified: its size against the server's ``Content-Length``, the archive as a zip,
each image as a decodable JPEG. A file that fails is an error naming it. ``--base-url`` replaces
``http://images.cocodataset.org`` everywhere: the tests point it at a server on 127.0.0.1, and a mirror
works the same way. pycocotools has ``COCO.download``, but it neither resumes nor verifies, so this module
does its own downloading and uses pycocotools to read the annotations and draw the masks.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from PIL import Image
from tqdm.auto import tqdm

from .coco import convert_with_arguments, load_coco
from .common import DatasetError, add_common_arguments, run_converter

__all__ = ["COCO_URL", "DownloadError", "download", "fetch_pair", "main"]

COCO_URL = "http://images.cocodataset.org"
ANNOTATIONS = "annotations/annotations_trainval2017.zip"
CHUNK = 1 << 16


class DownloadError(DatasetError):
    """A file could not be fetched or verified; the message names it and says whether a rerun resumes."""


def download(url: str, target: Path, progress: bool = True, timeout: float = 60.0) -> Path:
    """Fetch ``url`` into ``target``, resuming from ``target.part`` when one is there; return ``target``.

    A complete ``target`` is kept as it is. The file becomes ``target`` only when its size equals the
    server's ``Content-Length``. Raises :class:`DownloadError` on an HTTP error, a connection that breaks,
    or a body shorter than announced; the ``.part`` file stays, so the next call resumes.
    """
    target = Path(target)
    if target.exists():
        return target
    part = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # the .part already holds everything
            part.rename(target)
            return target
        raise DownloadError(f"{url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        raise DownloadError(f"{url}: cannot connect ({getattr(err, 'reason', err)})") from None
    with response:
        resumed = response.status == 206
        if have and not resumed:  # the server ignored the Range: start over
            have = 0
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        done = have
        bar = tqdm(total=total, initial=have, unit="B", unit_scale=True, desc=target.name, disable=not progress)
        try:
            with open(part, "ab" if resumed else "wb") as f:
                while chunk := response.read(CHUNK):
                    f.write(chunk)
                    done += len(chunk)
                    bar.update(len(chunk))
        except (OSError, urllib.error.URLError, http.client.HTTPException) as err:
            raise DownloadError(
                f"{url}: the connection broke after {done} bytes ({err}); run again to resume from {part}"
            ) from None
        finally:
            bar.close()
    if total is not None and done != total:
        raise DownloadError(f"{url}: truncated, {done} of {total} bytes; run again to resume from {part}")
    part.rename(target)
    return target


def _verify_image(path: Path) -> None:
    try:
        with Image.open(path) as im:
            im.load()  # decodes every byte: a cut-off JPEG fails here
    except OSError as err:
        path.unlink()  # the next run fetches it again
        raise DownloadError(f"{path}: not a readable image ({err}); removed, run again to fetch it anew") from None


def _annotations(base_url: str, split: str, cache: Path, progress: bool) -> Path:
    """``instances_<split>.json`` from the annotations archive, downloaded once into ``cache``."""
    json_path = cache / f"instances_{split}.json"
    if json_path.exists():
        return json_path
    archive = download(f"{base_url}/{ANNOTATIONS}", cache / Path(ANNOTATIONS).name, progress)
    member = f"annotations/instances_{split}.json"
    try:
        with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(json_path, "wb") as dst:
            shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile:
        archive.unlink()
        raise DownloadError(f"{archive}: not a zip archive; removed, run again to fetch it anew") from None
    except KeyError:
        raise DownloadError(f"{archive}: no {member} in it (splits: train2017, val2017)") from None
    return json_path


def fetch_pair(
    category_a: str,
    category_b: str,
    split: str,
    max_images: int,
    cache: Path,
    base_url: str = COCO_URL,
    progress: bool = True,
) -> tuple[Path, Path]:
    """Download the annotations of ``split`` and at most ``max_images`` images per category into
    ``cache``. Returns (an annotation file restricted to those images, their folder) for
    :func:`~data_prep.coco.convert_coco`."""
    if max_images < 1:
        raise ValueError(f"max_images must be >= 1, got {max_images}")
    base_url = base_url.rstrip("/")
    cache = Path(cache)
    coco = load_coco(_annotations(base_url, split, cache, progress))
    known = sorted(c["name"] for c in coco.loadCats(coco.getCatIds()))
    chosen: set[int] = set()
    for name in (category_a, category_b):
        ids = coco.getCatIds(catNms=[name])
        if not ids or name not in known:
            raise DatasetError(f"no COCO category {name!r}; the {len(known)} categories are: {', '.join(known)}")
        chosen |= set(sorted(coco.getImgIds(catIds=ids))[:max_images])
    folder = cache / split
    infos = coco.loadImgs(sorted(chosen))
    for info in tqdm(infos, desc=f"{split} images", unit="image", disable=not progress):
        url = info["coco_url"].replace(COCO_URL, base_url)
        path = folder / info["file_name"]
        if not path.exists():
            download(url, path, progress=False)
            _verify_image(path)
    subset = dict(coco.dataset)
    subset["images"] = infos
    subset["annotations"] = [a for a in coco.dataset["annotations"] if a["image_id"] in chosen]
    restricted = cache / f"instances_{split}_{category_a}_{category_b}_{max_images}.json"
    restricted.write_text(json.dumps(subset))
    return restricted, folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m data_prep.coco_download",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--category-a", default="sheep")
    parser.add_argument("--category-b", default="giraffe")
    parser.add_argument("--split", default="train2017", help="train2017 or val2017")
    parser.add_argument("--max-images", type=int, default=500, help="at most this many images per category")
    parser.add_argument("--phase", default="train", help="output phase: train, val, test, …")
    parser.add_argument("--cache", type=Path, default=Path("datasets/coco_cache"), help="where downloads are kept")
    parser.add_argument("--base-url", default=COCO_URL, help="COCO's server, or a mirror")
    parser.add_argument("--exclude-both", action="store_true", help="skip images containing both categories")
    add_common_arguments(parser, default_size="256")
    args = parser.parse_args(argv)
    if args.max_images < 1:
        parser.error(f"--max-images must be >= 1, got {args.max_images}")

    def fetch_and_convert() -> dict[str, int]:
        annotations, images = fetch_pair(
            args.category_a, args.category_b, args.split, args.max_images, args.cache, args.base_url
        )
        return convert_with_arguments(args, annotations, images)

    run_converter(parser, fetch_and_convert, args.out, args.phase)


if __name__ == "__main__":
    main()
