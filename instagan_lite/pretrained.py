"""Model files: the checkpoints shipped with the package, model-only files, and loading any of ours.

``instagan_lite/checkpoints/registry.json`` lists each shipped checkpoint with its file, sha256, the
command that made it, its training time, the :class:`~instagan_lite.translate.TranslateOptions` its
metrics were measured with, and its metrics file. Shipped weights are the generators in half precision,
loaded as float32. :func:`load_pretrained` and :func:`load_model` return the model *with* the options it
is meant to be translated with, so nobody restates them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import NamedTuple

import torch

from .checkpoint import CheckpointError, error_summary, load_checkpoint, save_checkpoint
from .ema import ExponentialMovingAverage
from .model import TranslationModel
from .official import load_official_checkpoint
from .train import TrainConfig
from .translate import TranslateOptions

__all__ = [
    "CHECKPOINTS",
    "LoadedModel",
    "export_mask_predictor",
    "export_pretrained",
    "load_model",
    "load_pretrained",
    "load_pretrained_mask_predictor",
    "registry",
    "save_model",
    "sha256",
]

CHECKPOINTS = Path(__file__).parent / "checkpoints"


class LoadedModel(NamedTuple):
    """A model ready to translate: the networks (eval mode), the training config that made them (None for
    the authors' checkpoints) and the translation options to use with them."""

    model: TranslationModel
    config: TrainConfig | None
    options: TranslateOptions


def sha256(path: Path | str) -> str:
    """The hex sha256 of a file."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def registry(folder: Path = CHECKPOINTS, kind: str = "model") -> dict[str, dict]:
    """The shipped files of ``kind`` (``"model"``: translation models, ``"mask_predictor"``), ``{name:
    entry}``; a model's entry has ``file``, ``sha256``, ``command``, ``train_minutes``, ``iterations``,
    ``metrics``, ``translate_options`` and ``config`` ({} if none)."""
    path = folder / "registry.json"
    entries = json.loads(path.read_text()) if path.exists() else {}
    return {name: entry for name, entry in entries.items() if entry.get("kind", "model") == kind}


def _verified_file(name: str, kind: str, folder: Path) -> tuple[Path, dict]:
    entries = registry(folder, kind)
    if name not in entries:
        what = "checkpoint" if kind == "model" else "mask predictor"
        raise CheckpointError(f"no shipped {what} {name!r} (shipped: {', '.join(entries) or 'none'})")
    entry = entries[name]
    path = folder / entry["file"]
    if not path.exists():
        raise CheckpointError(f"{path}: shipped file is missing")
    digest = sha256(path)
    if digest != entry["sha256"]:
        raise CheckpointError(f"{path}: sha256 {digest} does not match the registry's {entry['sha256']}; refusing it")
    return path, entry


def _default_options(config: TrainConfig) -> TranslateOptions:
    return TranslateOptions(config.sequential.for_inference())


def _build(state: dict, weights: dict, path: Path, strict: bool) -> tuple[TranslationModel, TrainConfig]:
    config = TrainConfig.from_dict(state["config"])
    model = TranslationModel.from_config(config.model)
    weights = {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
    try:
        missing, unexpected = model.load_state_dict(weights, strict=strict)
    except RuntimeError as err:
        raise CheckpointError(
            f"{path}: the weights do not fit a {config.model.method}/{config.model.preset} model ({error_summary(err)})"
        ) from err
    if unexpected or any(not k.startswith(("D_A.", "D_B.")) for k in missing):
        raise CheckpointError(f"{path}: the weights do not fit a {config.model.method}/{config.model.preset} model")
    return model, config


def load_pretrained(name: str, device: str | torch.device = "cpu", folder: Path = CHECKPOINTS) -> LoadedModel:
    """Load shipped checkpoint ``name`` after checking its sha256; float32, eval mode, with the translation
    options its registry entry records.

    Raises :class:`CheckpointError` if it is not registered, missing, or its hash does not match.
    """
    path, entry = _verified_file(name, "model", folder)
    state = load_checkpoint(path, map_location="cpu")
    model, config = _build(state, state["generators"], path, strict=False)
    options = TranslateOptions.from_dict(entry["translate_options"])
    return LoadedModel(model.to(device).eval(), config, options)


def save_model(
    model: TranslationModel,
    path: Path | str,
    config: TrainConfig,
    options: TranslateOptions | None = None,
    extra: dict | None = None,
) -> Path:
    """A model-only checkpoint: the networks, the config that built them and the translation options."""
    options = options or _default_options(config)
    payload = {
        "kind": "model",
        "config": config.as_dict(),
        "method": model.method,
        "model": model.state_dict(),
        "translate_options": options.as_dict(),
        **(extra or {}),
    }
    return save_checkpoint(payload, path)


def load_model(path: Path | str, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model from any file of ours — a training checkpoint, a model file or a shipped file, told
    apart by their ``kind`` — or one of the authors' ``*_net_G_*.pth`` generators (which then serves both
    directions, as their test script does). Raises :class:`CheckpointError` for anything else."""
    path = Path(path)
    try:
        state = load_checkpoint(path, map_location=device)
    except CheckpointError as ours:
        try:
            generator = load_official_checkpoint(path, "G")
        except CheckpointError:
            raise ours from None
        model = TranslationModel("instagan", generator, generator, torch.nn.Identity(), torch.nn.Identity())
        return LoadedModel(model.to(device).eval(), None, TranslateOptions())
    kind = state.get("kind")
    if kind in ("trainer", "model"):
        model, config = _build(state, state["model"], path, strict=True)
        if state.get("ema"):  # a training checkpoint of a run that averages its generators: use the average
            ema = ExponentialMovingAverage(model.generators, state["ema"]["decay"])
            ema.load_state_dict(state["ema"])
            ema.copy_to(model.generators)
    elif kind == "pretrained":
        model, config = _build(state, state["generators"], path, strict=False)
    else:
        raise CheckpointError(f"{path}: an instagan-lite {kind!r} file, not a model")
    recorded = state.get("translate_options")  # older files: the flat form, read by from_dict
    options = TranslateOptions.from_dict(recorded) if recorded else _default_options(config)
    return LoadedModel(model.to(device).eval(), config, options)


def export_pretrained(
    model: TranslationModel,
    config: TrainConfig,
    name: str,
    command: str,
    train_minutes: float,
    iterations: int,
    metrics: dict,
    options: TranslateOptions,
    losses: Path | None = None,
    folder: Path = CHECKPOINTS,
) -> Path:
    """Ship a model: its generators in half precision with its translation options, its metrics JSON,
    its loss log (``losses``, the run's ``losses.csv``) and a registry entry."""
    folder.mkdir(parents=True, exist_ok=True)
    generators = {
        k: (v.half() if v.is_floating_point() else v)
        for k, v in model.state_dict().items()
        if k.startswith(("G_A.", "G_B."))
    }
    payload = {
        "kind": "pretrained",
        "config": config.as_dict(),
        "method": model.method,
        "generators": generators,
        "translate_options": options.as_dict(),
    }
    path = save_checkpoint(payload, folder / f"{name}.pt")
    metrics_file = f"{name}_metrics.json"
    (folder / metrics_file).write_text(json.dumps(metrics, indent=2) + "\n")
    if losses is not None:
        shutil.copyfile(losses, folder / f"{name}_losses.csv")
    details = {
        "train_minutes": round(train_minutes, 2),
        "iterations": iterations,
        "metrics": metrics_file,
        "translate_options": options.as_dict(),
        "config": config.as_dict(),
    }
    _register(folder, name, "model", path, command, details)
    return path


def _register(folder: Path, name: str, kind: str, path: Path, command: str, details: dict) -> None:
    """Add (or replace) the registry entry of a shipped file: its kind, file, sha256, command and details."""
    registry_file = folder / "registry.json"
    entries = json.loads(registry_file.read_text()) if registry_file.exists() else {}
    entries[name] = {"kind": kind, "file": path.name, "sha256": sha256(path), "command": command, **details}
    registry_file.write_text(json.dumps(entries, indent=2) + "\n")


def export_mask_predictor(predictor, name: str, command: str, folder: Path = CHECKPOINTS) -> Path:
    """Ship a :class:`~instagan_lite.mask_predictor.TrainedMaskPredictor` with a registry entry."""
    from .mask_predictor import save_mask_predictor

    path = save_mask_predictor(predictor, folder / f"{name}.pt")
    details = {
        "source": predictor.source,
        "size": predictor.size,
        "domains": list(predictor.domains),
        "quality": predictor.quality,
    }
    _register(folder, name, "mask_predictor", path, command, details)
    return path


def load_pretrained_mask_predictor(name: str, folder: Path = CHECKPOINTS):
    """A shipped mask predictor by name, after checking its sha256."""
    from .mask_predictor import load_mask_predictor

    path, _ = _verified_file(name, "mask_predictor", folder)
    return load_mask_predictor(path)
