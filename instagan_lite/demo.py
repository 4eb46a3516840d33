"""``make demo``: the main job on the built-in data, end to end, in seconds on a CPU.

Loads the shipped lite InstaGAN (or, with ``retrain``, trains one for ``minutes``), translates held-out
shapes images both ways with the translation options the shipped model records, and writes a figure
per direction and the benchmark measures next to the identity and oracle reference rows.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from .data.sources import shapes_test_batch
from .device import pick_device
from .evaluate import benchmark, format_table
from .pretrained import LoadedModel, load_pretrained, registry
from .train import TrainConfig, Trainer
from .translate import TranslateOptions, translate
from .viz import save_figure, translation_figure

__all__ = ["DEMO_CHECKPOINT", "run_demo"]

DEMO_CHECKPOINT = "instagan_lite_shapes32"
"""The shipped model the demo shows."""


def _train(minutes: float, device: torch.device, out: Path) -> tuple[LoadedModel, dict]:
    """A lite InstaGAN trained with the default recipe for ``minutes``."""
    config = TrainConfig(
        epochs=1000, minutes=minutes, device=str(device), out_dir=str(out / "run"), checkpoint_every=100, sample_every=0
    )
    print(f"training lite InstaGAN on 32 px shapes for {minutes:g} minutes on {device}")
    trainer = Trainer(config)
    result = trainer.fit()
    run = {
        "source": str(result.checkpoint),
        "iterations": result.iterations,
        "train_minutes": round(result.seconds / 60, 2),
    }
    options = TranslateOptions(config.sequential.for_inference())
    # What the recipe evaluates and ships: the generators' moving average, not the raw weights.
    return LoadedModel(trainer.translation_model().eval(), config, options), run


def run_demo(
    out: Path | str = "outputs/demo", minutes: float = 4.0, device: str = "auto", retrain: bool = False
) -> dict:
    """Run the demo; returns the paths written and the run's numbers."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dev = pick_device(device)
    start = time.perf_counter()
    shipped = None if retrain else registry().get(DEMO_CHECKPOINT)
    if shipped is not None:
        print(f"loading the shipped model {DEMO_CHECKPOINT} (trained {shipped['train_minutes']} min on a CPU)")
        loaded = load_pretrained(DEMO_CHECKPOINT, dev)
        run = {
            "source": DEMO_CHECKPOINT,
            "iterations": shipped["iterations"],
            "train_minutes": shipped["train_minutes"],
        }
    else:
        loaded, run = _train(minutes, dev, out)
    size = loaded.config.data.size
    print(f"translating with {loaded.options}")
    figures = []
    for direction, domain in (("AtoB", "A"), ("BtoA", "B")):
        batch = shapes_test_batch(domain, size, 8)
        y, b = translate(loaded.model, batch["images"].to(dev), batch["masks"].to(dev), direction, loaded.options)
        title = f"lite InstaGAN, {direction} (A: wide ellipses, B: tall rectangles)"
        fig = translation_figure(batch["images"], batch["masks"], y.cpu(), b.cpu(), title, batch["oracle"])
        figures.append(str(save_figure(fig, out / f"translations_{direction}.png")))
    tables = benchmark({"InstaGAN": (loaded.model, loaded.options)}, device=dev, size=size, n=200)
    summary = {
        "run": run,
        "translate_options": loaded.options.as_dict(),
        "metrics": tables,
        "seconds": round(time.perf_counter() - start, 1),
    }
    metrics_path = out / "metrics.json"
    metrics_path.write_text(json.dumps(summary, indent=2))
    for direction, rows in tables.items():
        print(f"\n{direction.replace('to', ' → ')}, 200 test images\n{format_table(rows)}")
    print("\nwrote:")
    for path in [*figures, str(metrics_path)]:
        print(f"  {path}")
    return {"figures": figures, "metrics": str(metrics_path), **summary}
