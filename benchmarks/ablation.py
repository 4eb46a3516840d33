"""The paper's ablation (Figs. 9–10) on the shapes benchmark, with the lite recipe as extra rows.

Every row trains on the same 32 px shapes data, from the same seed, for the same wall-clock budget on
this machine, then is evaluated on 200 test images per direction with the ground-truth measures.

    python benchmarks/ablation.py --minutes 15            # all rows (about 1.5 h on 2 cores)
    python benchmarks/ablation.py --minutes 1 --rows cyclegan instagan_seq

Writes ``benchmarks/results/ablation.md`` (the table, with the training time and iterations of each
row), ``ablation.json`` and ``ablation.png`` (example translations per row); each row's run folder
(checkpoint, losses.csv) is under ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from instagan_lite.evaluate import evaluate_model, shapes_test_batch
from instagan_lite.sequential import translate
from instagan_lite.train import TrainConfig, Trainer
from instagan_lite.viz import mask_overlay, to_numpy_image

RESULTS = Path(__file__).parent / "results"

# name: (description, TrainConfig overrides)
ROWS = {
    "cyclegan": ("CycleGAN (≈2× parameters)", {"method": "cyclegan", "cyclegan_width": math.sqrt(2)}),
    "cyclegan_seg": ("CycleGAN + Seg", {"method": "cyclegan_seg", "cyclegan_width": math.sqrt(2)}),
    "instagan_noctx": ("InstaGAN, no L_ctx (one step of 2)", {"ins_max": 2, "ins_per": 2, "lambda_ctx": 0.0}),
    "instagan": ("InstaGAN (one step of 2)", {"ins_max": 2, "ins_per": 2}),
    "instagan_seq": ("InstaGAN + sequential (4 / 2)", {"ins_max": 4, "ins_per": 2}),
    "instagan_seq_composite": ("+ lite: composite outside the masks", {"ins_max": 4, "ins_per": 2, "composite": True}),
}
COLUMNS = ["shape_success", "oracle_iou", "centroid_shift_px", "lost_instances", "background_l1", "change_iou"]


def train_row(name: str, minutes: float, runs: Path, seed: int) -> tuple[Trainer, dict]:
    description, overrides = ROWS[name]
    config = TrainConfig(**{"size": 32, "batch_size": 4, "epochs": 1000, "minutes": minutes, "seed": seed,
                            "checkpoint_every": 500, "sample_every": 0, "progress": False,
                            "out_dir": str(runs / name), **overrides})  # fmt: skip
    trainer = Trainer(config)
    result = trainer.fit()
    info = {"description": description, "minutes": round(result.seconds / 60, 2), "iterations": result.iterations,
            "config": overrides}  # fmt: skip
    return trainer, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=15.0, help="training budget per row")
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--runs", type=Path, default=Path("outputs/ablation"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=200, help="test images per direction")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    results, examples = {}, {}
    reference = evaluate_model(None, 32, args.n)
    for name in args.rows:
        start = time.perf_counter()
        trainer, info = train_row(name, args.minutes, args.runs, args.seed)
        metrics = evaluate_model(trainer.model, 32, args.n, ins_per=trainer.config.ins_per)
        results[name] = {**info, "metrics": metrics}
        batch = shapes_test_batch("A", 32, 6)
        with torch.no_grad():
            y, b = translate(trainer.model.eval(), batch["images"], batch["masks"], "AtoB")
        examples[name] = (y, b)
        print(f"{name}: {info['iterations']} iterations in {info['minutes']} min "
              f"({time.perf_counter() - start:.0f} s with evaluation)", flush=True)  # fmt: skip
        write(args, reference, results, examples)


def cell(metrics: dict, column: str) -> str:
    values = [metrics[d].get(column) for d in ("AtoB", "BtoA")]
    return " / ".join("—" if v is None else f"{v:.2f}" if column != "background_l1" else f"{v:.3f}" for v in values)


def write(args, reference: dict, results: dict, examples: dict) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    head = "| row | train min | iterations | " + " | ".join(COLUMNS) + " |"
    lines = [
        f"Shapes benchmark, 32 px, 2 CPU cores, {args.minutes:g} min per row, seed {args.seed}, "
        f"{args.n} test images per direction. Cells: A→B / B→A.",
        "",
        head,
        "|---" * (len(COLUMNS) + 3) + "|",
    ]
    for label, key in (("identity (no-op)", "identity"), ("oracle (ideal)", "oracle")):
        ref = {d: reference[f"{key}/{d}"] for d in ("AtoB", "BtoA")}
        lines.append(f"| {label} | — | — | " + " | ".join(cell(ref, c) for c in COLUMNS) + " |")
    for r in results.values():
        lines.append(f"| {r['description']} | {r['minutes']} | {r['iterations']} | "
                     + " | ".join(cell(r["metrics"], c) for c in COLUMNS) + " |")  # fmt: skip
    lines += ["", "shape_success, oracle_iou, centroid_shift_px and lost_instances need translated masks, so the",
              "CycleGAN rows have none (CycleGAN + Seg translates only the union of the masks).",
              "", "![examples](ablation.png)"]  # fmt: skip
    (args.out / "ablation.md").write_text("\n".join(lines) + "\n")
    (args.out / "ablation.json").write_text(json.dumps({"reference": reference, "rows": results}, indent=2))
    batch = shapes_test_batch("A", 32, 6)
    fig, axes = plt.subplots(len(examples) + 1, 6, figsize=(7.5, 1.3 * (len(examples) + 1)), squeeze=False)
    for c in range(6):
        axes[0, c].imshow(mask_overlay(batch["images"][c], batch["masks"][c]))
    axes[0, 0].set_ylabel("input", fontsize=6)
    for r, (name, (y, b)) in enumerate(examples.items(), 1):
        for c in range(6):
            picture = mask_overlay(y[c], b[c]) if b.shape[1] == batch["masks"].shape[1] else to_numpy_image(y[c])
            axes[r, c].imshow(picture)
        axes[r, 0].set_ylabel(ROWS[name][0].replace(" (", "\n("), fontsize=5)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(args.out / "ablation.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
