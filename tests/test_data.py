"""The shapes benchmark, the layout dataset, joint augmentation and unaligned pairing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from instagan_lite.data.dataset import (
    InstanceMaskDataset,
    JointTransform,
    ShapesDataset,
    UnalignedDataset,
    generate_shapes_dataset,
)
from instagan_lite.data.layout import DatasetError
from instagan_lite.data.shapes import render_scene, sample_scene, scene_rng


def _moments(mask: np.ndarray) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask > 0)
    return ys.mean(), xs.mean(), ys.var(), xs.var()


def test_area_distributions_match_across_domains():
    areas = {"A": [], "B": []}
    for domain in areas:
        data = ShapesDataset(domain, "train", size=64, length=400, seed=0)
        for i in range(len(data)):
            masks = data[i]["masks"]
            areas[domain] += ((masks + 1) / 2).flatten(1).sum(1)[(masks > -1).flatten(1).any(1)].tolist()
    mean_a, mean_b = np.mean(areas["A"]), np.mean(areas["B"])
    assert abs(mean_a - mean_b) / mean_a < 0.05
    q = [10, 50, 90]
    assert np.allclose(np.percentile(areas["A"], q), np.percentile(areas["B"], q), rtol=0.08)


def test_instance_counts_are_one_to_four_and_shapes_are_wide_or_tall():
    for domain, wide in (("A", True), ("B", False)):
        data = ShapesDataset(domain, "test", size=64, length=100, seed=1)
        counts = []
        for i in range(len(data)):
            masks = data[i]["masks"].numpy()
            valid = [m for m in masks if (m > -1).any()]
            counts.append(len(valid))
            _, _, var_y, var_x = _moments(valid[0])  # the largest instance is barely occluded
            assert (var_x > var_y) == wide
        assert set(counts) == {1, 2, 3, 4}


def test_oracle_has_the_other_shape_at_the_same_centres():
    data = ShapesDataset("A", "test", size=64, length=40, seed=2)
    for i in range(len(data)):
        item, oracle = data[i], data.oracle(i)
        for k in range(4):
            m, o = item["masks"][k].numpy(), oracle["masks"][k].numpy()
            if not (m > -1).any() or (m > 0).sum() < 60 or (o > 0).sum() < 60:
                continue  # absent, or mostly hidden: centroids move with occlusion
            cy, cx, vy, vx = _moments(m)
            oy, ox, ovy, ovx = _moments(o)
            assert np.hypot(cy - oy, cx - ox) < 3.0
            assert vx > vy and ovy > ovx  # wide ellipse -> tall rectangle


def test_same_seed_same_data_other_seed_other_data():
    a, b = ShapesDataset("B", seed=7)[3], ShapesDataset("B", seed=7)[3]
    assert torch.equal(a["image"], b["image"]) and torch.equal(a["masks"], b["masks"])
    assert not torch.equal(a["image"], ShapesDataset("B", seed=8)[3]["image"])
    scene = sample_scene(32, scene_rng(0, "x", 0))
    assert np.array_equal(render_scene(scene, "A")[0], render_scene(sample_scene(32, scene_rng(0, "x", 0)), "A")[0])


def test_written_shapes_dataset_reads_back_equal(tmp_path):
    root = generate_shapes_dataset(tmp_path / "shapes", size=32, n_train=6, n_test=3, seed=0, progress=False)
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [f"{s}{d}{x}" for s in ("train", "test", "evaluator", "evaluator_check") for d in "AB" for x in ("", "_seg")]
        + [f"test{d}_oracle{x}" for d in "AB" for x in ("", "_seg")]
        + ["benchmark.json"]
    )
    disk = InstanceMaskDataset(root, "B", "train", max_instances=4)
    memory = ShapesDataset("B", "train", 32, 6, seed=0)
    assert len(disk) == 6
    for i in range(6):
        assert torch.equal(disk[i]["image"], memory[i]["image"])  # 8-bit scenes: the PNG round trip is exact
        assert torch.equal(disk[i]["masks"], memory[i]["masks"])
    for i in range(3):  # one oracle mask per input mask, numbered alike
        inputs = sorted(p.name for p in (root / "testA_seg").glob(f"{i:05d}_*.png"))
        assert sorted(p.name for p in (root / "testA_oracle_seg").glob(f"{i:05d}_*.png")) == inputs
    with pytest.raises(FileExistsError, match="exists"):
        generate_shapes_dataset(root, size=32, n_train=1, n_test=1, progress=False)


def _self_describing(size: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """An image whose channel k is 255 exactly on instance k's mask (3 overlapping-free rectangles)."""
    rng = np.random.default_rng(seed)
    image = np.zeros((3, size, size), np.uint8)
    masks = np.zeros((3, size, size), np.uint8)
    for k in range(3):
        y, x = rng.integers(0, size - 16, 2)
        h, w = rng.integers(8, 16, 2)
        masks[k, y : y + h, x : x + w] = 255
        image[k] = masks[k]
    return torch.from_numpy(image), torch.from_numpy(masks)


def test_joint_augmentation_keeps_every_mask_aligned_over_200_draws():
    transform = JointTransform(load_size=128, crop_size=96, flip=True)
    for i in range(200):
        image, masks = _self_describing(seed=i)
        out_image, out_masks = transform(image, masks)
        assert out_image.shape == (3, 96, 96) and out_masks.shape == (3, 96, 96)
        for k in range(3):
            from_pixels, mask = out_image[k] > 0, out_masks[k] > 0
            if mask.any():
                iou = (from_pixels & mask).sum() / (from_pixels | mask).sum()
                assert iou >= 0.99, f"draw {i}, instance {k}: IoU {iou:.3f}"


def test_a_crop_that_loses_every_instance_is_redrawn_never_empty():
    image = torch.zeros(3, 64, 64, dtype=torch.uint8)
    masks = torch.zeros(1, 64, 64, dtype=torch.uint8)
    masks[0, 60:63, 60:63] = 255  # a tiny instance in a corner: most 16×16 crops miss it
    transform = JointTransform(crop_size=16, flip=True, max_tries=3)
    assert all((transform(image, masks)[1] > 0).any() for _ in range(200))


def test_unaligned_pairs_are_reproducible_per_epoch():
    a, b = ShapesDataset("A", length=5), ShapesDataset("B", length=9)
    pairs = UnalignedDataset(a, b, seed=0)
    assert len(pairs) == 9
    first = [pairs[i]["B"] for i in range(9)]
    assert all(torch.equal(x, pairs[i]["B"]) for i, x in enumerate(first))
    assert torch.equal(pairs[7]["A"], a[2]["image"])
    pairs.epoch = 1
    assert any(not torch.equal(x, pairs[i]["B"]) for i, x in enumerate(first))


# --- bad input: one test per case, each asserting the message --------------------------------------


def _layout(root: Path, n_masks: int = 1, mask_size: int = 16) -> Path:
    (root / "trainA").mkdir(parents=True)
    (root / "trainA_seg").mkdir()
    Image.new("RGB", (16, 16)).save(root / "trainA" / "0.png")
    for k in range(n_masks):
        Image.new("L", (mask_size, mask_size), 255).save(root / "trainA_seg" / f"0_{k}.png")
    return root


def test_image_without_masks_is_an_error(tmp_path):
    root = _layout(tmp_path, n_masks=0)
    with pytest.raises(DatasetError, match=r"0\.png: no mask files"):
        InstanceMaskDataset(root)


def test_mask_of_another_size_is_an_error(tmp_path):
    root = _layout(tmp_path, mask_size=8)
    with pytest.raises(DatasetError, match=r"0_0\.png: mask is 8×8 but its image is 16×16"):
        InstanceMaskDataset(root)[0]


def test_non_png_image_is_an_error(tmp_path):
    root = _layout(tmp_path)
    Image.new("RGB", (16, 16)).save(root / "trainA" / "1.jpg")
    with pytest.raises(DatasetError, match=r"1\.jpg: images must be PNG"):
        InstanceMaskDataset(root)


def test_unreadable_or_mislabelled_file_is_an_error(tmp_path):
    root = _layout(tmp_path)
    (root / "trainA" / "0.png").write_bytes(b"not an image")
    with pytest.raises(DatasetError, match=r"0\.png: cannot read image"):
        InstanceMaskDataset(root)[0]
    Image.new("RGB", (16, 16)).save(root / "trainA" / "0.png", format="JPEG")
    with pytest.raises(DatasetError, match=r"0\.png: not a PNG file \(found JPEG\)"):
        InstanceMaskDataset(root)[0]


def test_more_instances_than_slots_is_an_error(tmp_path):
    root = _layout(tmp_path, n_masks=3)
    with pytest.raises(DatasetError, match=r"0\.png: 3 instance masks but only 2 slots"):
        InstanceMaskDataset(root, max_instances=2)


def test_missing_folder_and_orphan_mask_are_errors(tmp_path):
    with pytest.raises(DatasetError, match="missing folder"):
        InstanceMaskDataset(tmp_path)
    root = _layout(tmp_path)
    Image.new("L", (16, 16)).save(root / "trainA_seg" / "9_0.png")
    with pytest.raises(DatasetError, match=r"9_0\.png: mask without an image"):
        InstanceMaskDataset(root)


def test_load_image_and_masks_give_what_the_networks_take(tmp_path):
    """A PNG round trip: write_image / write_mask then load_image / load_masks give float32 in [-1, 1] on
    the 8-bit grid; masks are padded to ``slots`` with absent (-1) slots, and a wrong size is an error."""
    import numpy as np

    from instagan_lite import load_image, load_masks
    from instagan_lite.data.layout import DatasetError, write_image, write_mask

    pixels = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3) * 3
    write_image(tmp_path / "x.png", pixels)
    image = load_image(tmp_path / "x.png")
    assert image.dtype == torch.float32 and image.shape == (3, 4, 6)
    assert torch.equal(image, torch.from_numpy(pixels).permute(2, 0, 1).float() / 127.5 - 1)
    mask = np.zeros((4, 6), dtype=bool)
    mask[1:3, 2:5] = True
    write_mask(tmp_path / "x_0.png", mask)
    masks = load_masks([tmp_path / "x_0.png"], (4, 6), slots=3)
    assert masks.shape == (3, 4, 6) and masks[0].sum() == 6 - 18 and bool((masks[1:] == -1).all())
    with pytest.raises(DatasetError, match="mask is 4×6 but its image is 5×6"):
        load_masks([tmp_path / "x_0.png"], (5, 6))
