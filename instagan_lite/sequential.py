"""Sequential mini-batch translation (paper Sec. 2.3): translate a few instances at a time.

Training (the authors' ``optimize_parameters``): the ``ins_max`` largest instances are split into
M = ins_max // ins_per steps. At step m the generators see the current image x_m and the step's masks
a_m, take **one** Adam step, then the discriminators take one. The next step's image is the detached
translation, so no gradient crosses steps and memory stays flat however many instances there are.

Inference: the same loop under ``no_grad``, optionally on a chosen subset of instances only
(selective translation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .image_pool import ImagePool
from .losses import (
    context_preserving_loss,
    cycle_loss,
    discriminator_loss,
    generator_gan_loss,
    identity_loss,
)
from .masks import check_masks, instance_validity, largest_component, pad_masks, select_instances
from .model import TranslationModel

__all__ = [
    "LossWeights",
    "SequentialConfig",
    "composite",
    "fill_vacated",
    "sequential_translate",
    "step_slices",
    "train_step",
    "translate",
]


@dataclass(frozen=True)
class SequentialConfig:
    """How instances are fed: the ``ins_max`` largest per image, ``ins_per`` per step, in ``order``
    (``"decreasing"`` area or ``"random"``). ``ins_per == ins_max`` is the one-shot mode."""

    ins_max: int = 4
    ins_per: int = 2
    order: str = "decreasing"

    def __post_init__(self) -> None:
        if not 1 <= self.ins_per <= self.ins_max:
            raise ValueError(f"need 1 <= ins_per <= ins_max, got ins_per={self.ins_per}, ins_max={self.ins_max}")

    @property
    def n_steps(self) -> int:
        """M = ins_max // ins_per (leftover instances are ignored, as in the authors' code)."""
        return self.ins_max // self.ins_per


@dataclass(frozen=True)
class LossWeights:
    """λ of each generator term (the authors' effective values) and whether w(a, b') is detached."""

    cycle: float = 10.0
    identity: float = 10.0
    context: float = 10.0
    detach_context_weight: bool = False


def step_slices(n_slots: int, ins_per: int, drop_last: bool = True) -> list[slice]:
    """The mask-channel slices of the sequential steps: [0:P], [P:2P], … (a single empty slice if 0).

    ``drop_last`` ignores a final partial slice, as the authors' training does when ins_max % ins_per
    != 0; inference keeps it.
    """
    if n_slots == 0:
        return [slice(0, 0)]
    stop = n_slots - ins_per + 1 if drop_last else n_slots
    return [slice(i, i + ins_per) for i in range(0, stop, ins_per)]


def _active(masks: torch.Tensor) -> torch.Tensor:
    """bool (B,): samples with at least one instance in ``masks`` (all of them when K = 0)."""
    if masks.shape[1] == 0:
        return torch.ones(masks.shape[0], dtype=torch.bool, device=masks.device)
    return instance_validity(masks).any(1)


def composite(
    images: torch.Tensor, translated: torch.Tensor, input_masks: torch.Tensor, output_masks: torch.Tensor
) -> torch.Tensor:
    """Keep ``images`` outside the union of the input and generated instances (mask > 0), take
    ``translated`` inside it. (B, 3, H, W) × 2, (B, K, H, W) × 2 -> (B, 3, H, W)."""
    region = ((input_masks > 0) | (output_masks > 0)).any(1, keepdim=True)
    return torch.where(region, translated, images)


def fill_vacated(
    images: torch.Tensor, input_masks: torch.Tensor, output_masks: torch.Tensor, smoothing: int = 20
) -> torch.Tensor:
    """Repaint the area an instance vacated, (∪ a) \\ (∪ b'), from the background around it.

    images (B, 3, H, W); input_masks a and output_masks b' (B, K, H, W), all in [-1, 1]. The sources are
    the pixels outside every input and generated instance. Vacated pixels are filled "onion-peel"
    fashion, each ring the mean of its already-known 8-neighbours, then relaxed by ``smoothing`` Jacobi
    steps (the mean of the known 3×3 neighbourhood) with the sources held fixed. All other pixels,
    the new instances' included, are returned unchanged. This is a classical inpainting of the
    background, not a learned one: a documented lite-recipe option that removes the ghosts of the old
    shape a briefly trained generator leaves behind.
    """
    inside, outside = (input_masks > 0).any(1, keepdim=True), (output_masks > 0).any(1, keepdim=True)
    vacated = inside & ~outside
    known = (~(inside | outside)).to(images.dtype)
    out = images * known
    kernel = torch.ones(1, 1, 3, 3, dtype=images.dtype, device=images.device)

    def box_sum(x: torch.Tensor) -> torch.Tensor:  # 3×3 sum per channel, zero outside the image
        return torch.nn.functional.conv2d(x.reshape(-1, 1, *x.shape[-2:]), kernel, padding=1).reshape(x.shape)

    while True:
        count = box_sum(known)
        ring = vacated & (known == 0) & (count > 0)
        if not ring.any():  # done, or what is left is walled in by new instances: left as it was
            break
        out = torch.where(ring, box_sum(out) / count.clamp(min=1), out)
        known = known + ring.to(images.dtype)
    filled = vacated & (known > 0)
    for _ in range(smoothing):
        out = torch.where(filled, box_sum(out * known) / box_sum(known).clamp(min=1), out)
    return torch.where(filled, out, images)


@torch.no_grad()
def sequential_translate(
    G: nn.Module,
    images: torch.Tensor,
    masks: torch.Tensor,
    ins_per: int = 2,
    ins_max: int | None = None,
    order: str = "decreasing",
    instances: torch.Tensor | Sequence[int] | None = None,
    paste_back: bool = False,
    clean_masks: bool = False,
    fill_background: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Translate with a set generator ``ins_per`` instances at a time (the authors' ``test``).

    Args:
        G: a generator called ``G(images, masks) -> (images, masks)``.
        images: (B, 3, H, W) in [-1, 1].
        masks: (B, K, H, W) in [-1, 1], absent slots -1.
        ins_per: instances per step.
        ins_max: at most this many instances (the largest) are translated; default all K.
        order: ``"decreasing"`` area (the authors' default) or ``"random"``.
        instances: translate only these slots (selective translation): slot indices shared by the
            batch, or a bool (B, K) tensor. The other instances are left as they are and treated as
            background.
        paste_back: keep the input pixels outside the union of each step's input and generated masks
            (needed for selective translation to leave the rest of the image untouched).
        clean_masks: keep only the largest 4-connected region of each generated mask
            (:func:`~instagan_lite.masks.largest_component`), removing stray pixels; the image is not
            changed. Off by default (the authors have no such step).
        fill_background: repaint the area each step's instances vacated from the surrounding pixels
            (:func:`fill_vacated`). Off by default (the authors have no such step).

    Returns:
        images: (B, 3, H, W), the image after the last step.
        masks: (B, K, H, W), each translated slot replaced by its generated mask, the others unchanged.
    """
    check_masks(images, masks)
    b, k = masks.shape[:2]
    chosen = torch.ones(b, k, dtype=torch.bool, device=masks.device)
    if instances is not None:
        if isinstance(instances, torch.Tensor) and instances.dtype == torch.bool:
            if instances.shape != (b, k):
                raise ValueError(f"instances mask must be (B, K) = {(b, k)}, got {tuple(instances.shape)}")
            chosen = instances.to(masks.device)
        else:
            index = torch.as_tensor(instances, dtype=torch.long).reshape(-1)
            if index.numel() and (index.min() < 0 or index.max() >= k):
                raise ValueError(f"instance indices must lie in [0, {k}), got {index.tolist()}")
            chosen = torch.zeros_like(chosen)
            chosen[:, index] = True
    if k == 0:
        return images.clone(), masks.clone()
    candidates = torch.where(chosen[..., None, None], masks, torch.full_like(masks, -1.0))
    n_keep = max(1, min(k, ins_max)) if ins_max is not None else k
    ordered, slot = select_instances(candidates, n_keep, order)  # (B, n, H, W), (B, n)
    out_images, out_masks = images.clone(), masks.clone()
    for sl in step_slices(n_keep, ins_per, drop_last=False):
        a_m, slot_m = ordered[:, sl], slot[:, sl]
        active = _active(a_m)
        if not active.any():
            break
        x = out_images[active]
        y, b_m = G(x, a_m[active])
        if clean_masks:
            b_m = largest_component(b_m)
        y = composite(x, y, a_m[active], b_m) if paste_back else y
        out_images[active] = fill_vacated(y, a_m[active], b_m) if fill_background else y
        # Scatter the generated masks back to their original slots (padding slots are -1: skip them).
        rows, cols = (slot_m[active] >= 0).nonzero(as_tuple=True)
        out_masks[active.nonzero()[:, 0][rows], slot_m[active][rows, cols]] = b_m[rows, cols]
    return out_images, out_masks


def _set_requires_grad(nets: Sequence[nn.Module], flag: bool) -> None:
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


@dataclass
class _Direction:
    """What one direction (A->B or B->A) produced at a step, for the D update and the feedback."""

    active: torch.Tensor  # bool (B,)
    fake_images: torch.Tensor  # y'_m (n_active, 3, H, W)
    fake_masks: torch.Tensor  # b'_m (n_active, P, H, W)
    aggregated: torch.Tensor  # [y'_m, b'_1..m-1 (detached), b'_m, -1 padding] (n_active, 3 + slots, H, W)
    losses: dict[str, torch.Tensor]


def _generator_terms(
    G: nn.Module,
    G_back: nn.Module,
    D: nn.Module,
    x: torch.Tensor,
    a_m: torch.Tensor,
    earlier: list[torch.Tensor],
    slots: int,
    weights: LossWeights,
) -> _Direction | None:
    """One direction's generator losses at one step (paper Eqs. 3–6), or None if it has no instances.

    x: the step's input image (B, 3, H, W), detached; a_m: the step's masks (B, P, H, W); earlier: the
    detached generated masks of earlier steps, each (B, P, H, W).
    """
    active = _active(a_m)
    if not active.any():
        return None
    x, a_m = x[active], a_m[active]
    fake_images, fake_masks = G(x, a_m)  # (y'_m, b'_m) = G_XY(x_m, a_m)
    rec_images, rec_masks = G_back(fake_images, fake_masks)  # G_YX(y'_m, b'_m)
    idt_images, idt_masks = G_back(x, a_m)  # G_YX(x_m, a_m): identity on the "wrong" domain
    prior = [m[active] for m in earlier]
    aggregated = torch.cat([fake_images, *prior, fake_masks], 1)
    aggregated = torch.cat([aggregated[:, :3], pad_masks(aggregated[:, 3:], slots)], 1)
    real = torch.cat([x, a_m], 1)
    losses = {
        "gan": generator_gan_loss(D(aggregated[:, :3], aggregated[:, 3:])),
        "cycle": cycle_loss(torch.cat([rec_images, rec_masks], 1), real),
        "identity": identity_loss(torch.cat([idt_images, idt_masks], 1), real),
    }
    if weights.context > 0:
        losses["context"] = context_preserving_loss(
            x, fake_images, a_m, fake_masks, detach_weight=weights.detach_context_weight
        )
    return _Direction(active, fake_images, fake_masks, aggregated, losses)


def _weighted_total(losses: dict[str, torch.Tensor], weights: LossWeights) -> torch.Tensor:
    scale = {"gan": 1.0, "cycle": weights.cycle, "identity": weights.identity, "context": weights.context}
    return sum(scale[name] * value for name, value in losses.items())  # type: ignore[return-value]


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
) -> list[dict[str, float]]:
    """One training iteration on a batch of each domain, with the authors' sequential semantics.

    Args:
        model: G_A, G_B, D_A, D_B of any method; ``opt_G`` holds both generators, ``opt_D`` both
            discriminators.
        pools: (fakes of B judged by D_A, fakes of A judged by D_B).
        images_A, images_B: (B, 3, H, W) in [-1, 1] (batch sizes may differ).
        masks_A, masks_B: (B, K, H, W) dataset masks in [-1, 1], absent slots -1.
        config: ins_max / ins_per / order. The CycleGAN baselines always take one step.
        weights: λ_cyc, λ_idt, λ_ctx.
        generator: RNG for ``order="random"``.

    Per step m (M = ins_max // ins_per steps, fewer if both directions run out of instances):
      1. freeze D; (y'_m, b'_m) = G_A(x_m, a_m) and the B side likewise; L_G = Σ_directions
         [GAN + λ_cyc·cycle + λ_idt·identity + λ_ctx·context]; one Adam step on both generators;
      2. unfreeze D; L_D = 0.5·[(D_A(y, b) − 1)² + D_A(pool(fake))²] (+ D_B); one Adam step. D's real
         sample is always the original image with all selected masks; its fake is the aggregated
         [y'_m, b'_1..m, -1 padding];
      3. x_{m+1} = y'_m.detach() (per sample; samples out of instances keep their image).

    Returns one dict of float losses per step that ran (keys ``G_A/gan``, ``G_A/cycle``, …,
    ``D_A``, ``D_B``, ``G``).
    """
    config = config or SequentialConfig()
    weights = weights or LossWeights()
    if model.method != "instagan":
        weights = LossWeights(weights.cycle, weights.identity, 0.0, weights.detach_context_weight)
    sel_A = model.prepare_masks(masks_A, config.ins_max, config.order, generator)
    sel_B = model.prepare_masks(masks_B, config.ins_max, config.order, generator)
    ins_per = config.ins_per if model.method == "instagan" else max(1, sel_A.shape[1])
    slots = sel_A.shape[1]
    x_A, x_B = images_A, images_B
    earlier_A: list[torch.Tensor] = []  # detached b'_1..m-1 of the A->B direction
    earlier_B: list[torch.Tensor] = []
    history = []
    for sl in step_slices(slots, ins_per):
        # 1. Generator update, discriminators frozen.
        _set_requires_grad(model.discriminators, False)
        opt_G.zero_grad(set_to_none=True)
        fwd_A = _generator_terms(model.G_A, model.G_B, model.D_A, x_A, sel_A[:, sl], earlier_A, slots, weights)
        fwd_B = _generator_terms(model.G_B, model.G_A, model.D_B, x_B, sel_B[:, sl], earlier_B, slots, weights)
        if fwd_A is None and fwd_B is None:
            break
        record: dict[str, float] = {}
        total = torch.zeros((), device=images_A.device)
        for name, fwd in (("G_A", fwd_A), ("G_B", fwd_B)):
            if fwd is not None:
                total = total + _weighted_total(fwd.losses, weights)
                record.update({f"{name}/{k}": v.item() for k, v in fwd.losses.items()})
        total.backward()
        opt_G.step()
        record["G"] = total.item()

        # 2. Discriminator update: real = original image with all selected masks, fake from the pool.
        _set_requires_grad(model.discriminators, True)
        opt_D.zero_grad(set_to_none=True)
        loss_D = torch.zeros((), device=images_A.device)
        for name, D, fwd, pool, real, real_masks in (
            ("D_A", model.D_A, fwd_A, pools[0], images_B, sel_B),
            ("D_B", model.D_B, fwd_B, pools[1], images_A, sel_A),
        ):
            if fwd is None:
                continue
            fake = pool.query(fwd.aggregated)
            loss = discriminator_loss(D(real, real_masks), D(fake[:, :3], fake[:, 3:]))
            record[name] = loss.item()
            loss_D = loss_D + loss
        loss_D.backward()
        opt_D.step()

        # 3. Feed back the detached translation; remember the detached masks for aggregation.
        x_A, earlier_A = _feed_back(x_A, sel_A[:, sl], earlier_A, fwd_A)
        x_B, earlier_B = _feed_back(x_B, sel_B[:, sl], earlier_B, fwd_B)
        history.append(record)
    return history


def _feed_back(
    x: torch.Tensor, a_m: torch.Tensor, earlier: list[torch.Tensor], fwd: _Direction | None
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """x_{m+1} = y'_m.detach() for the active samples; append b'_m.detach() (-1 for inactive samples)."""
    if fwd is None:
        return x, [*earlier, a_m]
    x = x.clone()
    x[fwd.active] = fwd.fake_images.detach()
    masks = a_m.clone()
    masks[fwd.active] = fwd.fake_masks.detach()
    return x, [*earlier, masks]


@torch.no_grad()
def translate(
    model: TranslationModel,
    images: torch.Tensor,
    masks: torch.Tensor,
    direction: str = "AtoB",
    **options,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Translate with any method's generator: ``"AtoB"`` uses G_A, ``"BtoA"`` G_B.

    images (B, 3, H, W) and dataset masks (B, K, H, W) in [-1, 1] -> (images (B, 3, H, W), masks). For
    InstaGAN this is :func:`sequential_translate` (``options`` go to it) and the masks keep the input's
    K slots; the CycleGAN baselines translate the image in one call and return their own mask channels
    (none for CycleGAN, the translated union for CycleGAN + Seg).
    """
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
    G = model.G_A if direction == "AtoB" else model.G_B
    if model.method == "instagan":
        return sequential_translate(G, images, masks, **options)
    return G(images, model.prepare_masks(masks, 1))
