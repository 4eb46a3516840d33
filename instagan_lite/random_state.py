"""The random state of one process, saved with a checkpoint so that a resumed run draws what the
uninterrupted run would have drawn (dropout-free networks still draw: image pools, flips, orders)."""

from __future__ import annotations

import torch

__all__ = ["get_process_rng_state", "set_process_rng_state"]


def get_process_rng_state() -> dict:
    """``{"torch_rng": CPU generator state, "cuda_rng": [state per GPU] (empty without CUDA)}``."""
    return {
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_process_rng_state(state: dict) -> None:
    """Restore what :func:`get_process_rng_state` returned (the CUDA part only where CUDA is available)."""
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
