"""The paper's ablation (Figs. 9–10) on the shapes benchmark, with the lite recipe as extra rows.

Every trained row uses the same 32 px shapes data, the same seed and the same wall-clock budget on this
machine, and is evaluated on 200 test images per direction with the ground-truth measures and the learned
scores (:mod:`instagan_lite.evaluators`). Rows marked "inference only" reuse another row's checkpoint with
a different translation option, so they cost no training.

    python benchmarks/ablation.py --minutes 15            # all rows (about 1.5 h on 2 cores)
    python benchmarks/ablation.py --minutes 1 --rows cyclegan instagan_seq
    python benchmarks/ablation.py --evaluate-only         # re-evaluate the checkpoints under --runs

Writes ``benchmarks/results/ablation.md`` (the table, with the training time and iterations of each
row), ``ablation.json`` and ``ablation.png`` (example translations per row); each row's run folder
(checkpoint.pt, losses.csv, row.json) is under ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from instagan_lite.data.sources import shapes_test_batch
from instagan_lite.evaluate import REFERENCE_NAMES, benchmark
from instagan_lite.evaluators import load_evaluators
from instagan_lite.losses import LossWeights
from instagan_lite.model import ModelConfig
from instagan_lite.pretrained import load_model
from instagan_lite.step import SequentialConfig
from instagan_lite.train import TrainConfig, Trainer
from instagan_lite.translate import LITE_CLEANUPS, TranslateOptions, translate
from instagan_lite.viz import to_numpy_image

RESULTS = Path(__file__).parent / "results"
SQRT2 = math.sqrt(2)


@dataclass
class Row:
    description: str
    train: dict = field(default_factory=dict)  # TrainConfig fields (sub-configs included) that differ
    options: TranslateOptions | None = None  # translation options at evaluation (None: the model's)
    checkpoint_of: str | None = None  # inference-only rows reuse this row's checkpoint


ROWS = {
    "cyclegan": Row("CycleGAN (≈2× parameters)", {"model": ModelConfig("cyclegan", cyclegan_width=SQRT2)}),
    "cyclegan_seg": Row("CycleGAN + Seg", {"model": ModelConfig("cyclegan_seg", cyclegan_width=SQRT2)}),
    "instagan_noctx": Row(
        "InstaGAN, no L_ctx (one step of 2)", {"sequential": SequentialConfig(2, 2), "weights": LossWeights(context=0)}
    ),
    "instagan": Row("InstaGAN (one step of 2)", {"sequential": SequentialConfig(2, 2)}),
    "instagan_seq": Row("InstaGAN + sequential (4 / 2)", {"sequential": SequentialConfig(4, 2)}),
    "instagan_seq_composite": Row(
        "+ lite: blend the input back in outside the masks", {"model": ModelConfig(blend_background=True)}
    ),
    "instagan_seq_composite_clean": Row(
        "+ lite: largest mask component (inference only)",
        options=TranslateOptions(clean_masks=True),
        checkpoint_of="instagan_seq_composite",
    ),
    "instagan_seq_composite_fill": Row(
        "+ lite: repaint the vacated background (inference only)",
        options=LITE_CLEANUPS,
        checkpoint_of="instagan_seq_composite",
    ),
}
COLUMNS = [
    "shape_success",
    "crop_shape_success",
    "oracle_iou",
    "centroid_shift_px",
    "lost_instances",
    "background_l1",
    "vacated_l1",
    "change_iou",
    "classification_score",
    "kid_x100",
]
BASE = TrainConfig(epochs=1000, checkpoint_every=500, sample_every=0, progress=False)


def train_row(name: str, minutes: float, runs: Path, seed: int) -> dict:
    """Train row ``name`` for ``minutes``; writes ``<runs>/<name>/{checkpoint.pt,losses.csv,row.json}``."""
    config = replace(BASE, minutes=minutes, seed=seed, out_dir=str(runs / name), **ROWS[name].train)
    result = Trainer(config).fit()
    info = {"minutes": round(result.seconds / 60, 2), "iterations": result.iterations}
    (runs / name / "row.json").write_text(json.dumps(info, indent=2))
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=15.0, help="training budget per row")
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--runs", type=Path, default=Path("outputs/ablation"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=200, help="test images per direction")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--evaluate-only", action="store_true", help="evaluate the checkpoints already in --runs")
    args = parser.parse_args()

    if not args.evaluate_only:
        for name in args.rows:
            if ROWS[name].checkpoint_of is None:
                info = train_row(name, args.minutes, args.runs, args.seed)
                print(f"{name}: {info['iterations']} iterations in {info['minutes']} min", flush=True)
    evaluators = load_evaluators()
    print(
        f"evaluators: domain accuracy {evaluators.domain_accuracy:.3f}, crop accuracy "
        f"{evaluators.crop_accuracy:.3f} (held-out real scenes)"
    )
    models, infos, examples = {}, {}, {}
    batch = shapes_test_batch("A", 32, 6)
    for name in args.rows:
        row = ROWS[name]
        folder = args.runs / (row.checkpoint_of or name)
        loaded = load_model(folder / "checkpoint.pt")
        options = row.options or loaded.options
        models[name] = (loaded.model, options)
        infos[name] = {
            **json.loads((folder / "row.json").read_text()),
            "description": row.description,
            "inference_only": row.checkpoint_of is not None,
            "config": loaded.config.as_dict(),
            "options": options.as_dict(),
        }
        examples[name] = translate(loaded.model, batch["images"], batch["masks"], "AtoB", options)
    tables = benchmark(models, 32, args.n, evaluators=evaluators)
    reference = {key: {d: tables[d][name] for d in tables} for key, name in REFERENCE_NAMES.items()}
    results = {name: {**infos[name], "metrics": {d: tables[d][name] for d in tables}} for name in args.rows}
    write(args, reference, results, examples, evaluators)


def cell(metrics: dict, column: str) -> str:
    def fmt(v: float | None) -> str:
        if v is None:
            return "—"
        return f"{v:.3f}" if column in ("background_l1", "vacated_l1") else f"{v:.2f}"

    values = [metrics[d].get(column) for d in ("AtoB", "BtoA")]
    if column == "kid_x100":
        values = [None if metrics[d].get("kid") is None else 100 * metrics[d]["kid"] for d in ("AtoB", "BtoA")]
    return " / ".join(fmt(v) for v in values)


def write(args, reference: dict, results: dict, examples: dict, evaluators) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    minutes = sorted({r["minutes"] for r in results.values()})
    head = "| row | train min | iterations | " + " | ".join(COLUMNS) + " |"
    lines = [
        f"Shapes benchmark, 32 px, 2 CPU cores, about {max(minutes, default=0):g} min of training per row, "
        f"seed {args.seed}, {args.n} test images per direction. Cells: A→B / B→A.",
        "",
        head,
        "|---" * (len(COLUMNS) + 3) + "|",
    ]
    for label, key in (("identity (no-op)", "identity"), ("oracle (real target render)", "oracle")):
        ref = reference[key]
        lines.append(f"| {label} | — | — | " + " | ".join(cell(ref, c) for c in COLUMNS) + " |")
    for r in results.values():
        minutes_cell = "(same)" if r["inference_only"] else r["minutes"]
        lines.append(
            f"| {r['description']} | {minutes_cell} | {r['iterations']} | "
            + " | ".join(cell(r["metrics"], c) for c in COLUMNS)
            + " |"
        )
    lines += [
        "",
        "Ground truth: shape_success (mask moments), oracle_iou, centroid_shift_px and lost_instances need",
        "translated masks, so the CycleGAN rows have none (CycleGAN + Seg translates only the union of the",
        "masks); background_l1 is over pixels that are background in the input and the oracle; vacated_l1 is",
        "|y' − x*| where an input object was and no oracle object is (ghosts of the old shape); change_iou",
        "compares the pixels that changed with those the oracle changed.",
        f"Learned (necessary, not sufficient): crop_shape_success (crop classifier at each input centroid, "
        f"{evaluators.crop_accuracy:.1%} on real crops),",
        f"classification_score (domain classifier, {evaluators.domain_accuracy:.1%} on real images) and "
        "KID×100 on its features against real target test images.",
        "",
        "![examples](ablation.png)",
    ]
    (args.out / "ablation.md").write_text("\n".join(lines) + "\n")
    (args.out / "ablation.json").write_text(json.dumps({"reference": reference, "rows": results}, indent=2))
    batch = shapes_test_batch("A", 32, 6)
    pictures = {"input (A)": batch["images"], "oracle (ideal B)": batch["oracle"]}
    pictures.update({ROWS[name].description: y for name, (y, _) in examples.items()})
    fig, axes = plt.subplots(len(pictures), 6, figsize=(7.5, 1.3 * len(pictures)), squeeze=False)
    for r, (label, images) in enumerate(pictures.items()):
        for c in range(6):
            axes[r, c].imshow(to_numpy_image(images[c]))
        axes[r, 0].set_ylabel(label.replace(" (", "\n(").replace(": ", ":\n"), fontsize=5)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(args.out / "ablation.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
