# ruff: noqa: E501  (a catalogue: one wrong answer per line reads best)
"""A catalogue of plausible wrong answers to the notebooks' exercises, each with the words its check must
answer with (tests/test_exercises.py runs them; scripts/exercise_catalogue.py writes the table of
docs/exercise_checks.md). Written as a learner would write them: the notebook's solution with one slip."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from instagan_lite.losses import context_preserving_loss, cycle_loss, generator_gan_loss, identity_loss
from instagan_lite.masks import instance_validity, pad_masks

# --- 01 · resnet_block: classes taking `channels` ------------------------------------------------------


def _block(layers: Callable[[int], list[nn.Module]], forward: Callable | None = None) -> type[nn.Module]:
    class Block(nn.Module):
        def __init__(self, channels: int) -> None:
            super().__init__()
            self.conv_block = nn.Sequential(*layers(channels))

        def forward(self, x):
            return forward(self, x) if forward else x + self.conv_block(x)

    return Block


def _layers(c: int, pad=nn.ReflectionPad2d, norm=nn.InstanceNorm2d, last_norm=True, end_relu=False):
    tail = [norm(c)] if last_norm else []
    return [pad(1), nn.Conv2d(c, c, 3), norm(c), nn.ReLU(), pad(1), nn.Conv2d(c, c, 3), *tail] + (
        [nn.ReLU()] if end_relu else []
    )


class NamedBody(nn.Module):
    """The right layers under another name."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*_layers(channels))

    def forward(self, x):
        return x + self.body(x)


RESNET_BLOCK = [
    (
        "x.add_(F(x)): the addition done in place on the input",
        lambda channels: block_in_place(channels),
        "changes its argument x in place",
    ),
    (
        "a ReLU after the addition",
        _block(_layers, lambda self, x: torch.relu(x + self.conv_block(x))),
        "ReLU after the addition",
    ),
    ("no skip connection", _block(_layers, lambda self, x: self.conv_block(x)), "skip connection is missing"),
    ("ZeroPad2d instead of ReflectionPad2d", _block(lambda c: _layers(c, pad=nn.ZeroPad2d)), "padded with zeros"),
    ("ReplicationPad2d", _block(lambda c: _layers(c, pad=nn.ReplicationPad2d)), "copies of the edge pixels"),
    ("the last InstanceNorm left out", _block(lambda c: _layers(c, last_norm=False)), "ends without its normalisation"),
    ("a ReLU at the end of F", _block(lambda c: _layers(c, end_relu=True)), "ends with a ReLU"),
    (
        "BatchNorm2d instead of InstanceNorm2d",
        _block(lambda c: _layers(c, norm=nn.BatchNorm2d)),
        "which the library's lacks",
    ),
    (
        "Conv2d(padding=1, padding_mode='reflect') instead of pad layers",
        _block(
            lambda c: [
                nn.Conv2d(c, c, 3, padding=1, padding_mode="reflect"),
                nn.InstanceNorm2d(c),
                nn.ReLU(),
                nn.Conv2d(c, c, 3, padding=1, padding_mode="reflect"),
                nn.InstanceNorm2d(c),
            ]
        ),
        "conv_block.1.weight",
    ),
    ("the layers named body, not conv_block", NamedBody, "conv_block.1.weight, conv_block.1.bias"),
]

# --- 01 · cyclegan_generator_loss(G_A, G_B, D_A, D_B, x, y, weights) ------------------------------------


def _cyclegan(slip: str):
    def loss(G_A, G_B, D_A, D_B, x, y, weights):
        fake_y, fake_x = G_A(x), G_B(y)
        judged = (fake_y.detach(), fake_x.detach()) if slip == "detach_gan" else (fake_y, fake_x)
        gan = generator_gan_loss(D_A(judged[0])) + generator_gan_loss(D_B(judged[1]))
        cyc_in = (fake_y.detach(), fake_x.detach()) if slip == "detach_cycle" else (fake_y, fake_x)
        if slip == "same_generator":
            cycle = cycle_loss(G_A(cyc_in[0]), x) + cycle_loss(G_B(cyc_in[1]), y)
        else:
            cycle = cycle_loss(G_B(cyc_in[0]), x) + cycle_loss(G_A(cyc_in[1]), y)
        if slip == "identity_by_translator":
            identity = identity_loss(G_A(x), x) + identity_loss(G_B(y), y)
        else:
            identity = identity_loss(G_B(x), x) + identity_loss(G_A(y), y)
        l_cyc, l_idt = (weights.identity, weights.cycle) if slip == "swapped" else (weights.cycle, weights.identity)
        if slip == "one_weight":
            l_idt = weights.cycle
        total = gan + l_cyc * cycle + l_idt * identity
        if slip == "item":
            return torch.tensor(total.item())
        if slip == "no_identity":
            return gan + l_cyc * cycle
        if slip == "one_direction":
            return (
                generator_gan_loss(D_A(fake_y)) + l_cyc * cycle_loss(G_B(fake_y), x) + l_idt * identity_loss(G_B(x), x)
            )
        if slip == "mean":
            return total / 2
        return total

    return loss


CYCLEGAN_GENERATOR_LOSS = [
    (
        "λ_idt forgotten: the identity terms added unweighted",
        lambda *args: cyclegan_no_identity_weight(*args),
        "λ_idt is missing",
    ),
    ("the fake detached before the cycle", _cyclegan("detach_cycle"), "cycle term sends no gradient"),
    ("the fake detached before D", _cyclegan("detach_gan"), "adversarial term sends no gradient"),
    ("the identity through the translating generator", _cyclegan("identity_by_translator"), "translating generator"),
    ("the cycle back through the same generator", _cyclegan("same_generator"), "same generator"),
    ("λ_cyc and λ_idt swapped", _cyclegan("swapped"), "λ_cyc and λ_idt are swapped"),
    ("λ_cyc used for both terms", _cyclegan("one_weight"), "weighted by λ_cyc"),
    ("the value returned as a new tensor from .item()", _cyclegan("item"), "carries no gradient"),
    ("the identity terms forgotten", _cyclegan("no_identity"), "identity terms are missing"),
    ("only X → Y", _cyclegan("one_direction"), "only one direction"),
    ("the two directions averaged", _cyclegan("mean"), "mean of the two directions"),
]

# --- 02 · set_sum(encoder, masks) --------------------------------------------------------------------------


def _encode_slots(encoder, masks):
    b, k = masks.shape[:2]
    features = encoder(masks.reshape(b * k, 1, *masks.shape[2:]))
    return features.reshape(b, k, *features.shape[1:])


def set_sum_every_slot(encoder, masks):
    return _encode_slots(encoder, masks).sum(1)


def set_sum_over_batch(encoder, masks):
    present = instance_validity(masks)[..., None, None, None]
    total = (_encode_slots(encoder, masks) * present).sum((0, 1))
    return total.expand(masks.shape[0], *total.shape)


def set_sum_mean(encoder, masks):
    present = instance_validity(masks)[..., None, None, None]
    return (_encode_slots(encoder, masks) * present).sum(1) / present.sum(1).clamp(min=1)


def set_sum_max(encoder, masks):
    present = instance_validity(masks)[..., None, None, None]
    return (_encode_slots(encoder, masks) * present).amax(1)


def set_sum_of_union(encoder, masks):
    return encoder(masks.max(1, keepdim=True).values)


def set_sum_loop_of_slots(encoder, masks):
    """Encodes slot by slot and keeps the last one."""
    out = None
    for k in range(masks.shape[1]):
        out = encoder(masks[:, k : k + 1])
    return out


def set_sum_keeps_slots(encoder, masks):
    present = instance_validity(masks)[..., None, None, None]
    return _encode_slots(encoder, masks) * present


SET_SUM = [
    ("a loop over the slots that stops one short", lambda *args: set_sum_skip_last(*args), "last slot is left out"),
    (
        "torch.no_grad() around the encoder",
        lambda *args: set_sum_no_grad(*args),
        "no gradient reaches the mask encoder",
    ),
    ("the masks made hard with torch.where(masks > 0, 1, -1)", lambda *args: set_sum_hard(*args), "made hard"),
    (
        "absent slots zeroed in place (masks[~present] = 0)",
        lambda *args: set_sum_in_place(*args),
        "changes its argument masks in place",
    ),
    ("absent slots encoded and added", set_sum_every_slot, "absent slots"),
    ("the sum over the whole batch", set_sum_over_batch, "whole batch"),
    ("a mean over the instances", set_sum_mean, "that is a mean"),
    ("a max over the instances", set_sum_max, "maximum"),
    ("the union of the masks encoded once", set_sum_of_union, "merged before encoding"),
    ("a loop that keeps the last slot's features", set_sum_loop_of_slots, "differ from Σ_i f_GA(a_i)"),
    ("the features per slot, not summed", set_sum_keeps_slots, "one set feature per sample"),
]

# --- 02 · set_discriminator(D, images, masks) ----------------------------------------------------------


def _scores(D, images, set_feature):
    return D.classifier(torch.cat([D.feature_img(images), set_feature], 1))


def _summed(encoder, masks):
    present = instance_validity(masks)[..., None, None, None]
    return (_encode_slots(encoder, masks) * present).sum(1)


SET_DISCRIMINATOR = [
    ("D called as a whole", lambda D, images, masks: D(images, masks), "calls D(images, masks) itself"),
    (
        "the features concatenated mask-first",
        lambda D, images, masks: D.classifier(torch.cat([_summed(D.feature_seg, masks), D.feature_img(images)], 1)),
        "other order",
    ),
    (
        "absent slots encoded",
        lambda D, images, masks: _scores(D, images, set_sum_every_slot(D.feature_seg, masks)),
        "absent slots",
    ),
    (
        "a mean over the instances",
        lambda D, images, masks: _scores(D, images, set_sum_mean(D.feature_seg, masks)),
        "that is a mean",
    ),
    (
        "the union of the masks encoded once",
        lambda D, images, masks: _scores(D, images, set_sum_of_union(D.feature_seg, masks)),
        "merged before encoding",
    ),
    (
        "image and set features added instead of concatenated",
        lambda D, images, masks: D.classifier(D.feature_img(images) + _summed(D.feature_seg, masks)),
        "your code raised RuntimeError",
    ),
    (
        "the masks' feature only",
        lambda D, images, masks: D.classifier(torch.cat([_summed(D.feature_seg, masks)] * 2, 1)),
        "scores differ",
    ),
]  # fmt: skip

# --- 03 · context_weight(a, b) --------------------------------------------------------------------------


def _union(a, b):
    return ((a + 1) / 2).sum(1, keepdim=True) + ((b + 1) / 2).sum(1, keepdim=True)


CONTEXT_WEIGHT = [
    (
        "a.add_(1).div_(2): the input converted in place",
        lambda *args: weight_in_place(*args),
        "changes its argument a in place",
    ),
    ("no clamp", lambda a, b: 1 - _union(a, b), "not clamped"),
    (
        "1 − min, the paper's wording",
        lambda a, b: 1 - torch.minimum(((a + 1) / 2).amax(1, keepdim=True), ((b + 1) / 2).amax(1, keepdim=True)),
        "1 − min",
    ),
    (
        "the masks used without (m + 1)/2",
        lambda a, b: 1 - (a.sum(1, keepdim=True) + b.sum(1, keepdim=True)).clamp(0, 1),
        "[-1, 1] values",
    ),
    ("b' detached", lambda a, b: 1 - _union(a, b.detach()).clamp(0, 1), "no gradient reaches the generated masks"),
    ("the union returned, not 1 − union", lambda a, b: _union(a, b).clamp(0, 1), "the union itself"),
    ("b' left out", lambda a, b: 1 - ((a + 1) / 2).sum(1, keepdim=True).clamp(0, 1), "b' are left out"),
    (
        "instances merged by max",
        lambda a, b: 1 - (((a + 1) / 2).amax(1, keepdim=True) + ((b + 1) / 2).amax(1, keepdim=True)).clamp(0, 1),
        "maximum",
    ),
    ("keepdim forgotten", lambda a, b: 1 - (((a + 1) / 2).sum(1) + ((b + 1) / 2).sum(1)).clamp(0, 1), "expected shape"),
    (
        "the union thresholded (a hard mask)",
        lambda a, b: 1 - (_union(a, b) > 0.5).float(),
        "differs from 1 − clamp",
    ),
]

# --- 03 · context_loss(x, y_fake, a, b_fake, y, x_fake, b, a_fake) ------------------------------------


def _w(a, b):
    return 1 - _union(a, b).clamp(0, 1)


CONTEXT_LOSS = [
    (
        "w detached",
        lambda x, yf, a, bf, y, xf, b, af: (
            (_w(a, bf).detach() * (x - yf).abs()).mean() + (_w(b, af).detach() * (y - xf).abs()).mean()
        ),
        "no gradient reaches the generated masks through w",
    ),
    (
        "w detached in the A → B term only",
        lambda x, yf, a, bf, y, xf, b, af: (
            (_w(a, bf).detach() * (x - yf).abs()).mean() + (_w(b, af) * (y - xf).abs()).mean()
        ),
        "no gradient reaches the generated mask b' through w in the A → B term",
    ),
    ("one direction", lambda x, yf, a, bf, y, xf, b, af: (_w(a, bf) * (x - yf).abs()).mean(), "only one direction"),
    (
        "no weight",
        lambda x, yf, a, bf, y, xf, b, af: (x - yf).abs().mean() + (y - xf).abs().mean(),
        "not weighted by w",
    ),
    (
        "the weight inverted",
        lambda x, yf, a, bf, y, xf, b, af: (
            ((1 - _w(a, bf)) * (x - yf).abs()).mean() + ((1 - _w(b, af)) * (y - xf).abs()).mean()
        ),
        "inverted",
    ),
    (
        "w(a, a') and w(b, b')",
        lambda x, yf, a, bf, y, xf, b, af: (_w(a, af) * (x - yf).abs()).mean() + (_w(b, bf) * (y - xf).abs()).mean(),
        "other direction's generated masks",
    ),
    (
        "squared differences",
        lambda x, yf, a, bf, y, xf, b, af: (_w(a, bf) * (x - yf) ** 2).mean() + (_w(b, af) * (y - xf) ** 2).mean(),
        "squared",
    ),
    (
        "a sum, not a mean",
        lambda x, yf, a, bf, y, xf, b, af: (_w(a, bf) * (x - yf).abs()).sum() + (_w(b, af) * (y - xf).abs()).sum(),
        "sum over the pixels",
    ),
    (
        "the fakes detached",
        lambda x, yf, a, bf, y, xf, b, af: (
            (_w(a, bf) * (x - yf.detach()).abs()).mean() + (_w(b, af) * (y - xf.detach()).abs()).mean()
        ),
        "no gradient reaches the translated images",
    ),
    (
        "w from the real masks of both domains",
        lambda x, yf, a, bf, y, xf, b, af: (_w(a, b) * (x - yf).abs()).mean() + (_w(b, a) * (y - xf).abs()).mean(),
        "both domains' real masks",
    ),
]

# --- 04 · sequential_loop(G, x, masks, ins_per) -----------------------------------------------------------


def _detached(masks: list[torch.Tensor]) -> list[torch.Tensor]:
    return [m.detach() for m in masks]


def _loop(slip: str):
    def loop(G, x, masks, ins_per):
        steps = []
        starts = (
            range(0, masks.shape[1] - ins_per + 1, ins_per)
            if slip == "drop_partial"
            else range(0, masks.shape[1], ins_per)
        )
        image = x
        for start in starts:
            step_masks = masks[:, : start + ins_per] if slip == "cumulative" else masks[:, start : start + ins_per]
            y, b = G(x if slip == "original_x" else image, step_masks)
            steps.append((y.detach(), b.detach()) if slip == "detach_outputs" else (y, b))
            image = y if slip == "no_detach" else y.detach()
        if slip == "last_only":
            return steps[-1]
        return steps

    return loop


SEQUENTIAL_LOOP = [
    ("masks.chunk(ceil(K / ins_per))", lambda *args: loop_chunk(*args), "the steps took [2, 2] instances, not [3, 1]"),
    ("each pair returned as (b', y')", lambda *args: loop_pair_swapped(*args), "masks first and the image second"),
    ("x.copy_(y.detach()) to feed the next step", lambda *args: loop_copy_into_x(*args), "changes its argument x in place"),
    ("no detach between steps", _loop("no_detach"), "still carries step 1's graph"),
    ("the returned y′ and b′ detached", _loop("detach_outputs"), "carries no gradient"),
    ("only the last (y, b) returned", _loop("last_only"), "single (y', b') pair"),
    ("every step on the original x", _loop("original_x"), "sees the original image x"),
    ("masks[:, :end]: earlier instances again", _loop("cumulative"), "include earlier steps' instances"),
    ("the partial last step dropped", _loop("drop_partial"), "partial step"),
    ("all masks in one call", lambda G, x, masks, ins_per: [G(x, masks)], "G was called once"),
]  # fmt: skip

# --- 04 · aggregated_fake(y_m, earlier, b_m, slots) ------------------------------------------------------

AGGREGATED_FAKE = [
    ("only earlier[-1], the previous step's masks", lambda *args: aggregated_last_only(*args), "only the previous step's masks"),
    ("reversed(earlier)", lambda *args: aggregated_reversed(*args), "reverse order"),
    ("earlier[i] = earlier[i].detach() in the caller's list", lambda *args: aggregated_replaces_items(*args), "changes its argument earlier"),
    (
        "earlier masks not detached",
        lambda y_m, earlier, b_m, slots: torch.cat([y_m, pad_masks(torch.cat([*earlier, b_m], 1), slots)], 1),
        "gradient reaches the earlier steps' masks",
    ),
    (
        "everything detached",
        lambda y_m, earlier, b_m, slots: torch.cat([y_m, pad_masks(torch.cat([*earlier, b_m], 1), slots)], 1).detach(),
        "no gradient reaches y'_m",
    ),
    (
        "the current masks first",
        lambda y_m, earlier, b_m, slots: torch.cat(
            [y_m, pad_masks(torch.cat([b_m, *_detached(earlier)], 1), slots)], 1
        ),
        "current step's masks come before",
    ),
    (
        "padded with zeros",
        lambda y_m, earlier, b_m, slots: torch.cat(
            [y_m, *(e.detach() for e in earlier), b_m, torch.zeros(b_m.shape[0], slots - 2 * (len(earlier) + 1), *b_m.shape[2:])], 1
        ),
        "padding slots are 0",
    ),
    (
        "no padding",
        lambda y_m, earlier, b_m, slots: torch.cat([y_m, *(e.detach() for e in earlier), b_m], 1),
        "expected shape (2, 11, 8, 8)",
    ),
    (
        "the earlier masks left out",
        lambda y_m, earlier, b_m, slots: torch.cat([y_m, pad_masks(b_m, slots)], 1),
        "earlier steps' masks are missing",
    ),
    (
        "y′ detached too",
        lambda y_m, earlier, b_m, slots: torch.cat(
            [y_m.detach(), pad_masks(torch.cat([*_detached(earlier), b_m], 1), slots)], 1
        ),
        "no gradient reaches y'_m",
    ),
]  # fmt: skip

# --- 05 · generator_objective(model, x, a, y, b, weights) ------------------------------------------------


def _objective(slip: str):
    def objective(model, x, a, y, b, weights):
        total = 0
        directions = ((model.G_A, model.G_B, model.D_A, x, a), (model.G_B, model.G_A, model.D_B, y, b))
        if slip == "one_direction":
            directions = directions[:1]
        l_cyc, l_idt, l_ctx = weights.cycle, weights.identity, weights.context
        if slip == "swapped":
            l_cyc, l_idt = l_idt, l_cyc
        if slip == "cycle_by_identity_weight":
            l_cyc = l_idt
        for G, G_back, D, image, masks in directions:
            fake, fake_masks = G(image, masks)
            rec, rec_masks = G_back(fake, fake_masks)
            idt, idt_masks = (G if slip == "identity_by_translator" else G_back)(image, masks)
            real = torch.cat([image, masks], 1)
            judged = fake_masks.detach() if slip == "detach_masks_for_d" else fake_masks
            total = total + generator_gan_loss(D(fake, judged))
            if slip == "cycle_images_only":
                total = total + l_cyc * cycle_loss(rec, image)
            else:
                total = total + l_cyc * cycle_loss(torch.cat([rec, rec_masks], 1), real)
            total = total + l_idt * identity_loss(torch.cat([idt, idt_masks], 1), real)
            if slip != "no_context":
                detach = slip == "detach_weight"
                total = total + l_ctx * context_preserving_loss(image, fake, masks, fake_masks, detach_weight=detach)
        return total

    return objective


GENERATOR_OBJECTIVE = [
    ("D fed detached fake masks", _objective("detach_masks_for_d"), "no gradient into the generated masks b'"),
    ("λ_cyc and λ_idt swapped", _objective("swapped"), "λ_cyc and λ_idt are swapped"),
    ("the cycle term weighted by λ_idt", _objective("cycle_by_identity_weight"), "cycle term is weighted by λ_idt"),
    ("no context term", _objective("no_context"), "context-preserving terms are missing"),
    ("only A → B", _objective("one_direction"), "only the A → B direction"),
    ("the identity through the translating generator", _objective("identity_by_translator"), "translating generator"),
    ("the cycle on the images only", _objective("cycle_images_only"), "cycle term compares the images only"),
    ("w(a, b′) detached in the context term", _objective("detach_weight"), "passes no gradient into b'"),
]

# --- answers found by trying the checks as a learner would (each once passed a check, or got a wrong message)


class block_in_place(nn.Module):  # noqa: N801  (named as the catalogue lists it)
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(*_layers(channels))

    def forward(self, x):
        return x.add_(self.conv_block(x))


def cyclegan_no_identity_weight(G_A, G_B, D_A, D_B, x, y, weights):
    fake_y, fake_x = G_A(x), G_B(y)
    gan = generator_gan_loss(D_A(fake_y)) + generator_gan_loss(D_B(fake_x))
    cycle = cycle_loss(G_B(fake_y), x) + cycle_loss(G_A(fake_x), y)
    return gan + weights.cycle * cycle + identity_loss(G_B(x), x) + identity_loss(G_A(y), y)


def set_sum_skip_last(encoder, masks):
    out = 0
    for k in range(masks.shape[1] - 1):
        valid = (masks[:, k] > -1).flatten(1).any(1).float()[:, None, None, None]
        out = out + encoder(masks[:, k : k + 1]) * valid
    return out


def set_sum_no_grad(encoder, masks):
    with torch.no_grad():
        features = _encode_slots(encoder, masks)
    return (features * instance_validity(masks)[..., None, None, None]).sum(1)


def set_sum_hard(encoder, masks):
    hard = torch.where(masks > 0, 1.0, -1.0)
    return (_encode_slots(encoder, hard) * instance_validity(hard)[..., None, None, None]).sum(1)


def set_sum_in_place(encoder, masks):
    masks[~instance_validity(masks)] = 0  # f_GA of an all-zero plane is 0 here, so the value is right
    return _encode_slots(encoder, masks).sum(1)


def weight_in_place(a, b):
    return 1 - (a.add_(1).div_(2).sum(1, keepdim=True) + ((b + 1) / 2).sum(1, keepdim=True)).clamp(0, 1)


def loop_chunk(G, x, masks, ins_per):
    steps = []
    for a_m in masks.chunk(-(-masks.shape[1] // ins_per), dim=1):
        y, b = G(x, a_m)
        steps.append((y, b))
        x = y.detach()
    return steps


def loop_pair_swapped(G, x, masks, ins_per):
    return [(b, y) for y, b in _loop("")(G, x, masks, ins_per)]


def loop_copy_into_x(G, x, masks, ins_per):
    steps = []
    for start in range(0, masks.shape[1], ins_per):
        y, b = G(x, masks[:, start : start + ins_per])
        steps.append((y, b))
        x.copy_(y.detach())
    return steps


def aggregated_last_only(y_m, earlier, b_m, slots):
    return torch.cat([y_m, pad_masks(torch.cat([earlier[-1].detach(), b_m], 1), slots)], 1)


def aggregated_reversed(y_m, earlier, b_m, slots):
    return torch.cat([y_m, pad_masks(torch.cat([*_detached(earlier[::-1]), b_m], 1), slots)], 1)


def aggregated_replaces_items(y_m, earlier, b_m, slots):
    for i in range(len(earlier)):
        earlier[i] = earlier[i].detach()
    return torch.cat([y_m, pad_masks(torch.cat([*earlier, b_m], 1), slots)], 1)


CATALOGUE: dict[str, list[tuple[str, object, str]]] = {
    "resnet_block": RESNET_BLOCK,
    "cyclegan_generator_loss": CYCLEGAN_GENERATOR_LOSS,
    "set_sum": SET_SUM,
    "set_discriminator": SET_DISCRIMINATOR,
    "context_weight": CONTEXT_WEIGHT,
    "context_loss": CONTEXT_LOSS,
    "sequential_loop": SEQUENTIAL_LOOP,
    "aggregated_fake": AGGREGATED_FAKE,
    "generator_objective": GENERATOR_OBJECTIVE,
}
"""exercise: [(what the wrong answer does, the answer, words its check's message must contain)]."""
