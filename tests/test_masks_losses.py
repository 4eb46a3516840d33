"""Mask helpers, losses (computed by hand), the image pool and the schedule."""

from __future__ import annotations

import pytest
import torch

from instagan_lite import (
    ImagePool,
    context_preserving_loss,
    context_weight,
    cycle_loss,
    discriminator_loss,
    generator_gan_loss,
    instance_validity,
    largest_component,
    linear_decay_factor,
    mask_area,
    merge_masks,
    select_instances,
)
from tests.helpers import rect_masks


def test_validity_and_area():
    m = rect_masks([[(0, 0, 2, 2), (0, 0, 4, 4)]], 3, 4)
    assert instance_validity(m).tolist() == [[True, True, False]]
    torch.testing.assert_close(mask_area(m), torch.tensor([[0.25, 1.0, 0.0]]))


def test_merge_masks_is_a_clamped_soft_union():
    a = torch.tensor([[[[-1.0, 0.0]], [[0.0, 1.0]]]])  # (1, 2, 1, 2): (m+1)/2 = [0, .5] and [.5, 1]
    torch.testing.assert_close(merge_masks(a), torch.tensor([[[[0.0, 1.0]]]]))
    assert torch.equal(merge_masks(torch.empty(1, 0, 2, 2)), -torch.ones(1, 1, 2, 2))


def test_select_instances_keeps_the_largest_in_decreasing_order_and_pads():
    m = rect_masks([[(0, 0, 2, 2), (0, 0, 8, 8), (0, 0, 4, 4)]], 5, 8)
    sel, idx = select_instances(m, 2)
    assert idx.tolist() == [[1, 2]]
    assert torch.equal(sel, m[:, [1, 2]])
    sel, idx = select_instances(m, 6)
    assert idx.tolist() == [[1, 2, 0, -1, -1, -1]]
    assert torch.equal(sel[:, 3:], -torch.ones(1, 3, 8, 8))


def test_select_instances_random_order_shuffles_only_the_top_k():
    m = rect_masks([[(0, 0, 1, 1), (0, 0, 8, 8), (0, 0, 4, 4), (0, 0, 6, 6)]], 5, 8)
    seen = set()
    g = torch.Generator().manual_seed(0)
    for _ in range(30):
        _, idx3 = select_instances(m, 3, "random", g)
        assert sorted(idx3[0].tolist()) == [1, 2, 3]  # the top-3 set, never the smallest
        seen.add(tuple(idx3[0].tolist()))
    assert len(seen) > 1


def test_select_instances_rejects_unknown_order():
    with pytest.raises(ValueError, match="order must be one of"):
        select_instances(-torch.ones(1, 2, 4, 4), 2, "increasing")


def test_lsgan_losses_by_hand():
    assert generator_gan_loss(torch.tensor([0.0, 2.0])).item() == pytest.approx(1.0)  # ((−1)² + 1²) / 2
    # 0.5 · [((1−1)² + (0−1)²)/2 + (0² + 2²)/2] = 0.5 · [0.5 + 2] = 1.25
    assert discriminator_loss(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])).item() == pytest.approx(1.25)
    assert cycle_loss(torch.tensor([1.0, -1.0]), torch.tensor([0.0, 0.0])).item() == pytest.approx(1.0)


def test_context_loss_equals_a_hand_computed_value():
    # One 2×2 image, 3 channels. x = 0 everywhere; y' differs by 0.5, 1.0, 0.2, 0.4 at the four pixels.
    x = torch.zeros(1, 3, 2, 2)
    y = torch.tensor([[0.5, 1.0], [0.2, 0.4]]).expand(1, 3, 2, 2)
    a = torch.tensor([[[[1.0, -1.0], [-1.0, -1.0]]]])  # input instance at pixel (0, 0)
    b = torch.tensor([[[[-1.0, 0.0], [-1.0, -1.0]]]])  # generated mask half-on at pixel (0, 1)
    # w = 1 − clamp((a+1)/2 + (b+1)/2) = [[0, 0.5], [1, 1]]
    torch.testing.assert_close(context_weight(a, b), torch.tensor([[[[0.0, 0.5], [1.0, 1.0]]]]))
    # mean over 12 elements of w·|x − y'| = 3 · (0 + 0.5 + 0.2 + 0.4) / 12 = 0.275
    assert context_preserving_loss(x, y, a, b).item() == pytest.approx(0.275)


def test_context_weight_gradient_flows_into_generated_masks_unless_detached():
    x, y = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    a = -torch.ones(1, 1, 2, 2)
    b = torch.full((1, 1, 2, 2), -0.5, requires_grad=True)
    context_preserving_loss(x, y, a, b).backward()
    assert b.grad is not None and (b.grad < 0).all()  # growing the mask lowers the loss
    b2 = b.detach().clone().requires_grad_(True)
    y2 = y.clone().requires_grad_(True)
    context_preserving_loss(x, y2, a, b2, detach_weight=True).backward()
    assert b2.grad is None and y2.grad is not None


def test_image_pool_fills_then_swaps_about_half():
    pool = ImagePool(2, seed=0)
    first = pool.query(torch.stack([torch.full((1, 1, 1), float(i)) for i in range(2)]))
    assert first.flatten().tolist() == [0.0, 1.0] and len(pool) == 2
    swapped = 0
    for i in range(2, 402):
        out = pool.query(torch.full((1, 1, 1, 1), float(i)))
        swapped += out.item() != i
    assert 160 < swapped < 240  # ~50 % of 400
    assert len(pool) == 2


def test_image_pool_state_round_trip_reproduces_draws():
    pool = ImagePool(3, seed=1)
    for i in range(5):
        pool.query(torch.full((1, 2, 1, 1), float(i)))
    clone = ImagePool(3, seed=99)
    clone.load_state_dict(pool.state_dict())
    batch = torch.arange(8.0).reshape(4, 2, 1, 1)
    assert torch.equal(pool.query(batch), clone.query(batch))


def test_image_pool_size_zero_passes_through():
    batch = torch.rand(3, 4, 2, 2, requires_grad=True)
    out = ImagePool(0).query(batch)
    assert torch.equal(out, batch) and not out.requires_grad


def test_linear_decay_factor_matches_the_authors_lambda_rule():
    # niter = 2 constant epochs, niter_decay = 3: factors 1, 1, 1 − 1/4, 1 − 2/4, 1 − 3/4
    assert [linear_decay_factor(e, 2, 3) for e in range(5)] == [1.0, 1.0, 0.75, 0.5, 0.25]


def test_largest_component_keeps_the_biggest_4_connected_region():
    m = -torch.ones(3, 6, 6)
    m[0, 1:4, 1:3] = 0.7  # 6 pixels
    m[0, 5, 5] = 1  # a speck
    m[0, 0, 3] = 1  # touches the block only diagonally: not 4-connected
    m[1, 0:2, 0:2] = 1  # two equal regions: the one ending first in raster order stays
    m[1, 4:6, 4:6] = 1
    out = largest_component(m)
    expected = -torch.ones(3, 6, 6)
    expected[0, 1:4, 1:3] = 0.7
    expected[1, 0:2, 0:2] = 1
    torch.testing.assert_close(out, expected)  # the empty slot stays exactly -1
    torch.testing.assert_close(largest_component(m[None]), expected[None])  # any leading shape
