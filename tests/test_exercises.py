"""The notebooks' exercises: every solution passes its check; every stub and a plausible wrong answer fail
with a message that helps, without giving the answer away."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from instagan_lite import exercises as ex
from instagan_lite.losses import context_preserving_loss, cycle_loss, generator_gan_loss, identity_loss
from instagan_lite.masks import instance_validity, pad_masks

# --- solutions (the same code the notebooks hold between their solution markers) ---------------------


class ResnetBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
            nn.ReLU(),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class ReluAfterAddition(ResnetBlock):
    def forward(self, x):
        return torch.relu(x + self.conv_block(x))


def cyclegan_loss(G_A, G_B, D_A, D_B, x, y, weights):
    fake_y, fake_x = G_A(x), G_B(y)
    gan = generator_gan_loss(D_A(fake_y)) + generator_gan_loss(D_B(fake_x))
    cyc = cycle_loss(G_B(fake_y), x) + cycle_loss(G_A(fake_x), y)
    idt = identity_loss(G_B(x), x) + identity_loss(G_A(y), y)
    return gan + weights.cycle * cyc + weights.identity * idt


def cyclegan_loss_wrong_identity(G_A, G_B, D_A, D_B, x, y, weights):
    fake_y, fake_x = G_A(x), G_B(y)
    gan = generator_gan_loss(D_A(fake_y)) + generator_gan_loss(D_B(fake_x))
    cyc = cycle_loss(G_B(fake_y), x) + cycle_loss(G_A(fake_x), y)
    idt = identity_loss(G_A(x), x) + identity_loss(G_B(y), y)
    return gan + weights.cycle * cyc + weights.identity * idt


def set_sum(encoder, masks):
    valid = instance_validity(masks)
    sums = []
    for i in range(masks.shape[0]):
        present = masks[i][valid[i]][:, None]
        features = encoder(present).sum(0) if present.shape[0] else None
        sums.append(features)
    template = next(s for s in sums if s is not None)
    return torch.stack([s if s is not None else torch.zeros_like(template) for s in sums])


def set_sum_of_every_slot(encoder, masks):
    b, k, h, w = masks.shape
    return encoder(masks.reshape(b * k, 1, h, w)).reshape(b, k, *encoder(masks[:1, :1]).shape[1:]).sum(1)


def set_discriminator(D, images, masks):
    return D.classifier(torch.cat([D.feature_img(images), set_sum(D.feature_seg, masks)], 1))


def set_discriminator_swapped(D, images, masks):
    return D.classifier(torch.cat([set_sum(D.feature_seg, masks), D.feature_img(images)], 1))


def context_weight(a, b):
    union = ((a + 1) / 2).sum(1, keepdim=True) + ((b + 1) / 2).sum(1, keepdim=True)
    return 1 - union.clamp(0, 1)


def context_weight_without_clamp(a, b):
    return 1 - (((a + 1) / 2).sum(1, keepdim=True) + ((b + 1) / 2).sum(1, keepdim=True))


def context_loss(x, y_fake, a, b_fake, y, x_fake, b, a_fake):
    first = (context_weight(a, b_fake) * (x - y_fake).abs()).mean()
    second = (context_weight(b, a_fake) * (y - x_fake).abs()).mean()
    return first + second


def context_loss_one_direction(x, y_fake, a, b_fake, y, x_fake, b, a_fake):
    return context_preserving_loss(x, y_fake, a, b_fake)


def sequential_loop(G, x, masks, ins_per):
    steps = []
    for start in range(0, masks.shape[1], ins_per):
        y, b = G(x, masks[:, start : start + ins_per])
        steps.append((y, b))
        x = y.detach()
    return steps


def sequential_loop_without_detach(G, x, masks, ins_per):
    steps = []
    for start in range(0, masks.shape[1], ins_per):
        y, b = G(x, masks[:, start : start + ins_per])
        steps.append((y, b))
        x = y
    return steps


def aggregated_fake(y_m, earlier, b_m, slots):
    masks = torch.cat([*(m.detach() for m in earlier), b_m], 1)
    return torch.cat([y_m, pad_masks(masks, slots)], 1)


def aggregated_fake_not_detached(y_m, earlier, b_m, slots):
    return torch.cat([y_m, pad_masks(torch.cat([*earlier, b_m], 1), slots)], 1)


def generator_objective(model, x, a, y, b, weights):
    total = 0
    for G, G_back, D, image, masks in (
        (model.G_A, model.G_B, model.D_A, x, a),
        (model.G_B, model.G_A, model.D_B, y, b),
    ):
        fake, fake_masks = G(image, masks)
        rec, rec_masks = G_back(fake, fake_masks)
        idt, idt_masks = G_back(image, masks)
        real = torch.cat([image, masks], 1)
        total = total + generator_gan_loss(D(fake, fake_masks))
        total = total + weights.cycle * cycle_loss(torch.cat([rec, rec_masks], 1), real)
        total = total + weights.identity * identity_loss(torch.cat([idt, idt_masks], 1), real)
        total = total + weights.context * context_preserving_loss(image, fake, masks, fake_masks)
    return total


def generator_objective_without_context(model, x, a, y, b, weights):
    from instagan_lite.losses import LossWeights

    return generator_objective(model, x, a, y, b, LossWeights(weights.cycle, weights.identity, 0.0))


def stub(*args, **kwargs):
    raise NotImplementedError


class StubBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        raise NotImplementedError


CASES = {
    # exercise: (solution, a plausible wrong answer, what the message must say about it)
    "resnet_block": (ResnetBlock, ReluAfterAddition, "ReLU after the addition"),
    "cyclegan_generator_loss": (cyclegan_loss, cyclegan_loss_wrong_identity, "partner"),
    "set_sum": (set_sum, set_sum_of_every_slot, "absent slots"),
    "set_discriminator": (set_discriminator, set_discriminator_swapped, "image features come first"),
    "context_weight": (context_weight, context_weight_without_clamp, "must lie in [0, 1]"),
    "context_loss": (context_loss, context_loss_one_direction, "only one direction"),
    "sequential_loop": (sequential_loop, sequential_loop_without_detach, "detach"),
    "aggregated_fake": (aggregated_fake, aggregated_fake_not_detached, "detach"),
    "generator_objective": (generator_objective, generator_objective_without_context, "context-preserving"),
}


def test_every_exercise_has_a_case():
    assert set(CASES) == set(ex.EXERCISES) and len(CASES) >= 8


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_solution_passes(name, capsys):
    check = ex.EXERCISES[name][1]
    check(CASES[name][0])
    assert f"✓ {name}: passed" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_stub_fails_with_a_reminder(name):
    check = ex.EXERCISES[name][1]
    with pytest.raises(ex.ExerciseError, match="not written yet"):
        check(StubBlock if name == "resnet_block" else stub)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_plausible_wrong_answer_fails_with_its_hint(name):
    check = ex.EXERCISES[name][1]
    _, wrong, hint = CASES[name]
    with pytest.raises(ex.ExerciseError, match=re.escape(hint)):
        check(wrong)
