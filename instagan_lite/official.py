"""Load the authors' InstaGAN checkpoints (sangwoomo/instagan) into our ``paper``-preset modules.

Their files are plain state dicts: ``<epoch>_net_G_A.pth`` (A -> B), ``_net_G_B``, ``_net_D_A`` (judges B),
``_net_D_B``. Generator keys already match ours (``encoder_img.1.weight``, ``decoder_seg.7.bias``, …).
Discriminator convs sit inside their own spectral-norm wrapper, which stores ``weight_bar`` (the raw
weight) and the power-iteration vectors ``weight_u`` / ``weight_v``; we map those onto torch's
parametrization (``parametrizations.weight.original`` / ``.0._u`` / ``.0._v``). In eval mode torch then
computes σ = u·(W v) from exactly the stored vectors, the value of the authors' last forward pass.
A ``module.`` prefix (DataParallel) is stripped and legacy InstanceNorm statistics are dropped.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import torch
from torch import nn

from .checkpoint import CheckpointError, error_summary
from .set_networks import SetDiscriminator, SetGenerator

__all__ = ["convert_official_state_dict", "load_official_checkpoint"]

_LEGACY_NORM = ("running_mean", "running_var", "num_batches_tracked")
_SN_SUFFIX = {
    "module.weight_bar": "parametrizations.weight.original",
    "module.weight_u": "parametrizations.weight.0._u",
    "module.weight_v": "parametrizations.weight.0._v",
    "module.bias": "bias",
}


def convert_official_state_dict(state: dict[str, torch.Tensor], kind: str) -> dict[str, torch.Tensor]:
    """Rename the authors' keys to ours. ``kind`` is ``"G"`` or ``"D"``. Tensors are passed through
    unchanged (the same objects)."""
    if kind not in ("G", "D"):
        raise ValueError(f"kind must be 'G' or 'D', got {kind!r}")
    out = {}
    for key, value in state.items():
        key = key.removeprefix("module.")
        if key.rsplit(".", 1)[-1] in _LEGACY_NORM:
            continue
        if kind == "D":
            for theirs, ours in _SN_SUFFIX.items():
                if key.endswith(theirs):
                    key = key[: -len(theirs)] + ours
                    break
        out[key] = value
    return out


def load_official_checkpoint(path: Path | str, kind: str) -> nn.Module:
    """Read one of the authors' ``*_net_G_*.pth`` (``kind="G"``) or ``*_net_D_*.pth`` (``kind="D"``) and
    return our :class:`SetGenerator` / :class:`SetDiscriminator` at the ``paper`` widths, in eval mode.

    Raises :class:`CheckpointError` for an unreadable file or one whose keys do not match, listing the
    missing and unexpected keys.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(f"{path}: refused: not a plain state dict ({error_summary(err)})") from err
    except (RuntimeError, EOFError, OSError, ValueError, KeyError, IndexError, TypeError) as err:
        raise CheckpointError(f"{path}: corrupt or truncated checkpoint ({error_summary(err)})") from err
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: not a state dict of tensors")
    module = SetGenerator.paper() if kind == "G" else SetDiscriminator.paper()
    converted = convert_official_state_dict(state, kind)
    expected = module.state_dict()
    missing = sorted(set(expected) - set(converted))
    unexpected = sorted(set(converted) - set(expected))
    wrong = sorted(k for k in set(expected) & set(converted) if expected[k].shape != converted[k].shape)
    if missing or unexpected or wrong:
        details = [
            f"{label} ({len(keys)}): {', '.join(keys[:8])}{' …' if len(keys) > 8 else ''}"
            for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong))
            if keys
        ]
        raise CheckpointError(f"{path}: not an InstaGAN {kind} checkpoint at the paper widths; " + "; ".join(details))
    module.load_state_dict(converted)
    return module.eval()
