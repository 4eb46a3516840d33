"""An exponential moving average of the generators' weights (Polyak averaging; Yazıcı et al. 2019 for GANs).

θ_ema ← d_t·θ_ema + (1 − d_t)·θ after every training iteration, with d_t = min(d, (1 + t) / (10 + t)) so
that the average forgets the random initialisation quickly. GAN weights oscillate around a good solution;
their average is usually a better generator than the last iterate. A lite-recipe option (not the authors'):
the average is what is evaluated and shipped; training continues on the raw weights.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn

__all__ = ["ExponentialMovingAverage"]


class ExponentialMovingAverage:
    """A shadow copy of the parameters of ``modules`` (e.g. ``model.generators``) with decay ``decay``."""

    def __init__(self, modules: Sequence[nn.Module], decay: float) -> None:
        if not 0 < decay < 1:
            raise ValueError(f"decay must lie in (0, 1), got {decay}")
        self.decay = decay
        self.updates = 0
        self.shadow = [p.detach().clone() for m in modules for p in m.parameters()]

    @staticmethod
    def _parameters(modules: Sequence[nn.Module]) -> list[torch.Tensor]:
        return [p for m in modules for p in m.parameters()]

    @torch.no_grad()
    def update(self, modules: Sequence[nn.Module]) -> None:
        """θ_ema ← d_t·θ_ema + (1 − d_t)·θ, d_t = min(decay, (1 + t) / (10 + t)) with t updates so far."""
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for shadow, p in zip(self.shadow, self._parameters(modules), strict=True):
            shadow.lerp_(p.detach(), 1 - d)
        self.updates += 1

    @torch.no_grad()
    def copy_to(self, modules: Sequence[nn.Module]) -> None:
        """Overwrite the parameters of ``modules`` with the average."""
        for shadow, p in zip(self.shadow, self._parameters(modules), strict=True):
            p.copy_(shadow)

    @contextmanager
    def applied(self, modules: Sequence[nn.Module]) -> Iterator[None]:
        """Within the block, ``modules`` hold the averaged weights; the raw ones come back after."""
        raw = [p.detach().clone() for p in self._parameters(modules)]
        self.copy_to(modules)
        try:
            yield
        finally:
            with torch.no_grad():
                for saved, p in zip(raw, self._parameters(modules), strict=True):
                    p.copy_(saved)

    def state_dict(self) -> dict:
        return {"decay": self.decay, "updates": self.updates, "shadow": self.shadow}

    def load_state_dict(self, state: dict) -> None:
        self.decay, self.updates = float(state["decay"]), int(state["updates"])
        self.shadow = [t.clone() for t in state["shadow"]]
