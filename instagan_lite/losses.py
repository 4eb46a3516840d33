"""Losses: LSGAN, cycle, identity and InstaGAN's context-preserving loss, and their weights.

:class:`LossWeights` is the one place the λ of each generator term lives (the authors' effective values:
λ_cyc = 10, λ_idt = 10, λ_ctx = 10; the GAN term has weight 1 and the discriminator's loss is halved).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .masks import context_weight
from .settings import setting

__all__ = [
    "GENERATOR_TERMS",
    "LossWeights",
    "context_preserving_loss",
    "cycle_loss",
    "discriminator_loss",
    "generator_gan_loss",
    "identity_loss",
]

GENERATOR_TERMS = ("gan", "cycle", "identity", "context")
"""The generator's loss terms of one direction, in the order they are logged."""


@dataclass(frozen=True)
class LossWeights:
    """λ of each generator term (paper Eq. 7) and whether w(a, b') is detached.

    Defaults are the authors' effective values: λ_cyc = λ_idt = λ_ctx = 10 (their λ_A · λ_idt and
    λ_A · λ_ctx with λ_A = 10, λ_idt = λ_ctx = 1). ``context = 0`` turns the context-preserving loss off.
    """

    cycle: float = setting(10.0, "weight of the cycle-consistency loss", flag="lambda-cyc")
    identity: float = setting(10.0, "weight of the identity loss", flag="lambda-idt")
    context: float = setting(10.0, "weight of the context-preserving loss (0 turns it off)", flag="lambda-ctx")
    detach_context_weight: bool = setting(
        False, "stop the gradient through w(a, b') (the authors let it flow into the generated masks)"
    )

    def __post_init__(self) -> None:
        for term in ("cycle", "identity", "context"):
            if getattr(self, term) < 0:
                raise ValueError(f"the {term} weight λ must be >= 0 (0 turns the term off), got {getattr(self, term)}")

    def of(self, term: str) -> float:
        """The weight of ``term`` (one of :data:`GENERATOR_TERMS`; the GAN term weighs 1)."""
        if term not in GENERATOR_TERMS:
            raise KeyError(f"unknown loss term {term!r}; expected one of {GENERATOR_TERMS}")
        return 1.0 if term == "gan" else getattr(self, term)

    def total(self, terms: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """L_G of one direction: GAN + λ_cyc·cycle + λ_idt·identity + λ_ctx·context (the terms present)."""
        return sum(self.of(name) * value for name, value in terms.items())  # type: ignore[return-value]


def generator_gan_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """LSGAN generator term (paper Eq. 3): mean (D(G(x)) − 1)². Scores of any shape -> scalar."""
    return F.mse_loss(fake_scores, torch.ones_like(fake_scores))


def discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """LSGAN discriminator loss, halved as in CycleGAN: 0.5 · [mean (D(y) − 1)² + mean D(G(x))²]."""
    real = F.mse_loss(real_scores, torch.ones_like(real_scores))
    fake = F.mse_loss(fake_scores, torch.zeros_like(fake_scores))
    return 0.5 * (real + fake)


def cycle_loss(reconstruction: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Cycle-consistency (Eq. 4): mean |G_YX(G_XY(x, a)) − (x, a)| over every element.

    Pass images and masks concatenated on the channel axis, (B, 3 + K, H, W), to mix them in one mean
    as the authors do.
    """
    return F.l1_loss(reconstruction, original)


def identity_loss(mapped: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Identity mapping (Eq. 5): mean |G_YX(x, a) − (x, a)|, the target detached."""
    return F.l1_loss(mapped, original.detach())


def context_preserving_loss(
    images: torch.Tensor,
    translated: torch.Tensor,
    input_masks: torch.Tensor,
    generated_masks: torch.Tensor,
    detach_weight: bool = False,
) -> torch.Tensor:
    """Context-preserving loss (Eq. 6): mean over (B, 3, H, W) of w(a, b') ⊙ |x − y'|.

    Args:
        images: x, the step's input images (B, 3, H, W) in [-1, 1].
        translated: y', the generator's output images (B, 3, H, W) in [-1, 1].
        input_masks: a, the step's input masks (B, K, H, W) in [-1, 1].
        generated_masks: b', the generated masks (B, K, H, W) in [-1, 1].
        detach_weight: stop the gradient through w (the authors let it flow).

    The mean runs over all pixels (not normalised by Σ w), as in the authors' code.
    """
    w = context_weight(input_masks, generated_masks, detach_weight)  # w(a, b'), (B, 1, H, W)
    return (w * (images - translated).abs()).mean()
