"""Ship the ablation's lite InstaGAN and CycleGAN as the package's pretrained checkpoints.

    python benchmarks/ablation.py --minutes 15     # trains every row under outputs/ablation/
    python scripts/ship_checkpoints.py             # exports two of them to instagan_lite/checkpoints/

Each shipped checkpoint holds the generators in half precision, with its sha256, the command that made
it, its training time and iterations, its metrics (200 test images per direction, with the translation
options the demo uses for InstaGAN) and its loss log.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from instagan_lite.evaluate import evaluate_model
from instagan_lite.pretrained import export_pretrained, load_pretrained
from instagan_lite.train import Trainer
from instagan_lite.translate import LITE_CLEANUPS, TranslateOptions

SHIP = {  # shipped name: ablation row
    "instagan_lite_shapes32": "instagan_seq_composite",
    "cyclegan_lite_shapes32": "cyclegan",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, default=Path("outputs/ablation"))
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results/ablation.json"))
    args = parser.parse_args()
    rows = json.loads(args.results.read_text())["rows"]
    for name, row in SHIP.items():
        trainer = Trainer.resume(args.runs / row / "checkpoint.pt")
        info = rows[row]
        command = (
            f"python benchmarks/ablation.py --minutes {info['minutes']:g} --rows {row} "
            f"&& python scripts/ship_checkpoints.py"
        )
        with torch.no_grad():  # score the weights as shipped: rounded to half precision
            for p in trainer.model.parameters():
                p.copy_(p.half().float())
        options = LITE_CLEANUPS if trainer.config.model.method == "instagan" else TranslateOptions()
        metrics = evaluate_model(trainer.model, options, size=trainer.config.data.size, n=200)
        export_pretrained(
            trainer.model,
            trainer.config,
            name,
            command,
            info["minutes"],
            info["iterations"],
            metrics,
            options,
            losses=args.runs / row / "losses.csv",
        )
        load_pretrained(name)  # the hash check passes
        print(name, {d: {k: metrics[d][k] for k in ("shape_success", "background_l1", "change_iou")} for d in metrics})


if __name__ == "__main__":
    main()
