"""Checkpoints shipped with the package: hash-checked loading and load-else-train.

``instagan_lite/checkpoints/registry.json`` lists each shipped checkpoint with its file, sha256, the
command that made it, its training time and its metrics file. Weights are stored in half precision
(generators only) and loaded as float32.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import torch

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .model import TranslationModel
from .train import TrainConfig, Trainer, pick_device

__all__ = ["CHECKPOINTS", "export_pretrained", "load_pretrained", "registry", "sha256", "train_or_load"]

CHECKPOINTS = Path(__file__).parent / "checkpoints"


def sha256(path: Path | str) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def registry(folder: Path = CHECKPOINTS) -> dict[str, dict]:
    """``{name: {"file", "sha256", "command", "train_minutes", "iterations", "metrics", "translate_options",
    "config"}}`` ({} if none)."""
    path = folder / "registry.json"
    return json.loads(path.read_text()) if path.exists() else {}


def load_pretrained(
    name: str, device: str | torch.device = "cpu", folder: Path = CHECKPOINTS
) -> tuple[TranslationModel, TrainConfig]:
    """Load shipped checkpoint ``name`` after checking its sha256; float32, eval mode.

    Raises :class:`CheckpointError` if it is not registered, missing, or its hash does not match.
    """
    entries = registry(folder)
    if name not in entries:
        raise CheckpointError(f"no shipped checkpoint {name!r} (shipped: {', '.join(entries) or 'none'})")
    entry = entries[name]
    path = folder / entry["file"]
    if not path.exists():
        raise CheckpointError(f"{path}: shipped checkpoint file is missing")
    digest = sha256(path)
    if digest != entry["sha256"]:
        raise CheckpointError(f"{path}: sha256 {digest} does not match the registry's {entry['sha256']}; refusing it")
    state = load_checkpoint(path, map_location="cpu")
    config = TrainConfig.from_dict(state["config"])
    model = TranslationModel.build(config.method, config.preset, config.cyclegan_width, composite=config.composite)
    weights = {k: v.float() if v.is_floating_point() else v for k, v in state["generators"].items()}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or any(not k.startswith(("D_A.", "D_B.")) for k in missing):
        raise CheckpointError(f"{path}: weights do not fit {config.method}/{config.preset}")
    return model.to(device).eval(), config


def export_pretrained(
    model: TranslationModel,
    config: TrainConfig,
    name: str,
    command: str,
    train_minutes: float,
    iterations: int,
    metrics: dict,
    losses: Path | None = None,
    folder: Path = CHECKPOINTS,
    translate_options: dict | None = None,
) -> Path:
    """Ship a model: its generators in half precision, its metrics JSON, its loss log (``losses``, the
    run's ``losses.csv``) and a registry entry (with ``translate_options``, the translation options its
    metrics were measured with)."""
    folder.mkdir(parents=True, exist_ok=True)
    generators = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()
                  if k.startswith(("G_A.", "G_B."))}  # fmt: skip
    path = save_checkpoint({"kind": "pretrained", "config": asdict(config), "method": model.method,
                            "generators": generators}, folder / f"{name}.pt")  # fmt: skip
    metrics_file = f"{name}_metrics.json"
    (folder / metrics_file).write_text(json.dumps(metrics, indent=2) + "\n")
    if losses is not None:
        shutil.copyfile(losses, folder / f"{name}_losses.csv")
    entries = registry(folder)
    entries[name] = {"file": path.name, "sha256": sha256(path), "command": command,
                     "train_minutes": round(train_minutes, 2), "iterations": iterations, "metrics": metrics_file,
                     "translate_options": translate_options or {}, "config": asdict(config)}  # fmt: skip
    (folder / "registry.json").write_text(json.dumps(entries, indent=2) + "\n")
    return path


def train_or_load(name: str, config: TrainConfig, device: str = "auto") -> tuple[TranslationModel, str]:
    """The shipped checkpoint ``name`` if there is one, else a model trained with ``config``.

    Returns the model (eval mode) and where it came from (``"shipped"`` or ``"trained"``).
    """
    dev = pick_device(device)
    if name in registry():
        return load_pretrained(name, dev)[0], "shipped"
    trainer = Trainer(config)
    trainer.fit()
    return trainer.model.eval(), "trained"
