"""The CycleGAN and InstaGAN networks: parameter counts, the set semantics, batching, errors."""

from __future__ import annotations

import pytest
import torch

from instagan_lite import (
    PatchDiscriminator,
    ResnetGenerator,
    ResnetGeneratorConfig,
    SetDiscriminator,
    SetGenerator,
    SetGeneratorConfig,
)
from instagan_lite.layers import combine_image_output, compose_layers
from instagan_lite.model import ModelConfig
from tests.helpers import rect_masks


def n_trainable(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (ResnetGenerator.paper, 11_378_179),
        (PatchDiscriminator.paper, 2_764_737),
        (SetGenerator.paper, 26_815_108),
        (SetDiscriminator.paper, 9_721_729),
    ],
)
def test_paper_parameter_counts(factory, expected):
    assert n_trainable(factory()) == expected


def test_set_generator_part_sizes_match_the_authors():
    g = SetGenerator.paper()
    sizes = {
        name: n_trainable(getattr(g, name)) for name in ("encoder_img", "encoder_seg", "decoder_img", "decoder_seg")
    }
    assert sizes == {
        "encoder_img": 10_999_936,
        "encoder_seg": 10_993_664,
        "decoder_img": 1_493_763,
        "decoder_seg": 3_327_745,
    }


def test_generator_init_is_normal_002_with_zero_bias():
    g = SetGenerator.paper()
    w = g.encoder_img[10].conv_block[1].weight
    assert abs(w.std().item() - 0.02) < 1e-3
    assert g.encoder_img[10].conv_block[1].bias.abs().max().item() == 0


def test_output_shapes_and_ranges():
    g, d = SetGenerator.lite().eval(), SetDiscriminator.lite().eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    m = rect_masks([[(2, 2, 12, 20)], [(4, 4, 20, 10), (20, 20, 30, 30)]], 3, 32)
    y, b = g(x, m)
    assert y.shape == x.shape and b.shape == m.shape
    assert y.abs().max() <= 1 and b.abs().max() <= 1
    assert d(x, m).shape == (2, 1, 6, 6)  # 32 -> 16 -> 8 -> 7 -> 6
    assert SetDiscriminator.paper().eval()(torch.zeros(1, 3, 64, 64), -torch.ones(1, 2, 64, 64)).shape == (1, 1, 6, 6)


def _scene(k: int = 4):
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    m = rect_masks([[(0, 0, 10, 20), (12, 3, 30, 9), (15, 15, 25, 31)]], k, 32)
    return x, m


def test_image_output_invariant_and_masks_equivariant_to_slot_permutation():
    g = SetGenerator.lite().eval()
    x, m = _scene()
    perm = torch.tensor([2, 3, 0, 1])
    with torch.no_grad():
        y, b = g(x, m)
        y_p, b_p = g(x, m[:, perm])
    torch.testing.assert_close(y_p, y, atol=1e-5, rtol=0)
    torch.testing.assert_close(b_p, b[:, perm], atol=1e-5, rtol=0)


def test_discriminator_invariant_to_slot_permutation():
    d = SetDiscriminator.lite().eval()
    x, m = _scene()
    with torch.no_grad():
        torch.testing.assert_close(d(x, m[:, [3, 1, 0, 2]]), d(x, m), atol=1e-5, rtol=0)


def test_absent_slots_come_out_exactly_minus_one():
    g = SetGenerator.lite()
    x, m = _scene(k=6)
    _, b = g(x, m)
    assert torch.equal(b[:, 3:], -torch.ones_like(b[:, 3:]))
    assert not torch.equal(b[:, :3], m[:, :3])


def test_absent_slots_do_not_change_the_output():
    g = SetGenerator.lite().eval()
    x, m = _scene(k=3)
    with torch.no_grad():
        y, b = g(x, m)
        y_pad, b_pad = g(x, torch.cat([m, -torch.ones(1, 5, 32, 32)], 1))
    torch.testing.assert_close(y_pad, y, atol=1e-6, rtol=0)
    torch.testing.assert_close(b_pad[:, :3], b, atol=1e-6, rtol=0)


def test_batch_mixing_0_1_and_4_instances_equals_samples_one_at_a_time():
    g, d = SetGenerator.lite().eval(), SetDiscriminator.lite().eval()
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    m = rect_masks([[], [(3, 3, 15, 25)], [(0, 0, 8, 8), (10, 10, 20, 14), (22, 2, 30, 12), (16, 20, 31, 30)]], 4, 32)
    with torch.no_grad():
        y, b = g(x, m)
        scores = d(x, m)
        for i in range(3):
            y_i, b_i = g(x[i : i + 1], m[i : i + 1])
            assert (y[i : i + 1] - y_i).abs().max() <= 1e-5
            assert (b[i : i + 1] - b_i).abs().max() <= 1e-5
            assert (scores[i : i + 1] - d(x[i : i + 1], m[i : i + 1])).abs().max() <= 1e-5


def test_sample_with_zero_instances_translates_and_keeps_all_slots_empty():
    g = SetGenerator.lite()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    y, b = g(x, -torch.ones(2, 3, 32, 32))
    assert torch.isfinite(y).all() and torch.equal(b, -torch.ones_like(b))
    y0, b0 = g(x, torch.empty(2, 0, 32, 32))
    assert b0.shape == (2, 0, 32, 32) and torch.isfinite(y0).all()


def test_discriminator_uses_spectral_norm_on_every_conv():
    d = SetDiscriminator.lite()
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(hasattr(c, "parametrizations") and "weight" in c.parametrizations for c in convs)


@pytest.mark.parametrize(
    ("images", "masks", "message"),
    [
        (torch.zeros(3, 32, 32), torch.zeros(1, 1, 32, 32), "must be 4-D"),
        (torch.zeros(1, 4, 32, 32), torch.zeros(1, 1, 32, 32), "must have 3 channels"),
        (torch.zeros(1, 3, 30, 32), -torch.ones(1, 1, 30, 32), "multiples of 4"),
        (torch.zeros(1, 3, 32, 32), -torch.ones(2, 1, 32, 32), "do not match images"),
        (torch.zeros(1, 3, 32, 32), -torch.ones(1, 32, 32), "masks must be 4-D"),
    ],
)
def test_bad_inputs_raise_clear_errors(images, masks, message):
    with pytest.raises(ValueError, match=message):
        SetGenerator.lite()(images, masks)


def test_the_residual_image_output_starts_as_the_identity_and_keeps_the_masks_generated():
    g = SetGenerator(SetGeneratorConfig.lite(image_output="residual"))
    images = torch.rand(2, 3, 16, 16) * 2 - 1
    masks = rect_masks([[(2, 2, 10, 8)], [(4, 4, 12, 12)]], 2, 16)
    y, b = g(images, masks)
    assert torch.equal(y, images)  # zero-initialised last conv: y' = x exactly
    assert not torch.equal(b[:, 0], masks[:, 0])  # the masks are generated as usual
    assert sum(p.numel() for p in g.parameters()) == sum(p.numel() for p in SetGenerator.lite().parameters())


def test_a_removed_image_output_is_refused_by_name():
    expected = r"image output must be one of \('direct', 'residual', 'layered'\), got 'attention'"
    with pytest.raises(ValueError, match=expected):
        SetGenerator(SetGeneratorConfig.lite(image_output="attention"))


def test_layered_output_by_hand():
    """y' = clamp(x + 2·(s·Δ_o + (1 − s)·Δ_g)), s = merge(b') ∈ [0, 1]: pixel 1 inside a new instance takes
    the object change, pixel 2 outside every one the background change, pixel 3 (s = 0.5) half of each."""
    x = torch.tensor([[[[0.0, 0.0, 0.0]]]])
    out = torch.tensor([[[[0.2, 0.2, 0.2]], [[-0.1, -0.1, -0.1]]]])  # Δ_o = 0.2, Δ_g = -0.1 (1 channel, 2 layers)
    masks = torch.tensor([[[[1.0, -1.0, 0.0]], [[-1.0, -1.0, -1.0]]]])  # slot 2 absent
    y = compose_layers(x, out, masks)
    assert torch.allclose(y, torch.tensor([[[[0.4, -0.2, 0.1]]]]))
    assert torch.equal(compose_layers(x, 0.9 * torch.ones_like(out), masks), torch.ones_like(x))  # clamped


def test_layered_set_generator_starts_as_the_identity_and_its_outline_follows_the_masks():
    g = SetGenerator(SetGeneratorConfig.lite(image_output="layered"))
    assert g.decoder_img[-2].out_channels == 6  # an object and a background layer
    x, masks = torch.rand(2, 3, 16, 16) * 2 - 1, rect_masks([[(2, 2, 9, 12)], [(4, 4, 12, 8)]], 2, 16)
    y, _ = g(x, masks)
    assert torch.equal(y, x)
    with pytest.raises(ValueError, match=r"layered.*InstaGAN only"):
        ModelConfig("cyclegan", image_output="layered")


def test_image_outputs_by_hand():
    x = torch.tensor([[[[-1.0, 0.5]]]])
    direct = combine_image_output("direct", x, torch.tensor([[[[0.3, 0.3]]]]))
    assert torch.equal(direct, torch.tensor([[[[0.3, 0.3]]]]))
    # residual: x + 2·out, clamped: -1 + 2 = 1 and 0.5 + 2·0.5 = 1.5 -> 1
    residual = combine_image_output("residual", x, torch.tensor([[[[1.0, 0.5]]]]))
    assert torch.equal(residual, torch.tensor([[[[1.0, 1.0]]]]))


def test_residual_resnet_generator_starts_as_the_identity_and_needs_matching_channels():
    g = ResnetGenerator(ResnetGeneratorConfig(4, 4, ngf=8, n_blocks=1, image_output="residual"))
    x = torch.rand(2, 4, 16, 16) * 2 - 1
    assert torch.equal(g(x), x)
    with pytest.raises(ValueError, match="as many output channels"):
        ResnetGeneratorConfig(3, 4, image_output="residual")


def _mask_row_gradient(generator: ResnetGenerator, x: torch.Tensor) -> torch.Tensor:
    """|∂L/∂w| of the last conv's mask row for L = mean((mask' − 0.3)²): a loss that wants the mask
    changed everywhere (as a discriminator that sees the input's shape does)."""
    ((generator(x)[:, 3:] - 0.3) ** 2).mean().backward()
    last = generator.decoder[-2]
    return last.weight.grad[3].abs().sum() + last.bias.grad[3].abs()


def test_cyclegan_seg_mask_channel_is_a_direct_output_that_gets_gradient():
    """CycleGAN + Seg's generator: the image starts as the identity (residual), the mask channel is the
    direct tanh output. A residual on a mask of exactly ±1 is stuck: the clamp passes no gradient at ±1,
    so with Δ = 0 at the start its weights get exactly zero gradient, and the mask stays the input's."""
    from instagan_lite.model import TranslationModel

    x = torch.rand(2, 4, 16, 16) * 2 - 1
    x[:, 3] = torch.where(torch.rand(2, 16, 16) > 0.7, 1.0, -1.0)  # a binary mask channel
    g = TranslationModel.build("cyclegan_seg", "lite", seed=0).G_A.net
    assert g.config.mask_channels == 1
    y = g(x)
    assert torch.equal(y[:, :3], x[:, :3])  # the image: identity at the start
    assert y[:, 3].abs().max() < 1 and not torch.equal(y[:, 3], x[:, 3])  # the mask: tanh, not the input
    assert _mask_row_gradient(g, x) > 0

    stuck = ResnetGenerator(ResnetGeneratorConfig(4, 4, ngf=8, n_blocks=1, image_output="residual"))
    assert torch.equal(stuck(x), x)
    assert _mask_row_gradient(stuck, x) == 0  # the bug the mask_channels field fixes
    with pytest.raises(ValueError, match="at least one image channel"):
        ResnetGeneratorConfig(4, 4, mask_channels=4)


def test_model_config_architecture_fields_change_the_generators_and_survive_a_checkpoint(tmp_path):
    """generator_width / generator_blocks override the preset's ngf and blocks (InstaGAN and the baselines),
    are recorded in the training checkpoint, and the model loads back from it with the same weights."""
    from instagan_lite.model import ModelConfig, TranslationModel
    from instagan_lite.pretrained import load_model
    from instagan_lite.train import TrainConfig, Trainer

    lite = TranslationModel.build("instagan", "lite", seed=0)
    narrow = TranslationModel.build("instagan", "lite", seed=0, generator_width=8, generator_blocks=1)
    assert narrow.G_A.encoder_img[1].out_channels == 8 and lite.G_A.encoder_img[1].out_channels == 16
    assert sum(1 for m in narrow.G_A.encoder_img if type(m).__name__ == "ResnetBlock") == 1
    assert n_trainable(narrow.G_A) < n_trainable(lite.G_A) / 3
    assert n_trainable(narrow.D_A) == n_trainable(lite.D_A)  # the discriminators keep the preset's widths
    cyclegan = TranslationModel.build("cyclegan", "lite", generator_width=12)
    assert cyclegan.G_A.net.config.ngf == 12
    shallow = TranslationModel.build("instagan", "lite", seed=0, generator_downsampling=1)
    strides = [m.stride[0] for m in shallow.G_A.encoder_img if isinstance(m, torch.nn.Conv2d)]
    assert strides == [1, 2]
    features = shallow.G_A.encoder_img(torch.zeros(1, 3, 32, 32))
    assert features.shape == (1, 32, 16, 16) and shallow.G_A(*_scene())[0].shape == (1, 3, 32, 32)

    config = TrainConfig(out_dir=str(tmp_path), max_iterations=1, progress=False, sample_every=0, seed=0)
    trainer = Trainer(config.with_changes({"model.generator_width": 8, "model.generator_blocks": 1}))
    trainer.train_iteration()
    trainer.save(tmp_path / "checkpoint.pt")
    loaded = load_model(tmp_path / "checkpoint.pt")
    assert loaded.config.model == ModelConfig(generator_width=8, generator_blocks=1)
    for mine, theirs in zip(loaded.model.G_A.parameters(), trainer.translation_model().G_A.parameters(), strict=True):
        assert torch.equal(mine, theirs)


@pytest.mark.parametrize(
    ("field", "value"), [("generator_width", 0), ("generator_blocks", -1), ("generator_width", 2.5)]
)
def test_model_config_refuses_a_bad_architecture_field(field, value):
    from instagan_lite.model import ModelConfig

    with pytest.raises(ValueError, match=f"{field} must be a positive integer"):
        ModelConfig(**{field: value})
