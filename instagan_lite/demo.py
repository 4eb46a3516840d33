"""``make demo``: the main job on the built-in data, end to end, in a few minutes on a CPU.

Loads the shipped lite InstaGAN checkpoint when there is one (else trains one for ``minutes``),
translates held-out shapes images both ways, and writes a figure and the benchmark measures.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from .evaluate import evaluate_model, format_table, shapes_test_batch
from .pretrained import load_pretrained, registry
from .sequential import translate
from .train import TrainConfig, Trainer, pick_device
from .viz import save_figure, translation_figure

__all__ = ["DEMO_CHECKPOINT", "DEMO_CONFIG", "DEMO_TRANSLATE_OPTIONS", "run_demo"]

# The demo's recipe: lite InstaGAN on 32 px shapes.
DEMO_CONFIG = TrainConfig(method="instagan", preset="lite", size=32, batch_size=4, epochs=1000,
                          checkpoint_every=100, sample_every=0)  # fmt: skip
DEMO_CHECKPOINT = "instagan_lite_shapes32"
# The lite recipe's inference-only clean-ups (README, deviations): each generated mask keeps its largest
# region, and the area an old instance vacated is repainted from the background around it.
DEMO_TRANSLATE_OPTIONS = {"clean_masks": True, "fill_background": True}


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
        print(f"loading the shipped checkpoint {DEMO_CHECKPOINT} (trained {shipped['train_minutes']} min on a CPU)")
        model, config = load_pretrained(DEMO_CHECKPOINT, dev)
        run = {
            "source": DEMO_CHECKPOINT,
            "iterations": shipped["iterations"],
            "train_minutes": shipped["train_minutes"],
        }
    else:
        print(f"no shipped checkpoint: training lite InstaGAN on 32 px shapes for {minutes:g} minutes on {dev}")
        config = TrainConfig(**{**DEMO_CONFIG.__dict__, "minutes": minutes, "device": str(dev),
                                "out_dir": str(out / "run")})  # fmt: skip
        trainer = Trainer(config)
        result = trainer.fit()
        model = trainer.model.eval()
        run = {"source": str(result.checkpoint), "iterations": result.iterations,
               "train_minutes": round(result.seconds / 60, 2)}  # fmt: skip
    options = {"ins_per": config.ins_per, **DEMO_TRANSLATE_OPTIONS}
    print(f"translating with {options}")
    figures = []
    for direction, domain in (("AtoB", "A"), ("BtoA", "B")):
        batch = shapes_test_batch(domain, config.size, 8)
        with torch.no_grad():
            y, b = translate(model, batch["images"].to(dev), batch["masks"].to(dev), direction, **options)
        title = f"lite InstaGAN, {direction} (A: wide ellipses, B: tall rectangles)"
        fig = translation_figure(batch["images"], batch["masks"], y.cpu(), b.cpu(), title, batch["oracle"])
        figures.append(str(save_figure(fig, out / f"translations_{direction}.png")))
    metrics = evaluate_model(model, config.size, 200, device=dev, **options)
    reference = evaluate_model(None, config.size, 200)
    rows = {}
    for direction in ("AtoB", "BtoA"):
        rows[f"identity {direction}"] = reference[f"identity/{direction}"]
        rows[f"oracle {direction}"] = reference[f"oracle/{direction}"]
        rows[f"InstaGAN {direction}"] = metrics[direction]
    summary = {
        "run": run,
        "translate_options": options,
        "metrics": rows,
        "seconds": round(time.perf_counter() - start, 1),
    }
    metrics_path = out / "metrics.json"
    metrics_path.write_text(json.dumps(summary, indent=2))
    print(format_table(rows))
    print("\nwrote:")
    for path in [*figures, str(metrics_path)]:
        print(f"  {path}")
    return {"figures": figures, "metrics": str(metrics_path), **summary}
