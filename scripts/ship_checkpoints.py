"""Ship the ablation's lite InstaGAN (with and without L_ctx), its lite CycleGAN and a mask predictor.

    python benchmarks/ablation.py --minutes 15          # trains every row under outputs/ablation/
    python -m instagan_lite train-masks --data shapes --out outputs/masks_shapes32.pt
    python scripts/ship_checkpoints.py --masks outputs/masks_shapes32.pt

Each shipped model holds the generators as the run translates with them (the EMA weights) in half
precision, with its sha256, the command that made it, its training time and iterations, its metrics (200
test images per direction, measured on the half-precision weights with the translation options it
records) and its loss log. ``python -m instagan_lite train --minutes 15`` with no recipe flags is the
headline's training command: ``benchmarks/ablation.py`` runs exactly that configuration.

    python scripts/ship_checkpoints.py --cleanups --keep-overlap --long outputs/long/instagan/checkpoint.pt
    python scripts/ship_checkpoints.py --cleanups --keep-overlap --long-noctx outputs/long/instagan_noctx/checkpoint.pt
    python scripts/ship_checkpoints.py --long-cyclegan outputs/curves/cyclegan_slow_d_down1/checkpoint.pt \\
        --long-cyclegan-seg outputs/long/cyclegan_seg/checkpoint.pt          # the baselines at that budget

``--keep-overlap`` adds the third clean-up (``TranslateOptions.keep_overlap``) to the options InstaGAN is
shipped with. ``--reship NAME`` re-scores an already shipped model with the options the other flags give
and rewrites its file and registry entry (the weights, command, minutes and iterations stay):

    python scripts/ship_checkpoints.py --reship instagan_lite_shapes32_long --cleanups --keep-overlap
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch

from instagan_lite.checkpoint import load_checkpoint
from instagan_lite.evaluate import evaluate_model
from instagan_lite.evaluators import load_evaluators
from instagan_lite.mask_predictor import load_mask_predictor
from instagan_lite.pretrained import (
    CHECKPOINTS,
    export_mask_predictor,
    export_pretrained,
    load_model,
    load_pretrained,
    registry,
)
from instagan_lite.translate import LITE_CLEANUPS, TranslateOptions

SHIP = {  # shipped name: (ablation row, the extra training flags of that row)
    "instagan_lite_shapes32": ("instagan", ""),
    "instagan_lite_shapes32_noctx": ("instagan_noctx", " --lambda-ctx 0"),
    "cyclegan_lite_shapes32": ("cyclegan", " --method cyclegan --cyclegan-width 1.4142135623730951"),
}


# The picture model: a longer run of the lite recipe with the three picture candidates that lowered every
# region score (docs/lite_recipe.md, "The picture: what holds it back"), its λ_ctx = 0 twin, and the two
# baselines with the recipe's slow discriminator and 16×16 bottleneck (the layered output needs instance
# masks), all at the same budget. Not ablation rows of the 15-minute table: ``benchmarks/ablation.py
# --picture`` scores them.
LONG = "instagan_lite_shapes32_long"
PICTURE_FLAGS = "--lr-discriminator 5e-5 --generator-downsampling 1 --image-output layered --epochs 100"
LONG_RUNS = {  # command-line flag: (shipped name, the command that trains it)
    "long": (
        LONG,
        f"python -m instagan_lite train {PICTURE_FLAGS} --max-iterations 12000 --out-dir outputs/long/instagan",
    ),
    "long_noctx": (
        "instagan_lite_shapes32_long_noctx",
        f"python -m instagan_lite train {PICTURE_FLAGS} --max-iterations 12000 --lambda-ctx 0"
        " --out-dir outputs/long/instagan_noctx",
    ),
    "long_cyclegan": (  # trained as a learning curve: its snapshots are benchmarks/results/curves/*.json
        "cyclegan_lite_shapes32_long",
        "python benchmarks/picture_curve.py --name cyclegan_slow_d_down1 --set model.method=cyclegan"
        " model.cyclegan_width=1.4142135623730951 lr_discriminator=5e-5 model.generator_downsampling=1"
        " --iterations 1000 3000 6000 12000",
    ),
    "long_cyclegan_seg": (
        "cyclegan_seg_lite_shapes32_long",
        "python -m instagan_lite train --method cyclegan_seg --cyclegan-width 1.4142135623730951"
        " --lr-discriminator 5e-5 --generator-downsampling 1 --epochs 100 --max-iterations 12000"
        " --out-dir outputs/long/cyclegan_seg",
    ),
}


def ship(
    name: str,
    checkpoint: Path,
    command: str,
    minutes: float,
    iterations: int,
    cleanups: bool,
    evaluators=None,
    keep_overlap: bool = False,
    out_dir: str | None = None,
) -> dict:
    """Ship the run of ``checkpoint`` (its EMA weights where it keeps an average) as ``name``: scored on
    200 test images per direction in half precision, as shipped, with the options it records (and the
    learned columns, crop shape success among them, where ``evaluators`` are given). ``out_dir``: the run
    folder its config records (default: the checkpoint's folder)."""
    loaded = load_model(checkpoint)
    with torch.no_grad():  # score the weights as shipped: rounded to half precision
        for p in loaded.model.parameters():
            p.copy_(p.half().float())
    is_instagan = loaded.model.method_spec.instance_wise
    options = LITE_CLEANUPS if (is_instagan and cleanups) else TranslateOptions()
    options = replace(options, keep_overlap=is_instagan and keep_overlap)
    metrics = evaluate_model(loaded.model, options, evaluators=evaluators, size=loaded.config.data.size, n=200)
    config = loaded.config.with_changes({"out_dir": out_dir or str(checkpoint.parent)})
    losses = checkpoint.parent / "losses.csv"
    losses = losses if losses.exists() else None  # a picture_curve.py run keeps no loss log
    export_pretrained(loaded.model, config, name, command, minutes, iterations, metrics, options, losses=losses)
    load_pretrained(name)  # the hash check passes
    print(name, {d: {k: metrics[d][k] for k in ("shape_success", "background_l1", "object_l1")} for d in metrics})
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, default=Path("outputs/ablation"))
    parser.add_argument("--masks", type=Path, help="a trained mask predictor to ship as masks_shapes32")
    parser.add_argument("--cleanups", action="store_true", help="ship InstaGAN with the lite inference clean-ups on")
    parser.add_argument("--keep-overlap", action="store_true", help="and with TranslateOptions.keep_overlap on")
    parser.add_argument("--reship", metavar="NAME", help="re-score a shipped model with these options and re-ship it")
    for flag, (name, command) in LONG_RUNS.items():
        text = f"ship this training checkpoint as {name} ({command})"
        parser.add_argument(f"--{flag.replace('_', '-')}", type=Path, help=text)
    args = parser.parse_args()
    if args.reship:
        entry = registry()[args.reship]
        path = CHECKPOINTS / entry["file"]
        minutes, iterations, out_dir = entry["train_minutes"], entry["iterations"], entry["config"]["out_dir"]
        keep, evaluators = args.keep_overlap, load_evaluators()
        ship(args.reship, path, entry["command"], minutes, iterations, args.cleanups, evaluators, keep, out_dir)
        return
    long_runs = {LONG_RUNS[flag]: getattr(args, flag) for flag in LONG_RUNS}
    if any(long_runs.values()):  # only the picture-budget models
        for (name, command), checkpoint in long_runs.items():
            if checkpoint is not None:
                state = load_checkpoint(checkpoint, map_location="cpu")
                iterations, minutes = state["counters"]["iteration"], state["elapsed"] / 60
                keep, evaluators = args.keep_overlap, load_evaluators()
                ship(name, checkpoint, command, minutes, iterations, args.cleanups, evaluators, keep)
        return
    for name, (row, flags) in SHIP.items():
        folder = args.runs / row
        info = json.loads((folder / "row.json").read_text())
        command = (
            f"python -m instagan_lite train --minutes {info['minutes']:g}{flags} --out-dir outputs/ablation/{row}"
            f"  (as run by: python benchmarks/ablation.py --minutes 15; then python scripts/ship_checkpoints.py)"
        )
        ship(name, folder / "checkpoint.pt", command, info["minutes"], info["iterations"], args.cleanups)
    if args.masks:
        command = f"python -m instagan_lite train-masks --data shapes --out {args.masks}"
        export_mask_predictor(load_mask_predictor(args.masks), "masks_shapes32", command)
        print("masks_shapes32 shipped")


if __name__ == "__main__":
    main()
