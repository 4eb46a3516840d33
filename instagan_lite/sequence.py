"""The sequential mini-batch spec (paper Sec. 2.3), one home for training and inference.

InstaGAN translates a few instances at a time: the ``ins_max`` largest instances of an image, in
``order``, are cut into slices of ``ins_per``; step m translates x_m with the m-th slice a_m and feeds
y'_m to step m + 1. Training (the authors' ``optimize_parameters``) drops a final partial slice;
inference (their ``test``) keeps it, and translates every instance.

    SequentialConfig()                     # training: 4 largest, 2 per step, partial slice dropped
    SequentialConfig.inference(ins_per=2)  # inference: every instance, 2 per step, partial slice kept
    config.for_inference()                 # how a model trained with ``config`` translates
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .masks import ORDERS, instance_validity
from .settings import setting

__all__ = ["SequentialConfig", "active_samples", "step_slices"]


@dataclass(frozen=True)
class SequentialConfig:
    """How instances are fed: the ``ins_max`` largest per image (None: every one), ``ins_per`` per step,
    in ``order`` (``"decreasing"`` area or ``"random"``); ``drop_last`` ignores a final partial slice,
    as the authors' training does when ins_max % ins_per != 0 (their inference keeps it).
    ``ins_per == ins_max`` is the one-shot mode."""

    ins_max: int | None = setting(4, "the largest instances used per image", kind=int)
    ins_per: int = setting(2, "instances per sequential step (= --ins-max: one shot)")
    order: str = setting("decreasing", "instance order: decreasing area or random", choices=ORDERS)
    drop_last: bool = True

    def __post_init__(self) -> None:
        if self.ins_per < 1:
            raise ValueError(f"ins_per must be >= 1, got {self.ins_per}")
        if self.ins_max is not None and self.ins_per > self.ins_max:
            raise ValueError(f"need 1 <= ins_per <= ins_max, got ins_per={self.ins_per}, ins_max={self.ins_max}")
        if self.order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}, got {self.order!r}")

    @classmethod
    def inference(cls, *, ins_per: int = 2, ins_max: int | None = None, order: str = "decreasing") -> SequentialConfig:
        """The inference spec: ``ins_per`` per step, every instance (or the ``ins_max`` largest), the last
        partial slice kept (the authors' ``test``)."""
        return cls(ins_max=ins_max, ins_per=ins_per, order=order, drop_last=False)

    def for_inference(self) -> SequentialConfig:
        """How a model trained with this spec translates: the same ``ins_per``; every instance (not only
        the ``ins_max`` largest), in decreasing area (a random training order is not repeated at
        inference), the last partial slice kept."""
        return SequentialConfig.inference(ins_per=self.ins_per)

    @property
    def n_steps(self) -> int:
        """M = ins_max // ins_per under ``drop_last`` (leftover instances are ignored, as in the authors'
        code), else ⌈ins_max / ins_per⌉. Needs ``ins_max``."""
        if self.ins_max is None:
            raise ValueError("n_steps needs ins_max (None translates every instance an image has)")
        return len(self.slices(self.ins_max))

    def slots(self, n_slots: int) -> int:
        """How many of an image's ``n_slots`` mask slots the spec uses: min(n_slots, ins_max)."""
        return n_slots if self.ins_max is None else min(n_slots, self.ins_max)

    def slices(self, n_slots: int) -> list[slice]:
        """The mask-channel slices of the steps over ``n_slots`` ordered slots (:func:`step_slices`)."""
        return step_slices(n_slots, self.ins_per, self.drop_last)


def step_slices(n_slots: int, ins_per: int, drop_last: bool = True) -> list[slice]:
    """The mask-channel slices of the sequential steps: [0:P], [P:2P], … (a single empty slice if 0).

    ``drop_last`` ignores a final partial slice, as the authors' training does when ins_max % ins_per
    != 0; inference keeps it.
    """
    if n_slots == 0:
        return [slice(0, 0)]
    stop = n_slots - ins_per + 1 if drop_last else n_slots
    return [slice(i, i + ins_per) for i in range(0, stop, ins_per)]


def active_samples(masks: torch.Tensor) -> torch.Tensor:
    """bool (B,): samples with at least one instance in ``masks`` (B, K, H, W) (all of them when K = 0)."""
    if masks.shape[1] == 0:
        return torch.ones(masks.shape[0], dtype=torch.bool, device=masks.device)
    return instance_validity(masks).any(1)
