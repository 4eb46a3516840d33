"""Benchmark measures on hand-made masks and images with known answers."""

from __future__ import annotations

import math

import pytest
import torch

from instagan_lite.data.sources import shapes_test_batch
from instagan_lite.evaluate import reference_rows
from instagan_lite.metrics import (
    background_l1,
    centroid,
    change_iou,
    colour_errors,
    evaluate_translations,
    is_target_shape,
    mask_iou,
    object_l1,
    objects_error_split,
    oracle_l1,
    region_errors,
    vacated_l1,
)


def box(y0: int, x0: int, y1: int, x1: int, size: int = 16) -> torch.Tensor:
    m = -torch.ones(size, size)
    m[y0:y1, x0:x1] = 1
    return m


def ellipse(cy: float, cx: float, ry: float, rx: float, size: int = 32) -> torch.Tensor:
    yy, xx = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    return torch.where(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1, 1.0, -1.0)


def test_shape_judgement():
    assert is_target_shape(box(2, 6, 14, 10), "B")  # tall rectangle
    assert not is_target_shape(box(6, 2, 10, 14), "B")  # wide rectangle
    assert is_target_shape(ellipse(16, 16, 5, 10), "A")  # wide ellipse
    assert not is_target_shape(ellipse(16, 16, 10, 5), "A")  # tall ellipse
    assert not is_target_shape(box(6, 2, 10, 14), "A")  # wide but a rectangle
    assert not is_target_shape(-torch.ones(8, 8), "B")  # empty


def test_centroid_iou_and_shift():
    torch.testing.assert_close(centroid(box(2, 4, 6, 8)), torch.tensor([3.5, 5.5]))
    assert centroid(-torch.ones(4, 4)) is None
    assert mask_iou(box(0, 0, 4, 4), box(0, 2, 4, 6)) == pytest.approx(8 / 24)
    assert mask_iou(-torch.ones(3, 3), -torch.ones(3, 3)) == 1.0


def test_background_l1_and_change_iou_by_hand():
    x = torch.zeros(3, 4, 4)
    y = x.clone()
    y[:, 0, 0] = 1.0  # changed inside the instance
    y[:, 3, 3] = 0.5  # changed in the background
    masks = box(0, 0, 1, 1, 4)[None]
    # 15 background pixels, one of them off by 0.5
    assert background_l1(x, y, masks) == pytest.approx(0.5 / 15)
    oracle = x.clone()
    oracle[:, 0, 0] = 1.0
    assert change_iou(x, y, oracle) == pytest.approx(1 / 2)
    assert math.isnan(background_l1(x, y, torch.ones(1, 4, 4)))


def _case():
    """Two instances (wide ellipses) and their oracles (tall rectangles at the same centres)."""
    size = 32
    masks = torch.stack([ellipse(8, 10, 3, 6), ellipse(22, 20, 3, 6), -torch.ones(size, size)])[None]
    oracle_masks = torch.stack([box(3, 8, 14, 13, size), box(17, 18, 28, 23, size), -torch.ones(size, size)])[None]
    images = torch.zeros(1, 3, size, size)
    images[:, 0] = (masks > 0).any(1).float()
    oracle = torch.zeros(1, 3, size, size)
    oracle[:, 1] = (oracle_masks > 0).any(1).float()
    return images, masks, oracle, oracle_masks


def test_a_perfect_translation_scores_one_and_zero():
    images, masks, oracle, oracle_masks = _case()
    m = evaluate_translations(images, masks, oracle, oracle_masks, oracle, oracle_masks, "B")
    assert m.instances == 2
    assert m.shape_success == 1 and m.oracle_iou == 1 and m.oracle_iou_above_half == 1
    assert m.background_l1 == 0 and m.change_iou == 1 and m.lost_instances == 0
    assert m.centroid_shift_px < 1.0


def test_identity_scores_zero_shape_success():
    images, masks, oracle, oracle_masks = _case()
    m = evaluate_translations(images, masks, images, masks, oracle, oracle_masks, "B")
    assert m.shape_success == 0 and m.background_l1 == 0 and m.centroid_shift_px == 0
    assert m.change_iou == 0


def test_shifted_masks_give_the_shift_and_lost_instances_count():
    images, masks, oracle, oracle_masks = _case()
    shifted = oracle_masks.roll(3, dims=-1)
    shifted[0, 1] = -1  # the second instance disappeared
    m = evaluate_translations(images, masks, oracle, shifted, oracle, oracle_masks, "B")
    assert m.lost_instances == 0.5 and m.shape_success == 0.5
    # instance 0: the oracle box's centre moved 3 px right; its own offset to the ellipse is (0.5, 0.5)
    expected = torch.tensor([8.5 - 8.0, 13.5 - 10.0]).norm().item()
    assert m.centroid_shift_px == pytest.approx(expected, abs=0.05)


def test_mask_free_methods_get_no_mask_measures():
    images, masks, oracle, oracle_masks = _case()
    m = evaluate_translations(images, masks, oracle, None, oracle, oracle_masks, "B")
    assert m.shape_success is None and m.background_l1 == 0


def test_reference_rows_on_the_benchmark():
    rows = reference_rows(size=32, n=40)
    assert rows["identity"]["AtoB"]["shape_success"] == 0 and rows["identity"]["BtoA"]["background_l1"] == 0
    assert rows["oracle"]["AtoB"]["shape_success"] > 0.9 and rows["oracle"]["AtoB"]["change_iou"] == 1
    assert rows["oracle"]["BtoA"]["shape_success"] > 0.75  # occluded ellipses can look rectangular
    batch = shapes_test_batch("A", 32, 3)
    assert batch["images"].shape == (3, 3, 32, 32) and batch["oracle_masks"].shape == (3, 4, 32, 32)


def test_vacated_l1_by_hand_and_on_the_references():
    images, masks, oracle, oracle_masks = _case()
    m_identity = evaluate_translations(images, masks, images, masks, oracle, oracle_masks, "B")
    m_perfect = evaluate_translations(images, masks, oracle, oracle_masks, oracle, oracle_masks, "B")
    # vacated pixels: inside an ellipse, outside both boxes; identity leaves red (1, 0, 0) on black
    assert m_identity.vacated_l1 == pytest.approx(1 / 3) and m_perfect.vacated_l1 == 0
    x = torch.zeros(3, 2, 2)
    oracle1 = x.clone()
    translated = x.clone()
    translated[:, 0, 1] = 0.6  # a ghost on the one vacated pixel
    translated[:, 1, 1] = 5.0  # a wrong pixel that is not vacated does not count
    a = box(0, 0, 1, 2, 2)[None]  # input object: the top row
    b = box(0, 0, 1, 1, 2)[None]  # oracle object: the top-left pixel
    assert vacated_l1(translated, oracle1, a, b) == pytest.approx(0.6)
    assert math.isnan(vacated_l1(translated, oracle1, b, a))  # nothing vacated


def test_whole_image_object_and_colour_measures_by_hand():
    oracle = torch.zeros(3, 4, 4)
    oracle[:, :2, :2] = torch.tensor([0.5, -0.5, 1.0])[:, None, None]  # object 0: the top-left 2×2 block
    oracle[:, 3, 3] = 1.0  # object 1: one pixel
    oracle_masks = -torch.ones(3, 4, 4)  # three slots, the last one absent
    oracle_masks[0, :2, :2] = 1
    oracle_masks[1, 3, 3] = 1
    translated = oracle.clone()
    translated[:, 0, 0] = torch.tensor([0.1, -0.5, 1.0])  # one pixel of object 0 off by 0.4 in red
    translated[:, 2, 0] = 0.3  # a background pixel off by 0.3 in every channel
    assert oracle_l1(translated, oracle) == pytest.approx((0.4 + 3 * 0.3) / 48)
    # inside the objects (5 pixels): only pixel (0, 0) is off, by 0.4 in one channel of three
    assert object_l1(translated, oracle, oracle_masks) == pytest.approx(0.4 / 3 / 5)
    # object 0's mean red is off by 0.4 / 4; object 1 is right; the absent slot gives nothing
    assert colour_errors(translated, oracle, oracle_masks) == pytest.approx([0.4 / 4 / 3, 0.0])
    assert math.isnan(object_l1(translated, oracle, -torch.ones(1, 4, 4)))


def test_colour_error_ignores_texture_but_sees_a_colour_shift():
    oracle = torch.zeros(3, 8, 8)
    masks = -torch.ones(1, 8, 8)
    masks[0, 2:6, 2:6] = 1
    texture = torch.where(torch.arange(64).reshape(8, 8) % 2 == 0, 0.2, -0.2)  # zero-mean on the object
    assert colour_errors(oracle + texture, oracle, masks) == pytest.approx([0.0], abs=1e-7)
    assert colour_errors(oracle + 0.3, oracle, masks) == pytest.approx([0.3])


def test_reference_rows_of_the_new_measures():
    rows = reference_rows(size=32, n=20)
    identity, oracle = rows["identity"]["AtoB"], rows["oracle"]["AtoB"]
    assert oracle["oracle_l1"] == 0 and oracle["object_l1"] == 0 and oracle["colour_error"] == 0
    # the identity differs from the oracle only where the shapes differ, so its colours are close
    assert 0 < identity["oracle_l1"] < identity["object_l1"] and identity["colour_error"] < identity["object_l1"]


def _one_row_scene():
    """A 1×4 scene: the input object covers pixels 0-1, the oracle object pixels 1-2 (same colour, 1)."""
    x, oracle = torch.zeros(3, 1, 4), torch.zeros(3, 1, 4)
    x[:, 0, :2], oracle[:, 0, 1:3] = 1.0, 1.0
    a, m = -torch.ones(1, 1, 4), -torch.ones(1, 1, 4)
    a[0, 0, :2], m[0, 0, 1:3] = 1.0, 1.0
    return x, oracle, a, m


def test_region_errors_by_hand():
    x, oracle, a, m = _one_row_scene()
    translated = oracle.clone()
    translated[:, 0, 0] = 0.5  # half a ghost on the vacated pixel 0
    translated[:, 0, 2] = 0.25  # the grown pixel 2 painted a quarter of the way
    translated[0, 0, 3] = 0.9  # a background pixel: in no region
    errors = region_errors(x, translated, oracle, a, m)
    # sums over the region; identity |x − x*|: vacated pixel 0 → 1, grown pixel 2 → 1, objects (1, 2) → 0 + 1
    assert errors["vacated"] == pytest.approx((0.5, 1.0))
    assert errors["grown"] == pytest.approx((0.75, 1.0))
    assert errors["objects"] == pytest.approx((0.75, 1.0))
    # the identity scores its own error, the oracle none; a region without pixels is left out
    assert region_errors(x, x, oracle, a, m)["grown"] == (1.0, 1.0)
    assert region_errors(x, oracle, oracle, a, m)["objects"] == (0.0, 1.0)
    assert set(region_errors(x, x, oracle, a, a)) == {"objects"}  # same masks: nothing vacated or grown


def test_objects_error_split_by_hand():
    x, oracle, a, m = _one_row_scene()
    translated = oracle.clone()
    translated[:, 0, 1] = 0.9  # the kept pixel 1 (x = x* = 1 there) dimmed by 0.1
    translated[:, 0, 2] = 0.25  # the grown pixel 2 painted a quarter of the way: error 0.75
    translated[:, 0, 0] = 0.5  # a ghost on the vacated pixel 0: outside the objects, in neither part
    split = objects_error_split(x, translated, oracle, m)
    assert split == pytest.approx(
        {"kept": 0.1, "changed": 0.75, "identity": 1.0, "kept_pixels": 1, "changed_pixels": 1}
    )
    # the two parts add up to the objects region of region_errors
    objects = region_errors(x, translated, oracle, a, m)["objects"]
    assert split["kept"] + split["changed"] == pytest.approx(objects[0])
    assert split["identity"] == pytest.approx(objects[1])
    # the identity loses nothing on kept pixels; a translation that repaints them does
    assert objects_error_split(x, x, oracle, m)["kept"] == 0.0
    # a different object on top (a colour change where both masks are on) counts as changed, not kept
    recoloured = oracle.clone()
    recoloured[:, 0, 1:3] = -0.5
    swap = objects_error_split(x, oracle, recoloured, m)
    assert (swap["kept_pixels"], swap["changed_pixels"]) == (0, 2)


def test_region_scores_are_ratios_to_the_identity_over_the_images():
    x, oracle, a, m = _one_row_scene()
    translated = oracle.clone()
    translated[:, 0, 0], translated[:, 0, 2] = 0.5, 0.25
    images, masks, oracles, oracle_masks = x[None].repeat(2, 1, 1, 1), a[None].repeat(2, 1, 1, 1), oracle[None], m[None]
    oracles, oracle_masks = oracles.repeat(2, 1, 1, 1), oracle_masks.repeat(2, 1, 1, 1)
    both = torch.stack([translated, x])  # image 0 as above, image 1 translated nothing
    metrics = evaluate_translations(images, masks, both, masks, oracles, oracle_masks)
    assert metrics.vacated_vs_identity == pytest.approx((0.5 + 1) / (1 + 1))
    assert metrics.grown_vs_identity == pytest.approx((0.75 + 1) / (1 + 1))
    assert metrics.objects_vs_identity == pytest.approx((0.75 + 1) / (1 + 1))
    # pooled over pixels, not averaged over images: a second image with a larger region weighs more
    wide_x, wide_oracle, wide_a, wide_m = x.clone(), oracle.clone(), a.clone(), m.clone()
    wide_x[:, 0, 3], wide_a[0, 0, 3] = 1.0, 1.0  # image 1 also vacates pixel 3
    pooled = evaluate_translations(
        torch.stack([x, wide_x]),
        torch.stack([a, wide_a]),
        torch.stack([translated, wide_oracle]),  # image 1 translated perfectly
        None,
        torch.stack([oracle, wide_oracle]),
        torch.stack([m, wide_m]),
    )
    assert pooled.vacated_vs_identity == pytest.approx((0.5 + 0) / (1 + 2))  # not (0.5 + 0) / 2
    identity = evaluate_translations(images, masks, images, masks, oracles, oracle_masks)
    perfect = evaluate_translations(images, masks, oracles, oracle_masks, oracles, oracle_masks)
    for name in ("vacated", "grown", "objects"):
        assert getattr(identity, f"{name}_vs_identity") == 1 and getattr(perfect, f"{name}_vs_identity") == 0
    no_oracle = evaluate_translations(images, masks, both, masks)
    assert no_oracle.vacated_vs_identity is None and no_oracle.objects_vs_identity is None


def test_reference_rows_score_one_and_zero_on_the_picture():
    rows = reference_rows(size=32, n=20)
    for direction in ("AtoB", "BtoA"):
        for name in ("vacated", "grown", "objects"):
            assert rows["identity"][direction][f"{name}_vs_identity"] == 1
            assert rows["oracle"][direction][f"{name}_vs_identity"] == 0
