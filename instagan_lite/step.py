"""One training iteration with sequential mini-batches (paper Sec. 2.3): a few instances at a time.

The authors' ``optimize_parameters``: the ``ins_max`` largest instances are split into
M = ins_max // ins_per steps. At step m the generators see the current image x_m and the step's masks
a_m, take **one** Adam step, then the discriminators take one. The next step's image is the detached
translation, so no gradient crosses steps and memory stays flat however many instances there are.

Inference (the same loop without losses) is in :mod:`instagan_lite.translate`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .distributed import Distributed
from .image_pool import ImagePool
from .losses import (
    GENERATOR_TERMS,
    LossWeights,
    context_preserving_loss,
    cycle_loss,
    discriminator_loss,
    generator_gan_loss,
    identity_loss,
)
from .masks import pad_masks
from .methods import get_method
from .model import TranslationModel
from .sequence import SequentialConfig, active_samples

__all__ = [
    "ContextLoss",
    "Direction",
    "DirectionTerms",
    "StepInputs",
    "feed_back",
    "generator_terms",
    "loss_names",
    "train_step",
    "update_discriminators",
    "update_generators",
]

ContextLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
"""A context term: (x (B, 3, H, W), y' (B, 3, H, W), a (B, P, H, W), b' (B, P, H, W)) -> scalar."""


def loss_names(method: str) -> list[str]:
    """The loss columns :func:`train_step` records for ``method``: ``G_A/gan`` … ``G_B/context``, ``G``,
    ``D_A``, ``D_B`` (no context term for the CycleGAN baselines)."""
    terms = [t for t in GENERATOR_TERMS if t != "context" or get_method(method).instance_wise]
    return [f"{g}/{t}" for g in ("G_A", "G_B") for t in terms] + ["G", "D_A", "D_B"]


def _set_requires_grad(nets: Sequence[nn.Module], flag: bool) -> None:
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


@dataclass
class DirectionTerms:
    """What one direction (A→B or B→A) produced at a step: its generator losses, and what the D update
    and the feedback to the next step need."""

    active: torch.Tensor  # bool (B,): the samples that had an instance at this step
    fake_images: torch.Tensor  # y'_m (n_active, 3, H, W)
    fake_masks: torch.Tensor  # b'_m (n_active, P, H, W)
    aggregated: torch.Tensor  # [y'_m, b'_1..m-1 (detached), b'_m, -1 padding] (n_active, 3 + slots, H, W)
    losses: dict[str, torch.Tensor]  # the unweighted terms, keys from GENERATOR_TERMS


def generator_terms(
    G: nn.Module,
    G_back: nn.Module,
    D: nn.Module,
    x: torch.Tensor,
    a_m: torch.Tensor,
    earlier: list[torch.Tensor],
    slots: int,
    weights: LossWeights,
    context_loss: ContextLoss | None = None,
) -> DirectionTerms | None:
    """One direction's generator losses at one step (paper Eqs. 3–6), or None if it has no instances.

    x: the step's input image x_m (B, 3, H, W), detached; a_m: the step's masks (B, P, H, W); earlier:
    the detached generated masks of earlier steps, each (B, P, H, W); ``slots``: the mask channels D
    sees (ins_max). The context term is computed only when ``weights.context > 0``, by ``context_loss``
    (x, y', a, b') -> scalar; None is the paper's :func:`context_preserving_loss`.
    """
    active = active_samples(a_m)
    if not active.any():
        return None
    x, a_m = x[active], a_m[active]
    fake_images, fake_masks = G(x, a_m)  # (y'_m, b'_m) = G_XY(x_m, a_m)
    rec_images, rec_masks = G_back(fake_images, fake_masks)  # G_YX(y'_m, b'_m)
    idt_images, idt_masks = G_back(x, a_m)  # G_YX(x_m, a_m): identity on the "wrong" domain
    prior = [m[active] for m in earlier]
    # The aggregated fake (y'_m, b'_1..m): earlier masks detached, padded with -1 to the real's slots.
    aggregated = torch.cat([fake_images, *prior, fake_masks], 1)
    aggregated = torch.cat([aggregated[:, :3], pad_masks(aggregated[:, 3:], slots)], 1)
    real = torch.cat([x, a_m], 1)
    losses = {
        "gan": generator_gan_loss(D(aggregated[:, :3], aggregated[:, 3:])),  # Eq. 3
        "cycle": cycle_loss(torch.cat([rec_images, rec_masks], 1), real),  # Eq. 4
        "identity": identity_loss(torch.cat([idt_images, idt_masks], 1), real),  # Eq. 5
    }
    if weights.context > 0:  # Eq. 6: ‖w(a, b') ⊙ (x − y')‖₁, or the caller's replacement
        if context_loss is None:
            losses["context"] = context_preserving_loss(
                x, fake_images, a_m, fake_masks, detach_weight=weights.detach_context_weight
            )
        else:
            losses["context"] = context_loss(x, fake_images, a_m, fake_masks)
    return DirectionTerms(active, fake_images, fake_masks, aggregated, losses)


def train_step(
    model: TranslationModel,
    opt_G: torch.optim.Optimizer,
    opt_D: torch.optim.Optimizer,
    pools: tuple[ImagePool, ImagePool],
    images_A: torch.Tensor,
    masks_A: torch.Tensor,
    images_B: torch.Tensor,
    masks_B: torch.Tensor,
    config: SequentialConfig | None = None,
    weights: LossWeights | None = None,
    generator: torch.Generator | None = None,
    distributed: Distributed | None = None,
    autocast_dtype: torch.dtype | None = None,
    *,
    context_loss: ContextLoss | None = None,
) -> list[dict[str, float]]:
    """One training iteration on a batch of each domain, with the authors' sequential semantics.

    Args:
        model: G_A, G_B, D_A, D_B of any method; ``opt_G`` holds both generators, ``opt_D`` both
            discriminators (:meth:`TranslationModel.optimizers`).
        pools: (fakes of B judged by D_A, fakes of A judged by D_B).
        images_A, images_B: (B, 3, H, W) in [-1, 1] (batch sizes may differ).
        masks_A, masks_B: (B, K, H, W) dataset masks in [-1, 1], absent slots -1.
        config: ins_max / ins_per / order / drop_last (:class:`~instagan_lite.sequence.SequentialConfig`,
            ``config.slices``). The CycleGAN baselines always take one step.
        weights: λ_cyc, λ_idt, λ_ctx (the CycleGAN baselines have no context term).
        generator: RNG for ``order="random"``.
        distributed: in a ``torchrun`` run, the gradients are averaged over the ranks before each
            optimizer step and the ranks agree on the number of steps (:mod:`instagan_lite.distributed`).
        autocast_dtype: run the forward passes under ``torch.autocast`` with this dtype (e.g.
            ``torch.bfloat16`` on a GPU); the backward passes and the optimizer steps stay in fp32.
        context_loss: a replacement for the context-preserving term, called as
            ``context_loss(x, y', a, b')`` -> scalar on each direction's step (weighted by λ_ctx; see
            ``docs/extending.md``). None is the paper's :func:`context_preserving_loss`.

    Per step m (M = ins_max // ins_per steps under ``drop_last``, else ⌈ins_max / ins_per⌉; fewer if both
    directions run out of instances):
      1. :func:`update_generators`: freeze D; (y'_m, b'_m) = G_A(x_m, a_m) and the B side likewise;
         L_G = Σ_directions [GAN + λ_cyc·cycle + λ_idt·identity + λ_ctx·context] (Eq. 7); one Adam step
         on both generators;
      2. :func:`update_discriminators`: unfreeze D; L_D = 0.5·[(D_A(y, b) − 1)² + D_A(pool(fake))²]
         (+ D_B); one Adam step. D's real sample is always the original image with all selected masks;
         its fake is the aggregated [y'_m, b'_1..m, -1 padding];
      3. :func:`feed_back`: x_{m+1} = y'_m.detach() (per sample; samples out of instances keep their
         image).

    Returns one dict of float losses per step that ran (keys from :func:`loss_names`; a direction
    that had no instance at a step has no keys in that step's dict).
    """
    config = config or SequentialConfig()
    weights = weights or LossWeights()
    if not model.method_spec.instance_wise:
        weights = LossWeights(weights.cycle, weights.identity, 0.0, weights.detach_context_weight)
    if config.ins_max is None:
        raise ValueError("training needs ins_max: the discriminators see that many mask channels")
    sel_A = model.prepare_masks(masks_A, config.ins_max, config.order, generator)
    sel_B = model.prepare_masks(masks_B, config.ins_max, config.order, generator)
    slices = config.slices(sel_A.shape[1]) if model.method_spec.instance_wise else [slice(0, sel_A.shape[1])]
    step = StepInputs(model, sel_A.shape[1], weights, context_loss, distributed, autocast_dtype)
    state_A = Direction(images_A, [])  # x_m and the detached b'_1..m-1 of the A -> B direction
    state_B = Direction(images_B, [])
    history = []
    for sl in slices:
        a_m, b_m = sel_A[:, sl], sel_B[:, sl]
        update = update_generators(step, opt_G, state_A, a_m, state_B, b_m)  # 1.
        if update is None:
            break
        fwd_A, fwd_B, record = update
        record.update(
            update_discriminators(step, opt_D, pools, (fwd_A, images_B, sel_B), (fwd_B, images_A, sel_A))
        )  # 2.
        state_A = feed_back(state_A, a_m, fwd_A)  # 3.
        state_B = feed_back(state_B, b_m, fwd_B)
        history.append(record)
    return history


@dataclass(frozen=True)
class StepInputs:
    """What every update of one iteration shares: the model, the mask channels D sees (``slots`` =
    ins_max), the λ, the context term, the distributed state and the autocast dtype (None: fp32)."""

    model: TranslationModel
    slots: int
    weights: LossWeights
    context_loss: ContextLoss | None = None
    distributed: Distributed | None = None
    autocast_dtype: torch.dtype | None = None

    def forward_context(self, device: torch.device) -> contextlib.AbstractContextManager:
        """``torch.autocast`` with ``autocast_dtype`` on ``device``, or nothing."""
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=self.autocast_dtype)


@dataclass(frozen=True)
class Direction:
    """One direction's state between sequential steps: the step's input image x_m (B, 3, H, W) and the
    detached generated masks of the earlier steps, each (B, P, H, W) (-1 for samples that had none)."""

    images: torch.Tensor
    earlier: list[torch.Tensor]


def update_generators(
    step: StepInputs,
    opt_G: torch.optim.Optimizer,
    state_A: Direction,
    a_m: torch.Tensor,
    state_B: Direction,
    b_m: torch.Tensor,
) -> tuple[DirectionTerms | None, DirectionTerms | None, dict[str, float]] | None:
    """Step 1 of :func:`train_step`: both directions' generator losses at step m, one Adam step on G.

    a_m, b_m: the step's masks (B, P, H, W) of each domain. The discriminators are frozen while their
    scores feed the GAN terms. Returns (A → B terms, B → A terms, the logged losses), a direction being
    None when it had no instance at this step; or None when no direction (on any rank) had one.
    """
    model, device = step.model, state_A.images.device
    _set_requires_grad(model.discriminators, False)
    opt_G.zero_grad(set_to_none=True)
    with step.forward_context(device):
        fwd_A = generator_terms(
            model.G_A, model.G_B, model.D_A, state_A.images, a_m, state_A.earlier, step.slots, step.weights,
            step.context_loss,
        )  # fmt: skip
        fwd_B = generator_terms(
            model.G_B, model.G_A, model.D_B, state_B.images, b_m, state_B.earlier, step.slots, step.weights,
            step.context_loss,
        )  # fmt: skip
    local_work = fwd_A is not None or fwd_B is not None
    if not (step.distributed.any(local_work, device) if step.distributed is not None else local_work):
        return None
    record: dict[str, float] = {}
    total = torch.zeros((), device=device)  # L_G, Eq. 7, summed over the directions
    for name, fwd in (("G_A", fwd_A), ("G_B", fwd_B)):
        if fwd is not None:
            total = total + step.weights.total(fwd.losses)
            record.update({f"{name}/{k}": v.item() for k, v in fwd.losses.items()})
    if local_work:
        total.backward()
    if step.distributed is not None:  # every rank takes the same step: the mean of the ranks' gradients
        step.distributed.average_gradients(p for g in model.generators for p in g.parameters())
    opt_G.step()
    record["G"] = total.item()
    return fwd_A, fwd_B, record


def update_discriminators(
    step: StepInputs,
    opt_D: torch.optim.Optimizer,
    pools: tuple[ImagePool, ImagePool],
    judged_by_D_A: tuple[DirectionTerms | None, torch.Tensor, torch.Tensor],
    judged_by_D_B: tuple[DirectionTerms | None, torch.Tensor, torch.Tensor],
) -> dict[str, float]:
    """Step 2 of :func:`train_step`: one Adam step on both discriminators; returns their losses.

    Each ``judged_by_…`` is (the direction's generator terms or None, the real images (B, 3, H, W) of
    the domain that D judges, their selected masks (B, ins_max, H, W)). The real sample is always the
    original image with all its selected masks; the fake is the aggregated [y'_m, b'_1..m] drawn
    through the image pool.
    """
    model, record = step.model, {}
    _set_requires_grad(model.discriminators, True)
    opt_D.zero_grad(set_to_none=True)
    device = judged_by_D_A[1].device
    loss_D = torch.zeros((), device=device)
    local_work = judged_by_D_A[0] is not None or judged_by_D_B[0] is not None
    for name, D, pool, (fwd, real, real_masks) in (
        ("D_A", model.D_A, pools[0], judged_by_D_A),
        ("D_B", model.D_B, pools[1], judged_by_D_B),
    ):
        if fwd is None:
            continue
        fake = pool.query(fwd.aggregated)
        with step.forward_context(device):
            loss = discriminator_loss(D(real, real_masks), D(fake[:, :3], fake[:, 3:]))
        record[name] = loss.item()
        loss_D = loss_D + loss
    if local_work:
        loss_D.backward()
    if step.distributed is not None:
        step.distributed.average_gradients(p for d in model.discriminators for p in d.parameters())
    opt_D.step()
    return record


def feed_back(state: Direction, a_m: torch.Tensor, fwd: DirectionTerms | None) -> Direction:
    """Step 3 of :func:`train_step`: x_{m+1} = y'_m.detach() for the samples that had an instance at step
    m, and b'_m.detach() appended to the earlier masks (a_m itself where the direction had none)."""
    images, earlier = _feed_back(state.images, a_m, state.earlier, fwd)
    return Direction(images, earlier)


def _feed_back(
    x: torch.Tensor, a_m: torch.Tensor, earlier: list[torch.Tensor], fwd: DirectionTerms | None
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """x_{m+1} = y'_m.detach() for the active samples; append b'_m.detach() (-1 for inactive samples)."""
    if fwd is None:
        return x, [*earlier, a_m]
    x = x.clone()
    x[fwd.active] = fwd.fake_images.detach().to(x.dtype)  # (bf16 under autocast)
    masks = a_m.clone()
    masks[fwd.active] = fwd.fake_masks.detach().to(masks.dtype)
    return x, [*earlier, masks]
