"""CycleGAN's image history buffer (Shrivastava et al. 2017): the discriminator sees a mix of the newest
fakes and older ones, which damps oscillation."""

from __future__ import annotations

import torch

__all__ = ["ImagePool"]


class ImagePool:
    """A buffer of up to ``size`` past fakes (any (C, H, W) tensors; InstaGAN stores image + masks).

    ``query(batch)`` goes through the batch one sample at a time: while the pool is not full the sample
    is stored and returned; once full, with probability 0.5 a random stored sample is returned and
    replaced by the new one, otherwise the new one is returned. ``size = 0`` disables the pool.
    Draws come from ``generator`` (a CPU ``torch.Generator``) so that runs are reproducible and
    resumable; the pool's contents and RNG state are in ``state_dict()``.
    """

    def __init__(self, size: int = 50, seed: int = 0) -> None:
        if size < 0:
            raise ValueError(f"pool size must be >= 0, got {size}")
        self.size = size
        self.items: list[torch.Tensor] = []
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.items)

    def query(self, batch: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) fakes -> (B, C, H, W) fakes to show the discriminator (detached)."""
        batch = batch.detach()
        if self.size == 0:
            return batch
        if self.items and self.items[0].shape != batch.shape[1:]:
            raise ValueError(
                f"pool holds samples of shape {tuple(self.items[0].shape)}, got {tuple(batch.shape[1:])}: "
                "use one pool per number of mask slots"
            )
        out = []
        for sample in batch:
            if len(self.items) < self.size:
                self.items.append(sample.clone())
                out.append(sample)
            elif torch.rand((), generator=self.generator).item() < 0.5:
                j = int(torch.randint(self.size, (), generator=self.generator))
                out.append(self.items[j].clone())
                self.items[j] = sample.clone()
            else:
                out.append(sample)
        return torch.stack(out)

    def state_dict(self) -> dict:
        """The stored fakes and the RNG state, for checkpoints."""
        items = torch.stack(self.items) if self.items else torch.empty(0)
        return {"size": self.size, "items": items, "rng": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.size = int(state["size"])
        self.items = list(state["items"].unbind(0)) if state["items"].numel() else []
        self.generator.set_state(state["rng"])
