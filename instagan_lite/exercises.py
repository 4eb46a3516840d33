"""Checks for the notebooks' exercises: each says "passed", or what is wrong with a hint — never the answer.

Every ``check_*`` takes the learner's function or class, runs it on small inputs whose right answer the
library knows, and prints ``✓ <exercise>: passed``. When something is off it raises
:class:`ExerciseError` with a hint: a wrong shape, a value at a known input, a broken invariance, or a
known mistake recognised (e.g. a ReLU after the residual addition). An exercise left as its stub
(``raise NotImplementedError``) gets a reminder instead of a traceback.

The exercises (notebook: what the learner writes):

* 01 ``resnet_block``: CycleGAN's residual block x + F(x).
* 01 ``cyclegan_generator_loss``: the CycleGAN generator objective (LSGAN + λ_cyc·cycle + λ_idt·identity,
  both directions).
* 02 ``set_sum``: Σ_i f_GA(a_i), per sample, over the instances that exist.
* 02 ``set_discriminator``: the set discriminator's score from its parts.
* 03 ``context_weight``: w(a, b').
* 03 ``context_loss``: both terms of L_ctx, ‖w(a, b') ⊙ (x − y')‖₁ + ‖w(b, a') ⊙ (y − x')‖₁.
* 04 ``sequential_loop``: the m-step loop with its detaches.
* 04 ``aggregated_fake``: what the discriminator sees at step m.
* 05 ``generator_objective``: InstaGAN's full generator objective at one step, both directions.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .checkpoint import error_summary
from .cyclegan import PatchDiscriminator, PatchDiscriminatorConfig, ResnetGenerator, ResnetGeneratorConfig
from .layers import ResnetBlock
from .losses import LossWeights, context_preserving_loss, cycle_loss, generator_gan_loss, identity_loss
from .masks import context_weight, instance_validity, pad_masks
from .model import TranslationModel
from .notebook import stable_text
from .set_networks import SetDiscriminator, SetDiscriminatorConfig, SetGenerator, SetGeneratorConfig, encode_set
from .step import generator_terms
from .translate import TranslateOptions, sequential_translate

__all__ = [
    "EXERCISES",
    "ExerciseError",
    "check_aggregated_fake",
    "check_context_loss",
    "check_context_weight",
    "check_cyclegan_generator_loss",
    "check_generator_objective",
    "check_resnet_block",
    "check_sequential_loop",
    "check_set_discriminator",
    "check_set_sum",
]


class ExerciseError(AssertionError):
    """An exercise's answer is not right yet; the message says what is wrong and hints at why."""


def _run(name: str, call: Callable):
    """Call the learner's code; a stub left as is gets a reminder, any other error a hint."""
    try:
        return call()
    except NotImplementedError:
        raise ExerciseError(f"{name}: not written yet — replace `raise NotImplementedError` with your code") from None
    except ExerciseError:
        raise
    except Exception as err:  # the learner's code crashed: say where, briefly
        raise ExerciseError(f"{name}: your code raised {type(err).__name__}: {err}") from err


def _passed(name: str, what: str) -> None:
    print(f"✓ {name}: passed ({what})")


def _shown(value: torch.Tensor) -> str:
    """A checked value as the pass message prints it: 3 decimals that read the same for any difference
    under 1e-4 (CPUs differ by about 1e-5 here)."""
    return stable_text(value.item())


def _close(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-5) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, atol=atol, rtol=1e-4)


def _expect_tensor(name: str, value, shape: tuple[int, ...] | None = None) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ExerciseError(f"{name}: expected a torch.Tensor, got {type(value).__name__}")
    if shape is not None and tuple(value.shape) != shape:
        raise ExerciseError(f"{name}: expected shape {shape}, got {tuple(value.shape)}")
    return value


def _boxes(batch: int, slots: int, size: int, boxes: list[list[tuple[int, int, int, int]]]) -> torch.Tensor:
    masks = -torch.ones(batch, slots, size, size)
    for b, sample in enumerate(boxes):
        for k, (y0, x0, y1, x1) in enumerate(sample):
            masks[b, k, y0:y1, x0:x1] = 1.0
    return masks


# --- 01 · CycleGAN ----------------------------------------------------------------------------------


def check_resnet_block(block_class: type[nn.Module]) -> None:
    """``block_class(channels)`` must be CycleGAN's residual block x + F(x) with F = [ReflectionPad 1,
    Conv 3×3, InstanceNorm, ReLU, ReflectionPad 1, Conv 3×3, InstanceNorm] in an ``nn.Sequential`` named
    ``conv_block`` (so the library's weights load into it)."""
    name = "resnet_block"
    torch.manual_seed(0)
    reference = ResnetBlock(8)
    mine = _run(name, lambda: block_class(8))
    try:
        mine.load_state_dict(reference.state_dict())
    except RuntimeError as err:
        raise ExerciseError(
            f"{name}: the library's weights do not load into your block ({error_summary(err)}). Hint: "
            "an nn.Sequential called conv_block holding pad, conv, norm, ReLU, pad, conv, norm, in that order"
        ) from None
    x = torch.randn(2, 8, 12, 12)
    with torch.no_grad():
        got = _expect_tensor(name, _run(name, lambda: mine(x)), (2, 8, 12, 12))
        body = reference.conv_block(x)
    if _close(got, x + body):
        _passed(name, "same output as the library's ResnetBlock, weights loaded by name")
        return
    if _close(got, body):
        raise ExerciseError(f"{name}: your block returns F(x): the skip connection x + F(x) is missing")
    if _close(got, torch.relu(x + body)):
        raise ExerciseError(f"{name}: there is a ReLU after the addition; CycleGAN's block returns x + F(x) as is")
    raise ExerciseError(f"{name}: the output differs from x + F(x) (check the order of pad, conv, norm, ReLU)")


def _tiny_cyclegan(seed: int = 0) -> tuple[nn.Module, nn.Module, nn.Module, nn.Module]:
    """G_A, G_B, D_A, D_B: tiny image-to-image CycleGAN networks."""
    torch.manual_seed(seed)
    generators = [ResnetGenerator(ResnetGeneratorConfig(ngf=4, n_blocks=1)) for _ in range(2)]
    discriminators = [PatchDiscriminator(PatchDiscriminatorConfig(ndf=4, n_layers=2)) for _ in range(2)]
    return (*generators, *discriminators)


def check_cyclegan_generator_loss(loss_fn: Callable) -> None:
    """``loss_fn(G_A, G_B, D_A, D_B, x, y, weights)`` with image-to-image networks (G_A: X → Y, D_A
    judges Y) must return CycleGAN's generator objective, a scalar:
    LSGAN(D_A(G_A(x))) + LSGAN(D_B(G_B(y))) + λ_cyc·(‖G_B(G_A(x)) − x‖₁ + ‖G_A(G_B(y)) − y‖₁)
    + λ_idt·(‖G_B(x) − x‖₁ + ‖G_A(y) − y‖₁)."""
    name = "cyclegan_generator_loss"
    G_A, G_B, D_A, D_B = _tiny_cyclegan()
    torch.manual_seed(1)
    x, y = torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1
    weights = LossWeights(cycle=10.0, identity=5.0, context=0.0)
    got = _expect_tensor(name, _run(name, lambda: loss_fn(G_A, G_B, D_A, D_B, x, y, weights)))
    if got.dim() != 0:
        raise ExerciseError(f"{name}: expected a scalar (0-d tensor), got shape {tuple(got.shape)}")
    fx, fy = G_A(x), G_B(y)
    gan = generator_gan_loss(D_A(fx)) + generator_gan_loss(D_B(fy))
    cyc = cycle_loss(G_B(fx), x) + cycle_loss(G_A(fy), y)
    idt = identity_loss(G_B(x), x) + identity_loss(G_A(y), y)
    right = gan + 10 * cyc + 5 * idt
    if torch.allclose(got, right, atol=1e-5):
        if not got.requires_grad:
            raise ExerciseError(f"{name}: the value is right but it carries no gradient (no .item(), no detach)")
        _passed(name, f"{_shown(got)} = GAN {_shown(gan)} + 10·cycle + 5·identity")
        return
    wrong = {
        "the identity terms are missing": gan + 10 * cyc,
        "the cycle terms are missing": gan + 5 * idt,
        "the identity loss applies the translating generator (G_A(x) ≈ x); it is the partner's: G_B(x) ≈ x": gan
        + 10 * cyc
        + 5 * (identity_loss(G_A(x), x) + identity_loss(G_B(y), y)),
        "λ_cyc and λ_idt are swapped": gan + 5 * cyc + 10 * idt,
        "only one direction is there (X → Y); add the Y → X terms": generator_gan_loss(D_A(fx))
        + 10 * cycle_loss(G_B(fx), x)
        + 5 * identity_loss(G_B(x), x),
    }
    for hint, value in wrong.items():
        if torch.allclose(got, value, atol=1e-5):
            raise ExerciseError(f"{name}: {hint}")
    raise ExerciseError(f"{name}: got {got.item():.4f}, expected {right.item():.4f} (check each term and weight)")


# --- 02 · instance-aware networks -------------------------------------------------------------------


def _tiny_set_networks(seed: int = 0) -> tuple[SetGenerator, SetDiscriminator]:
    torch.manual_seed(seed)
    return SetGenerator(SetGeneratorConfig(ngf=4, n_blocks=1)), SetDiscriminator(
        SetDiscriminatorConfig(ndf=4, n_layers=2)
    )


def _instance_scene(empty: bool = False) -> torch.Tensor:
    """Masks (2, 3, 16, 16): sample 0 has instances in slots 0 and 1, sample 1 only in slot 0; with
    ``empty`` a third sample has none."""
    boxes = [[(1, 1, 7, 5), (8, 8, 15, 11)], [(3, 3, 12, 9)]] + ([[]] if empty else [])
    return _boxes(len(boxes), 3, 16, boxes)


def check_set_sum(set_sum_fn: Callable) -> None:
    """``set_sum_fn(encoder, masks)``: masks (B, K, H, W) in [-1, 1], absent slots all -1; ``encoder``
    maps (N, 1, H, W) to (N, C, h, w). Must return Σ_i encoder(a_i) per sample over the slots that hold
    an instance: (B, C, h, w), zeros for a sample without instances."""
    name = "set_sum"
    G, _ = _tiny_set_networks()
    f_GA = G.encoder_seg
    masks = _instance_scene(empty=True)
    with torch.no_grad():
        got = _expect_tensor(name, _run(name, lambda: set_sum_fn(f_GA, masks)))
        _, right = encode_set(f_GA, masks, instance_validity(masks))
        if got.shape != right.shape:
            raise ExerciseError(
                f"{name}: expected shape {tuple(right.shape)} (one sum per sample), got {tuple(got.shape)}"
            )
        if _close(got, right, 1e-4):
            permuted = _run(name, lambda: set_sum_fn(f_GA, masks[:, [1, 0, 2]]))
            if not _close(permuted, right, 1e-4):
                raise ExerciseError(f"{name}: the sum changes when the slots are permuted; a set sum must not")
            _passed(name, "equals the library's set sum, invariant to the slot order, absent slots add nothing")
            return
        all_slots = f_GA(masks.reshape(-1, 1, 16, 16)).reshape(*masks.shape[:2], *right.shape[1:]).sum(1)
        if _close(got, all_slots, 1e-4):
            raise ExerciseError(f"{name}: absent slots (all -1) were encoded and added; skip them")
        if _close(got, right.sum(0, keepdim=True).expand_as(right), 1e-4):
            raise ExerciseError(f"{name}: the sum runs over the whole batch; sum within each sample")
        if _close(got[:2], right[:2], 1e-4):
            raise ExerciseError(f"{name}: a sample without any instance must get a set sum of zeros")
        valid = instance_validity(masks)
        mean = right / valid.sum(1).clamp(min=1)[:, None, None, None]
        if _close(got, mean, 1e-4):
            raise ExerciseError(f"{name}: that is a mean; InstaGAN sums the instance features (no division)")
    raise ExerciseError(f"{name}: the values differ from Σ_i f_GA(a_i) over each sample's instances")


def check_set_discriminator(score_fn: Callable) -> None:
    """``score_fn(D, images, masks)`` must compute a :class:`SetDiscriminator`'s patch scores from its
    parts: ``D.classifier`` on the channel concatenation [D.feature_img(x), Σ_i D.feature_seg(a_i)]."""
    name = "set_discriminator"
    _, D = _tiny_set_networks()
    D.eval()
    torch.manual_seed(2)
    images, masks = torch.rand(2, 3, 16, 16) * 2 - 1, _instance_scene()
    with torch.no_grad():
        right = D(images, masks)
        got = _expect_tensor(name, _run(name, lambda: score_fn(D, images, masks)))
        if _close(got, right, 1e-4):
            _passed(name, f"same scores as D(images, masks), shape {tuple(right.shape)}")
            return
        feat = D.feature_img(images)
        _, summed = encode_set(D.feature_seg, masks, instance_validity(masks))
        if got.shape == right.shape and _close(got, D.classifier(torch.cat([summed, feat], 1)), 1e-4):
            raise ExerciseError(f"{name}: the image features come first: cat([feature_img(x), Σ feature_seg(a_i)])")
    raise ExerciseError(f"{name}: the scores differ from D(images, masks) (expected shape {tuple(right.shape)})")


# --- 03 · the context-preserving loss ---------------------------------------------------------------


def check_context_weight(weight_fn: Callable) -> None:
    """``weight_fn(a, b)`` with masks a (B, K, H, W), b (B, K', H, W) in [-1, 1] must return
    w(a, b') = 1 − clamp(Σ_k (a_k + 1)/2 + Σ_k (b'_k + 1)/2, 0, 1), shape (B, 1, H, W), and let the
    gradient flow into b'."""
    name = "context_weight"
    a = torch.tensor([[[[1.0, -1.0], [-1.0, -1.0]]]])
    # the second generated mask overlaps a at (0, 0): the summed union exceeds 1 there and at (1, 1)
    b = torch.tensor([[[[-1.0, 0.0], [-1.0, 0.6]]], [[[1.0, -1.0], [-1.0, 0.2]]]]).reshape(1, 2, 2, 2)
    b = b.clone().requires_grad_(True)
    got = _expect_tensor(name, _run(name, lambda: weight_fn(a, b)))
    right = context_weight(a, b)
    if got.shape != right.shape:
        raise ExerciseError(
            f"{name}: expected shape {tuple(right.shape)} (one weight map per sample), got {tuple(got.shape)}"
        )
    if not _close(got, right):
        if (got < -1e-6).any() or (got > 1 + 1e-6).any():
            raise ExerciseError(f"{name}: w must lie in [0, 1]; clamp the summed union to [0, 1] before 1 − …")
        minimum = 1 - torch.minimum((a + 1) / 2, ((b + 1) / 2).amax(1, keepdim=True))
        if _close(got, minimum):
            raise ExerciseError(
                f"{name}: that is 1 − min (the paper's wording); the code and this library use "
                "the union: 1 where both say background"
            )
        raise ExerciseError(
            f"{name}: at a known input w should be {right.flatten().tolist()}, got {got.flatten().tolist()}"
        )
    got.sum().backward()
    if b.grad is None or b.grad.abs().sum() == 0:
        raise ExerciseError(f"{name}: no gradient reaches b'; the authors let it flow (do not detach)")
    _passed(name, "values at a hand-checked input, range [0, 1], gradient into b'")


def check_context_loss(loss_fn: Callable) -> None:
    """``loss_fn(x, y_fake, a, b_fake, y, x_fake, b, a_fake)`` must return both terms of L_ctx (Eq. 6):
    mean(w(a, b') ⊙ |x − y'|) + mean(w(b, a') ⊙ |y − x'|), a scalar."""
    name = "context_loss"
    torch.manual_seed(3)
    x, y, y_fake, x_fake = (torch.rand(2, 3, 8, 8) * 2 - 1 for _ in range(4))
    a = _boxes(2, 2, 8, [[(0, 0, 3, 4)], [(2, 2, 6, 6), (5, 0, 8, 2)]])
    b = _boxes(2, 2, 8, [[(4, 4, 8, 8)], [(0, 0, 2, 8)]])
    b_fake = _boxes(2, 2, 8, [[(0, 1, 5, 3)], [(1, 3, 7, 5), (4, 0, 8, 1)]])
    a_fake = _boxes(2, 2, 8, [[(5, 3, 7, 8)], [(0, 2, 3, 7)]])
    got = _expect_tensor(name, _run(name, lambda: loss_fn(x, y_fake, a, b_fake, y, x_fake, b, a_fake)))
    first = context_preserving_loss(x, y_fake, a, b_fake)
    second = context_preserving_loss(y, x_fake, b, a_fake)
    if got.dim() != 0:
        raise ExerciseError(f"{name}: expected a scalar, got shape {tuple(got.shape)}")
    if torch.allclose(got, first + second, atol=1e-6):
        _passed(name, f"{_shown(got)} = {_shown(first)} (A → B) + {_shown(second)} (B → A)")
        return
    if torch.allclose(got, first, atol=1e-6) or torch.allclose(got, second, atol=1e-6):
        raise ExerciseError(f"{name}: only one direction is there; L_ctx has a term for each translation")
    unweighted = (x - y_fake).abs().mean() + (y - x_fake).abs().mean()
    if torch.allclose(got, unweighted, atol=1e-6):
        raise ExerciseError(f"{name}: the difference is not weighted by w: the loss must ignore the instances")
    swapped = context_preserving_loss(x, y_fake, a, a_fake) + context_preserving_loss(y, x_fake, b, b_fake)
    if torch.allclose(got, swapped, atol=1e-6):
        raise ExerciseError(f"{name}: w(a, b') pairs the input masks with the masks generated from them (b')")
    raise ExerciseError(f"{name}: got {got.item():.4f}, expected {(first + second).item():.4f}")


# --- 04 · sequential mini-batches --------------------------------------------------------------------


def check_sequential_loop(loop_fn: Callable) -> None:
    """``loop_fn(G, x, masks, ins_per)`` with masks (B, K, H, W) already in decreasing-area order must run
    the sequential loop: for m = 1, 2, …, (y'_m, b'_m) = G(x_m, a_m) with a_m the m-th slice of
    ``ins_per`` masks and x_{m+1} = y'_m.detach(); it returns the list of (y'_m, b'_m) of every step."""
    name = "sequential_loop"
    G, _ = _tiny_set_networks()
    torch.manual_seed(4)
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    masks = _boxes(1, 4, 16, [[(0, 0, 8, 8), (8, 8, 15, 14), (0, 9, 6, 15), (10, 0, 14, 4)]])
    calls: list[torch.Tensor] = []

    class Recording(nn.Module):
        def forward(self, images, step_masks):
            calls.append(images)
            return G(images, step_masks)

    steps = _run(name, lambda: loop_fn(Recording(), x, masks, 2))
    if not isinstance(steps, list | tuple) or len(steps) != 2:
        raise ExerciseError(
            f"{name}: 4 instances, 2 per step: expected a list of 2 (y'_m, b'_m), got "
            f"{len(steps) if isinstance(steps, list | tuple) else type(steps).__name__}"
        )
    if not torch.equal(calls[0], x):
        raise ExerciseError(f"{name}: the first step must see the input image x_1 = x")
    if not torch.allclose(calls[1], steps[0][0].detach()):
        raise ExerciseError(f"{name}: step 2 must see the first step's translation y'_1 as its image")
    if calls[1].requires_grad:
        raise ExerciseError(f"{name}: x_2 carries the gradient of step 1; detach it (x_{{m+1}} = y'_m.detach())")
    with torch.no_grad():
        final, _ = sequential_translate(G, x, masks, TranslateOptions(ins_per=2))
    if not torch.allclose(steps[-1][0].detach(), final, atol=1e-5):
        raise ExerciseError(f"{name}: the last image differs from the library's sequential translation")
    uneven = _run(name, lambda: loop_fn(G, x, masks, 3))  # 3 per step: a last step of 1 instance
    if len(uneven) != 2:
        raise ExerciseError(f"{name}: 4 instances, 3 per step make 2 steps (3, then 1), got {len(uneven)}")
    _passed(name, "2 steps, x_2 = y'_1 detached, same result as sequential_translate, a partial last step kept")


def check_aggregated_fake(aggregate_fn: Callable) -> None:
    """``aggregate_fn(y_m, earlier, b_m, slots)``: y'_m (B, 3, H, W), ``earlier`` the list of b'_1 … b'_{m−1}
    (each (B, P, H, W)), b'_m (B, P, H, W). Must return what D sees at step m, (B, 3 + slots, H, W):
    [y'_m, b'_1 … b'_{m−1} detached, b'_m, −1 padding]."""
    name = "aggregated_fake"
    torch.manual_seed(5)
    y_m = (torch.rand(2, 3, 8, 8) * 2 - 1).requires_grad_(True)
    earlier = [(torch.rand(2, 2, 8, 8) * 2 - 1).requires_grad_(True)]
    b_m = (torch.rand(2, 2, 8, 8) * 2 - 1).requires_grad_(True)
    got = _expect_tensor(name, _run(name, lambda: aggregate_fn(y_m, earlier, b_m, 6)), (2, 9, 8, 8))
    right = torch.cat([y_m, earlier[0].detach(), b_m, pad_masks(b_m[:, :0], 2)], 1)
    if not _close(got, right):
        if _close(got[:, 3:5], b_m) and _close(got[:, 5:7], earlier[0]):
            raise ExerciseError(f"{name}: earlier masks come first, then the current step's")
        if not torch.all(got[:, 7:] == -1):
            raise ExerciseError(f"{name}: the slots after the generated masks are padding: exactly -1")
        raise ExerciseError(f"{name}: the channels differ from [y'_m, b'_1..m-1, b'_m, -1 padding]")
    got.sum().backward()
    if earlier[0].grad is not None and earlier[0].grad.abs().sum() > 0:
        raise ExerciseError(f"{name}: gradient reaches the earlier steps' masks; detach them")
    if b_m.grad is None or y_m.grad is None:
        raise ExerciseError(f"{name}: the current step's y'_m and b'_m must keep their gradient")
    _passed(name, "layout, -1 padding, earlier masks detached, current ones not")


# --- 05 · the whole objective ------------------------------------------------------------------------


def check_generator_objective(objective_fn: Callable) -> None:
    """``objective_fn(model, x, a, y, b, weights)`` must return InstaGAN's generator objective at one
    step (Eq. 7), both directions, a scalar: Σ over A → B and B → A of GAN + λ_cyc·cycle + λ_idt·identity
    + λ_ctx·context, with the terms of :mod:`instagan_lite.losses` (D sees [y', b'] here, one step)."""
    name = "generator_objective"
    G_A, D_A = _tiny_set_networks(0)
    G_B, D_B = _tiny_set_networks(1)
    model = TranslationModel("instagan", G_A, G_B, D_A, D_B)
    torch.manual_seed(6)
    x, y = torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1
    a, b = _instance_scene()[:, :2], _boxes(2, 2, 16, [[(2, 6, 14, 10)], [(1, 1, 9, 5), (8, 9, 15, 13)]])
    weights = LossWeights(cycle=10.0, identity=10.0, context=10.0)
    got = _expect_tensor(name, _run(name, lambda: objective_fn(model, x, a, y, b, weights)))
    if got.dim() != 0:
        raise ExerciseError(f"{name}: expected a scalar, got shape {tuple(got.shape)}")
    fwd_A = generator_terms(G_A, G_B, D_A, x, a, [], 2, weights)
    fwd_B = generator_terms(G_B, G_A, D_B, y, b, [], 2, weights)
    right = weights.total(fwd_A.losses) + weights.total(fwd_B.losses)
    if torch.allclose(got, right, atol=1e-4):
        _passed(name, f"{_shown(got)}, the library's step total")
        return
    no_ctx = LossWeights(10.0, 10.0, 0.0)
    if torch.allclose(got, no_ctx.total(fwd_A.losses) + no_ctx.total(fwd_B.losses), atol=1e-4):
        raise ExerciseError(f"{name}: the context-preserving terms are missing")
    if torch.allclose(got, weights.total(fwd_A.losses), atol=1e-4):
        raise ExerciseError(f"{name}: only the A → B direction is there; add B → A")
    raise ExerciseError(f"{name}: got {got.item():.4f}, expected {right.item():.4f} (check each term and weight)")


EXERCISES = {
    "resnet_block": ("01_cyclegan", check_resnet_block),
    "cyclegan_generator_loss": ("01_cyclegan", check_cyclegan_generator_loss),
    "set_sum": ("02_instance_aware_networks", check_set_sum),
    "set_discriminator": ("02_instance_aware_networks", check_set_discriminator),
    "context_weight": ("03_context_preserving_loss", check_context_weight),
    "context_loss": ("03_context_preserving_loss", check_context_loss),
    "sequential_loop": ("04_sequential_minibatch", check_sequential_loop),
    "aggregated_fake": ("04_sequential_minibatch", check_aggregated_fake),
    "generator_objective": ("05_training_and_results", check_generator_objective),
}
"""Every exercise: its notebook and its check."""
