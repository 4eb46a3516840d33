"""Sequential mini-batch translation: training-step semantics and (selective) inference."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from instagan_lite import (
    ImagePool,
    SequentialConfig,
    SetGenerator,
    TranslationModel,
    largest_component,
    sequential_translate,
    train_step,
    translate,
)
from instagan_lite.sequential import fill_vacated
from tests.conftest import rect_masks

EIGHT_BOXES = [(0, 0, 8, 8), (0, 8, 7, 15), (0, 16, 6, 22), (0, 24, 5, 29), (16, 0, 20, 4), (16, 8, 19, 11),
               (16, 16, 18, 18), (24, 24, 25, 26)]  # fmt: skip


def make_batch(n_instances: int, batch: int = 2, size: int = 32):
    images = torch.rand(batch, 3, size, size) * 2 - 1
    masks = rect_masks([EIGHT_BOXES[:n_instances]] * batch, max(n_instances, 1), size)
    return images, masks


def optimizers(model: TranslationModel):
    g = [p for net in model.generators for p in net.parameters()]
    d = [p for net in model.discriminators for p in net.parameters()]
    return torch.optim.Adam(g, 2e-4, betas=(0.5, 0.999)), torch.optim.Adam(d, 2e-4, betas=(0.5, 0.999))


class CountingOptimizer:
    """Wraps an optimizer and counts ``step`` calls."""

    def __init__(self, opt: torch.optim.Optimizer) -> None:
        self.opt, self.steps = opt, 0

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.opt.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        self.steps += 1
        self.opt.step()


class RecordingGenerator(nn.Module):
    """Records the image inputs of every call of the wrapped generator."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net, self.inputs = net, []

    def forward(self, images, masks):
        self.inputs.append(images)
        return self.net(images, masks)


class EarlierMasksProbe(nn.Module):
    """A D that checks, when called with masks that require grad, whether the first ``2·(m−1)`` mask
    channels (the earlier steps' generated masks) are connected to any generator parameter."""

    def __init__(self, net: nn.Module, params: list[torch.Tensor]) -> None:
        super().__init__()
        self.net, self.params, self.calls, self.leaks = net, params, 0, []

    def forward(self, images, masks):
        if masks.requires_grad:
            self.calls += 1
            earlier = masks[:, : 2 * (self.calls - 1)]
            if earlier.numel():
                grads = torch.autograd.grad(earlier.sum(), self.params, allow_unused=True, retain_graph=True)
                self.leaks.append(any(g is not None and g.abs().sum() > 0 for g in grads))
        return self.net(images, masks)


def test_eight_instances_two_per_step_make_four_g_and_four_d_updates_without_crossing_gradients():
    model = TranslationModel.build("instagan", "lite", seed=0)
    model.G_A = RecordingGenerator(model.G_A)
    model.D_A = EarlierMasksProbe(model.D_A, list(model.G_A.parameters()) + list(model.G_B.parameters()))
    opt_G, opt_D = (CountingOptimizer(o) for o in optimizers(model))
    images_A, masks_A = make_batch(8)
    images_B, masks_B = make_batch(8)
    history = train_step(model, opt_G, opt_D, (ImagePool(), ImagePool()), images_A, masks_A, images_B, masks_B,
                         SequentialConfig(ins_max=8, ins_per=2))  # fmt: skip
    assert len(history) == 4 and opt_G.steps == 4 and opt_D.steps == 4
    # G_A is called for x_m -> y'_m and, as G_YX, for the B side's cycle and identity: 3 calls per step.
    first_inputs = model.G_A.inputs[::3]
    assert torch.equal(first_inputs[0], images_A)
    assert all(not x.requires_grad and x.grad_fn is None for x in first_inputs[1:])
    assert model.D_A.calls == 4 and model.D_A.leaks == [False, False, False]


def test_every_loss_finite_and_every_parameter_moves_after_a_step():
    model = TranslationModel.build("instagan", "lite", seed=0)
    before = copy.deepcopy(model.state_dict())
    opt_G, opt_D = optimizers(model)
    images_A, masks_A = make_batch(4)
    images_B, masks_B = make_batch(3)
    history = train_step(model, opt_G, opt_D, (ImagePool(), ImagePool()), images_A, masks_A, images_B, masks_B)
    assert len(history) == 2
    expected = {f"{g}/{t}" for g in ("G_A", "G_B") for t in ("gan", "cycle", "identity", "context")}
    assert expected | {"G", "D_A", "D_B"} <= set(history[0])
    assert all(torch.isfinite(torch.tensor(v)) for step in history for v in step.values())
    after = model.state_dict()
    for name, _ in model.named_parameters():
        assert not torch.equal(before[name], after[name]), f"{name} did not move"


def test_one_shot_mode_is_one_step():
    model = TranslationModel.build("instagan", "lite", seed=0)
    opt_G, opt_D = (CountingOptimizer(o) for o in optimizers(model))
    a, ma = make_batch(4)
    history = train_step(model, opt_G, opt_D, (ImagePool(), ImagePool()), a, ma, a, ma, SequentialConfig(4, 4))
    assert len(history) == 1 and opt_G.steps == 1


def test_steps_stop_when_both_directions_run_out_of_instances():
    model = TranslationModel.build("instagan", "lite", seed=0)
    opt_G, opt_D = (CountingOptimizer(o) for o in optimizers(model))
    a, ma = make_batch(3)  # 3 instances: steps [0:2] and [2:4] run, [4:6] and [6:8] have none
    history = train_step(model, opt_G, opt_D, (ImagePool(), ImagePool()), a, ma, a, ma, SequentialConfig(8, 2))
    assert len(history) == 2 and opt_D.steps == 2


def test_a_sample_with_no_instances_in_the_batch_is_fine():
    model = TranslationModel.build("instagan", "lite", seed=0)
    opt_G, opt_D = optimizers(model)
    a, ma = make_batch(2)
    ma[0] = -1  # sample 0 has no instance at all (the authors' code crashes here, their issue #51)
    history = train_step(model, opt_G, opt_D, (ImagePool(), ImagePool()), a, ma, a, ma)
    assert len(history) == 1 and all(torch.isfinite(torch.tensor(v)) for v in history[0].values())


@pytest.mark.parametrize(("method", "channels"), [("cyclegan", 3), ("cyclegan_seg", 4)])
def test_baselines_share_the_step_runner(method, channels):
    model = TranslationModel.build(method, "lite", seed=0)
    opt_G, opt_D = optimizers(model)
    a, ma = make_batch(4)
    pools = (ImagePool(), ImagePool())
    history = train_step(model, opt_G, opt_D, pools, a, ma, a, ma, SequentialConfig(4, 2))
    assert len(history) == 1 and "G_A/context" not in history[0]
    assert pools[0].items[0].shape[0] == channels
    y, b = translate(model, a, ma)
    assert y.shape == a.shape and b.shape[1] == channels - 3


def test_sequential_translate_one_step_equals_a_direct_call():
    g = SetGenerator.lite().eval()
    x, m = make_batch(3, batch=1)
    y_seq, b_seq = sequential_translate(g, x, m, ins_per=3)
    with torch.no_grad():
        y, b = g(x, m)
    torch.testing.assert_close(y_seq, y)
    torch.testing.assert_close(b_seq, b)


def test_sequential_translate_feeds_the_image_forward_and_scatters_masks_to_their_slots():
    g = SetGenerator.lite().eval()
    x, m = make_batch(4, batch=1)
    perm = [2, 0, 3, 1]  # slot order differs from area order
    y, b = sequential_translate(g, x, m[:, perm], ins_per=2)
    with torch.no_grad():
        y1, b1 = g(x, m[:, [0, 1]])  # the two largest first
        y2, b2 = g(y1, m[:, [2, 3]])
    torch.testing.assert_close(y, y2)
    torch.testing.assert_close(b, torch.cat([b2[:, :1], b1[:, :1], b2[:, 1:], b1[:, 1:]], 1))


def test_selective_translation_with_paste_back_changes_only_the_chosen_instance():
    g = SetGenerator.lite().eval()
    x, m = make_batch(4, batch=2)
    y, b = sequential_translate(g, x, m, instances=[2], paste_back=True)
    assert torch.equal(b[:, [0, 1, 3]], m[:, [0, 1, 3]])
    assert not torch.equal(b[:, 2], m[:, 2])
    region = ((m[:, 2:3] > 0) | (b[:, 2:3] > 0)).expand_as(x)
    assert torch.equal(y[~region], x[~region])
    assert not torch.equal(y[region], x[region])


def test_selective_translation_rejects_bad_indices():
    g = SetGenerator.lite().eval()
    x, m = make_batch(2, batch=1)
    with pytest.raises(ValueError, match=r"instance indices must lie in \[0, 2\)"):
        sequential_translate(g, x, m, instances=[5])


def test_sequential_config_validates():
    with pytest.raises(ValueError, match="ins_per <= ins_max"):
        SequentialConfig(ins_max=2, ins_per=4)
    with pytest.raises(ValueError, match="method must be one of"):
        TranslationModel.build("pix2pix")


def test_fill_vacated_repaints_only_the_vacated_area_from_the_background():
    size = 12
    a = rect_masks([[(2, 1, 6, 11)]], 1, size)  # a wide object…
    b = rect_masks([[(1, 4, 10, 8)]], 1, size)  # …becomes a tall one
    background = torch.tensor([0.2, -0.4, 0.7])[:, None, None].expand(3, size, size)
    x = background.clone()[None]
    x[:, :, 2:6, 1:11] = torch.tensor([1.0, 1.0, -1.0])[:, None, None]  # the old object's colour (a ghost)
    x[:, :, 1:10, 4:8] = -1.0  # the new object
    y = fill_vacated(x, a, b)
    vacated = (a[0, 0] > 0) & ~(b[0, 0] > 0)
    # a constant background is reproduced exactly, whatever the ring order
    torch.testing.assert_close(y[0][:, vacated], background[:, vacated])
    assert torch.equal(y[0][:, ~vacated], x[0][:, ~vacated])  # the new object and the background: untouched
    # no object colour bleeds in: the fill only reads pixels outside both shapes
    assert y[0][:, vacated].min() > -0.41


def test_fill_vacated_leaves_walled_in_pixels_and_images_without_vacated_area_alone():
    x = torch.rand(1, 3, 8, 8)
    a = rect_masks([[(3, 3, 5, 5)]], 1, 8)
    ring = rect_masks([[(2, 2, 6, 6)]], 1, 8)
    ring[0, 0, 3:5, 3:5] = -1  # the new shape surrounds the vacated pixels
    assert torch.equal(fill_vacated(x, a, ring), x)
    assert torch.equal(fill_vacated(x, a, a), x)


def test_sequential_translate_clean_and_fill_options():
    g = SetGenerator.lite().eval()
    x, m = make_batch(3, batch=2)
    y, b = sequential_translate(g, x, m, ins_per=3)  # one step: later steps would see a different image
    y_clean, b_clean = sequential_translate(g, x, m, ins_per=3, clean_masks=True, fill_background=True)
    # every cleaned mask is a subset of the raw one and holds one 4-connected region
    assert not ((b_clean > 0) & ~(b > 0)).any()
    torch.testing.assert_close(largest_component(b_clean), b_clean)
    # the fill changes only pixels inside an input instance and outside every cleaned generated one
    vacated = ((m > 0).any(1) & ~(b_clean > 0).any(1))[:, None].expand_as(y)
    assert torch.equal(y_clean[~vacated], y[~vacated]) and not torch.equal(y_clean[vacated], y[vacated])
