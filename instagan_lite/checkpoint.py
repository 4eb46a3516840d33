"""Checkpoints that survive: atomic writes, safe loading, a clear error for anything that is not ours.

A checkpoint is a dict ``{"format": "instagan-lite", "version": 1, "kind": ..., ...}`` saved with
``torch.save``. It is written to a temporary file in the same folder and renamed over the target, so an
interruption never leaves a half-written checkpoint where a good one was. It is read with
``torch.load(weights_only=True)``, which refuses arbitrary pickled objects.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

import torch

__all__ = [
    "FORMAT",
    "CheckpointError",
    "error_summary",
    "load_checkpoint",
    "remove_orphan_temporaries",
    "save_checkpoint",
]

FORMAT = "instagan-lite"
VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, corrupt, truncated, unsafe or not an instagan-lite checkpoint."""


def error_summary(err: BaseException) -> str:
    """The first line of ``err``'s message, or its type's name when the message is empty (torch raises
    some errors, e.g. on a 0-byte file, with no message at all)."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def _temporary_prefix(path: Path) -> str:
    """The name :func:`save_checkpoint` gives its temporary file before renaming it over ``path``."""
    return f".{path.name}."


def save_checkpoint(payload: dict, path: Path | str) -> Path:
    """Write ``payload`` (tensors, numbers, strings, lists and dicts of them) atomically to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, "version": VERSION, **payload}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove_orphan_temporaries(path: Path | str) -> list[Path]:
    """Delete the temporary files that :func:`save_checkpoint` leaves next to ``path`` when its process is
    killed mid-write (SIGKILL cannot be caught): ``.<name>.<random>.tmp``. Returns the paths removed."""
    path = Path(path)
    removed = [p for p in path.parent.glob(f"{_temporary_prefix(path)}*.tmp") if p.is_file()]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def load_checkpoint(path: Path | str, map_location: str | torch.device = "cpu") -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`; raise :class:`CheckpointError` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"{path}: refused: the file holds Python objects that are not plain tensors and containers "
            f"(weights_only loading); it is not an instagan-lite checkpoint. ({error_summary(err)})"
        ) from err
    except (RuntimeError, EOFError, OSError, ValueError, KeyError, IndexError, TypeError) as err:
        raise CheckpointError(f"{path}: corrupt or truncated checkpoint ({error_summary(err)})") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an instagan-lite checkpoint (no 'format': '{FORMAT}' entry)")
    if payload.get("version", 0) > VERSION:
        raise CheckpointError(f"{path}: written by a newer instagan-lite (version {payload['version']})")
    return payload
