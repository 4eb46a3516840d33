"""The COCO / CCP / MHP converters on small fixtures built here (nothing is downloaded)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data_prep import ccp, coco, mhp
from data_prep.common import DatasetError
from instagan_lite.data.dataset import InstanceMaskDataset

pycocotools_mask = pytest.importorskip("pycocotools.mask")
RED, GREEN = (230, 20, 20), (20, 230, 20)


def _box_polygon(x0, y0, x1, y1) -> list[list[float]]:
    return [[x0, y0, x1, y0, x1, y1, x0, y1]]


def _box_rle(x0, y0, x1, y1, h, w) -> dict:
    m = np.zeros((h, w), np.uint8, order="F")
    m[y0:y1, x0:x1] = 1
    rle = pycocotools_mask.encode(m)
    return {"size": rle["size"], "counts": rle["counts"].decode()}


@pytest.fixture
def coco_fixture(tmp_path: Path) -> tuple[Path, Path]:
    """Three 60×40 images: 1 = two sheep (polygon + RLE), 2 = a giraffe, 3 = a sheep and a giraffe.
    Each object is painted in its category's colour, so masks can be checked against pixels."""
    h, w = 40, 60
    objects = {
        1: [(1, (20, 8, 36, 24), "polygon"), (1, (38, 26, 44, 36), "rle")],
        2: [(2, (22, 4, 30, 36), "polygon")],
        3: [(1, (16, 10, 30, 20), "rle"), (2, (34, 6, 42, 34), "polygon")],
    }
    images_dir = tmp_path / "images"
    images_dir.mkdir()
    data = {
        "images": [],
        "annotations": [],
        "categories": [{"id": 1, "name": "sheep"}, {"id": 2, "name": "giraffe"}, {"id": 3, "name": "cow"}],
    }
    for img_id, objs in objects.items():
        pixels = np.full((h, w, 3), 90, np.uint8)
        for cat, (x0, y0, x1, y1), kind in objs:
            pixels[y0:y1, x0:x1] = RED if cat == 1 else GREEN
            seg = _box_polygon(x0, y0, x1, y1) if kind == "polygon" else _box_rle(x0, y0, x1, y1, h, w)
            annotation = {
                "id": len(data["annotations"]) + 1,
                "image_id": img_id,
                "category_id": cat,
                "segmentation": seg,
                "iscrowd": int(kind == "rle"),
                "area": float((x1 - x0) * (y1 - y0)),
                "bbox": [x0, y0, x1 - x0, y1 - y0],
            }
            data["annotations"].append(annotation)
        Image.fromarray(pixels).save(images_dir / f"{img_id:012d}.png")
        data["images"].append({"id": img_id, "file_name": f"{img_id:012d}.png", "height": h, "width": w})
    ann = tmp_path / "instances.json"
    ann.write_text(json.dumps(data))
    return ann, images_dir


def test_coco_conversion_counts_values_and_alignment(coco_fixture, tmp_path):
    ann, images = coco_fixture
    out = tmp_path / "out"
    written = coco.convert_coco(ann, images, out, "sheep", "giraffe", size=(32, 32), progress=False)
    assert written == {"A": 2, "B": 2}
    assert sorted(p.name for p in (out / "trainA_seg").iterdir()) == ["000000_0.png", "000000_1.png", "000001_0.png"]
    for domain, colour in (("A", RED), ("B", GREEN)):
        for item in InstanceMaskDataset(out, domain, max_instances=20):
            masks = item["masks"]
            assert set(masks.unique().tolist()) <= {-1.0, 1.0}
            image = ((item["image"] + 1) * 127.5).permute(1, 2, 0).numpy()
            painted = np.abs(image - np.array(colour)).sum(-1) < 80
            union = (masks > 0).any(0).numpy()
            # Resampling blurs the edges by about a pixel (bicubic image, nearest masks); a misaligned
            # crop or flip would move the centre by several pixels.
            iou = (painted & union).sum() / (painted | union).sum()
            shift = np.hypot(*(np.argwhere(painted).mean(0) - np.argwhere(union).mean(0)))
            assert item["image"].shape == (3, 32, 32) and iou >= 0.8 and shift < 1.0, f"{item['path']}: {iou}, {shift}"


def test_coco_options_exclude_both_min_area_and_max_instances(coco_fixture, tmp_path):
    ann, images = coco_fixture
    out = tmp_path / "out"
    written = coco.convert_coco(ann, images, out, "sheep", "giraffe", size=(32, 32), exclude_both=True, progress=False)
    assert written == {"A": 1, "B": 1}
    written = coco.convert_coco(
        ann,
        images,
        out,
        "sheep",
        "giraffe",
        size=(32, 32),
        max_instances=1,
        min_area=0.03,
        overwrite=True,
        progress=False,
    )
    assert written == {"A": 2, "B": 2}
    assert len(list((out / "trainA_seg").iterdir())) == 2  # image 1 keeps only its larger sheep


def test_coco_file_that_is_not_coco_json_is_an_error(tmp_path, coco_fixture):
    _, images = coco_fixture
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DatasetError, match=r"bad\.json: not a COCO annotation file"):
        coco.convert_coco(bad, images, tmp_path / "out", "sheep", "giraffe", progress=False)
    bad.write_text(json.dumps({"images": []}))
    with pytest.raises(DatasetError, match=r"not a COCO instances file \(missing annotations, categories\)"):
        coco.convert_coco(bad, images, tmp_path / "out", "sheep", "giraffe", progress=False)


def test_coco_empty_or_unknown_category_is_an_error(coco_fixture, tmp_path):
    ann, images = coco_fixture
    with pytest.raises(DatasetError, match="category 'cow' has no images"):
        coco.convert_coco(ann, images, tmp_path / "out", "sheep", "cow", progress=False)
    with pytest.raises(DatasetError, match=r"no category 'zebra' \(known: cow, giraffe, sheep\)"):
        coco.convert_coco(ann, images, tmp_path / "out", "zebra", "cow", progress=False)


def test_coco_failure_leaves_nothing_half_written(coco_fixture, tmp_path):
    ann, images = coco_fixture
    (images / "000000000003.png").unlink()
    out = tmp_path / "out"
    with pytest.raises(DatasetError, match=r"000000000003\.png: cannot read image"):
        coco.convert_coco(ann, images, out, "sheep", "giraffe", size=(32, 32), progress=False)
    assert list(out.iterdir()) == []
    coco.convert_coco(ann, images, out, "sheep", "giraffe", size=(32, 32), exclude_both=True, progress=False)
    with pytest.raises(FileExistsError, match="trainA exists; pass --overwrite"):
        coco.convert_coco(ann, images, out, "sheep", "giraffe", progress=False)


def test_coco_cli_help_and_error_exit(coco_fixture, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        coco.main(["--help"])
    assert exit_info.value.code == 0 and "--category-a" in capsys.readouterr().out
    ann, images = coco_fixture
    with pytest.raises(SystemExit) as exit_info:
        coco.main(
            ["--annotations", str(ann), "--images", str(images), "--out", str(tmp_path / "o"), "--category-b", "cow"]
        )
    assert exit_info.value.code == 2 and "has no images" in capsys.readouterr().err


@pytest.fixture
def ccp_fixture(tmp_path: Path) -> Path:
    """CCP-like tree: labels null/jeans/skirt/shirt; 0001 jeans; 0002 jeans + skirt; 0003 tagged skirt."""
    from scipy.io import savemat

    root = tmp_path / "ccp"
    for sub in ("photos", "annotations/pixel-level", "annotations/image-level"):
        (root / sub).mkdir(parents=True)
    savemat(root / "label_list.mat", {"label_list": np.array([["null", "jeans", "skirt", "shirt"]], dtype=object)})
    for stem, regions in (("0001", {1: (5, 20)}), ("0002", {1: (2, 10), 2: (20, 30)})):
        gt = np.zeros((36, 24), np.uint16)
        photo = np.full((36, 24, 3), 128, np.uint8)
        for label, (y0, y1) in regions.items():
            gt[y0:y1, 4:20] = label
            photo[y0:y1, 4:20] = RED if label == 1 else GREEN
        savemat(root / "annotations/pixel-level" / f"{stem}.mat", {"groundtruth": gt})
        Image.fromarray(photo).save(root / "photos" / f"{stem}.jpg", quality=95)
    Image.new("RGB", (24, 36)).save(root / "photos" / "0003.jpg")
    savemat(root / "annotations/image-level" / "0003.mat", {"tags": np.array([[2, 3]])})
    return root


def test_ccp_train_gives_one_mask_per_category_per_image(ccp_fixture, tmp_path):
    out = tmp_path / "out"
    assert ccp.convert_ccp(ccp_fixture, out, progress=False) == {"A": 2, "B": 1}
    assert sorted(p.name for p in (out / "trainA_seg").iterdir()) == ["0001_0.png", "0002_0.png"]
    mask = np.asarray(Image.open(out / "trainB_seg" / "0002_0.png"))
    assert mask.shape == (36, 24) and set(np.unique(mask)) == {0, 255} and mask[20:30, 4:20].all()
    assert mask.sum() == 255 * 10 * 16


def test_ccp_val_has_images_but_no_masks(ccp_fixture, tmp_path, capsys):
    out = tmp_path / "out"
    ccp.main(["--root", str(ccp_fixture), "--out", str(out), "--split", "val"])
    assert [p.name for p in (out / "valB").iterdir()] == ["0003.png"]
    assert list((out / "valB_seg").iterdir()) == [] and list((out / "valA").iterdir()) == []
    assert "no masks were written" in capsys.readouterr().out


def test_ccp_unknown_category_is_an_error(ccp_fixture, tmp_path):
    with pytest.raises(DatasetError, match="no category 'pants'"):
        ccp.convert_ccp(ccp_fixture, tmp_path / "out", "pants", progress=False)


@pytest.fixture
def mhp_fixture(tmp_path: Path) -> Path:
    """MHP-like tree: image 1 (portrait) has two people in pants, one also... ; image 2 is landscape."""
    root = tmp_path / "mhp"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    people = {"1": (45, 30, [(6, (5, 20, 2, 12)), (6, (5, 20, 16, 28))]), "2": (30, 45, [(5, (10, 25, 5, 20))])}
    people["3"] = (45, 30, [(5, (20, 40, 5, 25)), (4, (0, 10, 0, 30))])
    for image_id, (h, w, persons) in people.items():
        Image.new("RGB", (w, h), (90, 90, 90)).save(root / "images" / f"{image_id}.jpg")
        for p, (label, (y0, y1, x0, x1)) in enumerate(persons, 1):
            labelmap = np.zeros((h, w, 3), np.uint8)
            labelmap[y0:y1, x0:x1] = label
            Image.fromarray(labelmap).save(root / "annotations" / f"{image_id}_{len(persons):02d}_{p:02d}.png")
    (root / "train_list.txt").write_text("1.jpg\n2.jpg\n3.jpg\n")
    return root


def test_mhp_one_mask_per_person_wearing_the_garment(mhp_fixture, tmp_path):
    out = tmp_path / "out"
    written = mhp.convert_mhp(mhp_fixture, out, size=(30, 20), progress=False)
    assert written == {"A": 1, "B": 1}  # image 2 is landscape and skipped
    assert sorted(p.name for p in (out / "trainA_seg").iterdir()) == ["1_0.png", "1_1.png"]
    assert sorted(p.name for p in (out / "trainB_seg").iterdir()) == ["3_0.png"]
    mask = np.asarray(Image.open(out / "trainB_seg" / "3_0.png"))
    assert mask.shape == (30, 20) and set(np.unique(mask)) == {0, 255}
    written = mhp.convert_mhp(mhp_fixture, out, "6", "skirt", keep_horizontal=True, overwrite=True, progress=False)
    assert written == {"A": 1, "B": 2}


def test_mhp_unknown_label_and_missing_list_are_errors(mhp_fixture, tmp_path):
    with pytest.raises(DatasetError, match="unknown MHP label 'shorts'"):
        mhp.convert_mhp(mhp_fixture, tmp_path / "out", "shorts", progress=False)
    with pytest.raises(DatasetError, match=r"missing .*test_list\.txt"):
        mhp.convert_mhp(mhp_fixture, tmp_path / "out", phase="test", progress=False)


@pytest.mark.parametrize("module", [ccp, mhp])
def test_cli_help(module, capsys):
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0 and "--root" in capsys.readouterr().out
