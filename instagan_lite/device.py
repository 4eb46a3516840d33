"""Device choice: one rule for the trainer, the demo, the CLI and the notebooks."""

from __future__ import annotations

import torch

__all__ = ["pick_device"]


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def pick_device(name: str | torch.device = "auto") -> torch.device:
    """``"auto"``: CUDA if available, else Apple MPS, else CPU; ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or
    ``"mps"`` are used as given when this machine has them. Raises ``ValueError`` for a name torch does not
    know (e.g. ``"gpu"``) or a device this machine lacks."""
    if isinstance(name, torch.device):
        return name
    if name != "auto":
        try:
            device = torch.device(name)
        except RuntimeError:
            raise ValueError(f"device must be auto, cpu, cuda, cuda:N or mps, got {name!r}") from None
        if device.type == "cuda":
            if not torch.cuda.is_available():
                raise ValueError(f"device {name!r}: this machine has no CUDA GPU that torch can use (try auto or cpu)")
            if device.index is not None and device.index >= torch.cuda.device_count():
                raise ValueError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA GPU(s)")
        elif device.type == "mps":
            if not _mps_available():
                raise ValueError(f"device {name!r}: Apple MPS is not available on this machine (try auto or cpu)")
        elif device.type != "cpu":
            raise ValueError(f"device must be auto, cpu, cuda, cuda:N or mps, got {name!r}")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")
