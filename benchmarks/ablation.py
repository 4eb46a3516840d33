"""The paper's ablation (Figs. 9–10) on the shapes benchmark with the lite recipe, and the paper's claims
as measured contrasts.

Every trained row uses the same 32 px shapes data and the same wall-clock budget on this machine (one
row at a time), and is evaluated on 200 test images per direction with every measure of the benchmark
(``docs/shapes_benchmark.md``). All rows use the lite recipe (``docs/lite_recipe.md``: residual image
output, EMA of the generators) except the row that shows the authors' recipe at lite widths; rows marked
"inference only" reuse another row's checkpoint with other translation options. The headline row is
trained with two seeds. The sequential claim is measured on a second test set: 8 objects per image (of
the training sizes, on a 48 px canvas), where training saw 1–4.

    python benchmarks/ablation.py --minutes 15               # every row (about 2 h 10 min on 2 cores)
    python benchmarks/ablation.py --minutes 1 --rows cyclegan instagan
    python benchmarks/ablation.py --evaluate-only            # re-evaluate the checkpoints under --runs
    python benchmarks/ablation.py --picture                  # the shipped picture models (no training)
    python benchmarks/ablation.py --minutes 15 --rows cyclegan_seg && python benchmarks/ablation.py --fifteen

Writes ``results/ablation.md`` (the table and the claims), ``ablation.json`` and ``ablation.png`` (plain
images: input, oracle, one row per system); each row's run folder (checkpoint.pt, losses.csv, row.json)
is under ``--runs``. ``--picture`` scores the shipped picture model (12,000 iterations of the picture
recipe, ``docs/lite_recipe.md``), its λ_ctx = 0 twin and the two baselines trained as long with the
recipe's slow discriminator and 16×16 bottleneck the same way, into ``results/ablation_picture.*``.
``--fifteen`` scores the shipped 15-minute models (the headline with each set of clean-ups, its λ_ctx = 0
twin, CycleGAN) and the CycleGAN + Seg row trained under ``--runs`` with every column of today's
evaluation, into ``results/ablation_15min.*``.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from instagan_lite.data.sources import shapes_test_batch, shapes_test_sets
from instagan_lite.evaluate import HEADLINE_COLUMNS, REFERENCE_NAMES, benchmark
from instagan_lite.evaluators import load_evaluators
from instagan_lite.losses import LossWeights
from instagan_lite.model import ModelConfig
from instagan_lite.pretrained import load_model, load_pretrained, registry
from instagan_lite.sequence import SequentialConfig
from instagan_lite.train import TrainConfig, Trainer
from instagan_lite.translate import LITE_CLEANUPS, TranslateOptions, translate
from instagan_lite.viz import plain_images_figure

RESULTS = Path(__file__).parent / "results"
SQRT2 = math.sqrt(2)


@dataclass
class Row:
    description: str
    train: dict = field(default_factory=dict)  # TrainConfig.with_changes keys
    options: TranslateOptions | None = None  # translation options at evaluation (None: the model's)
    checkpoint_of: str | None = None  # inference-only rows reuse this row's checkpoint


ROWS = {
    "cyclegan": Row("CycleGAN (≈2× parameters)", {"model": ModelConfig("cyclegan", cyclegan_width=SQRT2)}),
    "cyclegan_seg": Row("CycleGAN + Seg", {"model": ModelConfig("cyclegan_seg", cyclegan_width=SQRT2)}),
    "instagan_onestep": Row("InstaGAN, one step of 2 instances", {"sequential": SequentialConfig(2, 2)}),
    "instagan_noctx": Row("InstaGAN + sequential, λ_ctx = 0", {"weights": LossWeights(context=0.0)}),
    "instagan": Row("InstaGAN + L_ctx + sequential (4 / 2): the headline", {}),
    "instagan_seed1": Row("the headline, seed 1", {"seed": 1}),
    "paper_recipe": Row(
        "the authors' recipe at lite widths (direct output, no EMA)",
        {"model": ModelConfig(image_output="direct"), "ema_decay": None},
    ),
    "blend": Row("the headline + blend outside the masks (by construction)", {"model.blend_background": True}),
    "instagan_clean": Row(
        "the headline + largest mask component (inference only)",
        options=TranslateOptions(clean_masks=True),
        checkpoint_of="instagan",
    ),
    "instagan_fill": Row("the headline + both inference clean-ups", options=LITE_CLEANUPS, checkpoint_of="instagan"),
}
# --picture: {row: (shipped model, description, translation options)}; the keys of the trained rows are the
# 15-minute rows they stand for. Options None: no clean-ups; SHIPPED: the options the registry records.
SHIPPED = "shipped"
LONG = "instagan_lite_shapes32_long"
PICTURE_ROWS = {
    "cyclegan": ("cyclegan_lite_shapes32_long", "CycleGAN (slow D, 16×16)", None),
    "cyclegan_seg": ("cyclegan_seg_lite_shapes32_long", "CycleGAN + Seg (slow D, 16×16)", None),
    "instagan": (LONG, "the picture model: InstaGAN + L_ctx + sequential", None),
    "instagan_noctx": ("instagan_lite_shapes32_long_noctx", "its twin with λ_ctx = 0", None),
    "instagan_keep": (LONG, "the picture model + keep the overlap (inference)", TranslateOptions(keep_overlap=True)),
    "instagan_fill": (LONG, "the picture model + the 15-minute model's two clean-ups", LITE_CLEANUPS),
    "instagan_shipped": (LONG, "the picture model + all three inference clean-ups (shipped)", SHIPPED),
}
# --fifteen: the shipped 15-minute models, as the 15-minute rows they are, scored with every column of today's
# evaluation; no 15-minute CycleGAN + Seg is shipped, so that row is the one trained under --runs.
FIFTEEN = "instagan_lite_shapes32"
FIFTEEN_MINUTE_ROWS = {
    "cyclegan": ("cyclegan_lite_shapes32", ROWS["cyclegan"].description, None),
    "instagan_noctx": ("instagan_lite_shapes32_noctx", ROWS["instagan_noctx"].description, None),
    "instagan": (FIFTEEN, ROWS["instagan"].description, None),
    "instagan_clean": (FIFTEEN, ROWS["instagan_clean"].description, TranslateOptions(clean_masks=True)),
    "instagan_fill": (FIFTEEN, "the headline + both inference clean-ups (shipped)", SHIPPED),
}
COLUMNS = [
    *HEADLINE_COLUMNS,
    "oracle_iou",
    "vacated_l1",
    "change_iou",
    "oracle_l1",
    "object_l1",
    "classification_score",
    "kid_x100",
]
BASE = TrainConfig(epochs=1000, checkpoint_every=500, sample_every=0, progress=False)


def train_row(name: str, minutes: float, runs: Path) -> dict:
    """Train row ``name`` for ``minutes``; writes ``<runs>/<name>/{checkpoint.pt,losses.csv,row.json}``."""
    config = BASE.with_changes({**ROWS[name].train, "minutes": minutes, "out_dir": str(runs / name)})
    result = Trainer(config).fit()
    info = {"minutes": round(result.seconds / 60, 2), "iterations": result.iterations}
    (runs / name / "row.json").write_text(json.dumps(info, indent=2))
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=15.0, help="training budget per row")
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--runs", type=Path, default=Path("outputs/ablation"))
    parser.add_argument("--n", type=int, default=200, help="test images per direction")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--evaluate-only", action="store_true", help="evaluate the checkpoints already in --runs")
    parser.add_argument("--picture", action="store_true", help="evaluate the shipped picture models instead")
    parser.add_argument(
        "--fifteen",
        action="store_true",
        help="evaluate the shipped 15-minute models and the CycleGAN + Seg row under --runs instead",
    )
    args = parser.parse_args()

    if args.picture:
        loaded_rows = shipped_rows(PICTURE_ROWS)
    elif args.fifteen:
        found = {**shipped_rows(FIFTEEN_MINUTE_ROWS), **trained_rows(["cyclegan_seg"], args.runs)}
        loaded_rows = {name: found[name] for name in ROWS if name in found}  # the 15-minute ablation's order
    else:
        if not args.evaluate_only:
            for name in args.rows:
                if ROWS[name].checkpoint_of is None:
                    info = train_row(name, args.minutes, args.runs)
                    print(f"{name}: {info['iterations']} iterations in {info['minutes']} min", flush=True)
        loaded_rows = trained_rows(args.rows, args.runs)
    stem = "ablation_picture" if args.picture else "ablation_15min" if args.fifteen else "ablation"
    evaluate_rows(args, loaded_rows, stem)


def trained_rows(names: list[str], runs: Path) -> dict:
    """``{row: (model, options, info)}`` for the rows' checkpoints under ``runs``."""
    rows = {}
    for name in names:
        row = ROWS[name]
        folder = runs / (row.checkpoint_of or name)
        loaded = load_model(folder / "checkpoint.pt")
        options = row.options or loaded.options
        info = {
            **json.loads((folder / "row.json").read_text()),
            "description": row.description,
            "inference_only": row.checkpoint_of is not None,
            "config": loaded.config.as_dict(),
        }
        rows[name] = (loaded.model, options, info)
    return rows


def shipped_rows(table: dict) -> dict:
    """``{row: (model, options, info)}`` for the shipped models of ``table`` (``PICTURE_ROWS`` or
    ``FIFTEEN_MINUTE_ROWS``), each scored with the options its row names; a row of a model that an earlier
    row already scored is inference only."""
    rows, entries, scored = {}, registry(), set()
    for name, (shipped, description, options) in table.items():
        loaded, entry = load_pretrained(shipped), entries[shipped]
        if options == SHIPPED:
            options = loaded.options
        else:  # the row's clean-ups (none for None) with the model's own sequential spec
            options = replace(options or TranslateOptions(), sequential=loaded.options.sequential)
        info = {
            "minutes": entry["train_minutes"],
            "iterations": entry["iterations"],
            "description": description,
            "shipped": shipped,
            "inference_only": shipped in scored,
            "config": loaded.config.as_dict(),
        }
        rows[name] = (loaded.model, options, info)
        scored.add(shipped)
    return rows


def evaluate_rows(args, rows: dict, stem: str) -> None:
    """Score ``rows`` (``{row: (model, options, info)}``) on 200 test images per direction and on the
    8-instance test set, and write ``<stem>.md/.json/.png`` under ``args.out``."""
    evaluators = load_evaluators()
    batch = shapes_test_batch("A", 32, 6)
    models = {name: (model, options) for name, (model, options, _) in rows.items()}
    examples = {
        rows[name][2]["description"]: translate(model, batch["images"], batch["masks"], "AtoB", options)[0]
        for name, (model, options) in models.items()
    }
    tables = benchmark(models, evaluators=evaluators, n=args.n)
    crowded = shapes_test_sets(48, args.n, instances=8, object_scale=32 / 48)
    eight = benchmark(models, crowded, references=False)
    reference = {key: {d: tables[d][name] for d in tables} for key, name in REFERENCE_NAMES.items()}
    results = {
        name: {
            **info,
            "options": options.as_dict(),
            "metrics": {d: tables[d][name] for d in tables},
            "eight_instances": {d: eight[d][name] for d in eight},
        }
        for name, (_, options, info) in rows.items()
    }
    write(args, reference, results, examples, evaluators, stem)


def cell(metrics: dict, column: str) -> str:
    def fmt(v: float | None) -> str:
        if v is None:
            return "—"
        return f"{v:.3f}" if column.endswith("l1") or column == "colour_error" else f"{v:.2f}"

    values = [metrics[d].get(column) for d in ("AtoB", "BtoA")]
    if column == "kid_x100":
        values = [None if metrics[d].get("kid") is None else 100 * metrics[d]["kid"] for d in ("AtoB", "BtoA")]
    return " / ".join(fmt(v) for v in values)


def claims(reference: dict, results: dict) -> list[str]:
    """The paper's claims as contrasts between rows, each with its numbers and whether it shows."""

    def m(row: str, column: str, d: str) -> float | None:
        return results[row]["metrics"][d].get(column) if row in results else None

    lines = ["", "Claims, measured (A→B / B→A):", ""]
    both = ("AtoB", "BtoA")
    if "instagan" in results:
        shape = [m("instagan", "shape_success", d) for d in both]
        lines.append(
            f"- C1 shape ≥ 0.95 both ways: {shape[0]:.2f} / {shape[1]:.2f} — "
            f"{'shown' if min(shape) >= 0.95 else 'not shown'}"
        )
    if {"cyclegan_seg", "instagan"} <= set(results):
        cols = ("background_l1", "vacated_l1", "oracle_l1", "object_l1", "colour_error")
        better = [(c, d) for c in cols for d in both if m("instagan", c, d) < m("cyclegan_seg", c, d)]
        lines.append(
            f"- C2 CycleGAN + Seg below InstaGAN on the ground truth: InstaGAN lower on {len(better)} of "
            f"{2 * len(cols)} (column, direction) pairs of {', '.join(cols)}"
        )
    if {"instagan", "instagan_noctx"} <= set(results):
        with_ctx = [m("instagan", "background_l1", d) for d in both]
        without = [m("instagan_noctx", "background_l1", d) for d in both]
        ok = max(with_ctx) <= 0.02 and all(w <= o / 3 for w, o in zip(with_ctx, without))
        lines.append(
            f"- C3 L_ctx keeps the background: background L1 {with_ctx[0]:.3f} / {with_ctx[1]:.3f} with it, "
            f"{without[0]:.3f} / {without[1]:.3f} without (ratio {without[0] / max(with_ctx[0], 1e-9):.1f} / "
            f"{without[1] / max(with_ctx[1], 1e-9):.1f}) — {'shown' if ok else 'not shown'}"
        )
    if "instagan" in results:
        base = [m("instagan", "shape_success", d) for d in both]
        eight = [results["instagan"]["eight_instances"][d]["shape_success"] for d in both]
        ok = all(b - e <= 0.05 for b, e in zip(base, eight))
        text = (
            f"- C4 sequential, 8 instances at test time: shape {eight[0]:.2f} / {eight[1]:.2f} against "
            f"{base[0]:.2f} / {base[1]:.2f} on 1–4 — {'shown' if ok else 'not shown'}"
        )
        if "instagan_onestep" in results:
            one = [results["instagan_onestep"]["eight_instances"][d]["shape_success"] for d in both]
            text += f" (the one-step model: {one[0]:.2f} / {one[1]:.2f})"
        lines.append(text)
        ident = reference["identity"]
        whole = [m("instagan", "oracle_l1", d) for d in both]
        obj = [m("instagan", "object_l1", d) for d in both]
        colour = [m("instagan", "colour_error", d) for d in both]
        lines.append(
            f"- The translation: whole-image L1 vs oracle {whole[0]:.3f} / {whole[1]:.3f} (goal ≤ half the "
            f"identity's {ident['AtoB']['oracle_l1']:.3f} / {ident['BtoA']['oracle_l1']:.3f}); L1 inside the "
            f"oracle's objects {obj[0]:.3f} / {obj[1]:.3f} (goal < identity's "
            f"{ident['AtoB']['object_l1']:.3f} / {ident['BtoA']['object_l1']:.3f}); colour error "
            f"{colour[0]:.3f} / {colour[1]:.3f} (goal ≤ 0.08, i.e. 0.04 in [0, 1] units)"
        )
    if {"instagan", "instagan_seed1"} <= set(results):
        spread = {
            c: [abs(m("instagan", c, d) - m("instagan_seed1", c, d)) for d in both]
            for c in ("shape_success", "background_l1", "object_l1")
        }
        lines.append(
            "- Seed spread of the headline (|seed 0 − seed 1|): "
            + ", ".join(f"{c} {v[0]:.3f} / {v[1]:.3f}" for c, v in spread.items())
        )
    return lines


def write(args, reference: dict, results: dict, examples: dict, evaluators, stem: str = "ablation") -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    minutes = max((r["minutes"] for r in results.values()), default=0)
    budget = "up to 12,000 iterations" if args.picture else f"{minutes:g} min of training"
    lines = [
        f"Shapes benchmark, 32 px, 2 CPU cores, {budget} per row (one row at a time, machine "
        f"otherwise idle), {args.n} test images per direction. Cells: A→B / B→A; pixel differences in [-1, 1] "
        "units.",
        "",
        "| row | iterations | " + " | ".join(COLUMNS) + " | shape, 8 instances |",
        "|---" * (len(COLUMNS) + 3) + "|",
    ]
    for label, key in (("identity (no-op)", "identity"), ("oracle (real target render)", "oracle")):
        lines.append(f"| {label} | — | " + " | ".join(cell(reference[key], c) for c in COLUMNS) + " | — |")
    for r in results.values():
        iterations = "(same)" if r["inference_only"] else r["iterations"]
        eight = cell(r["eight_instances"], "shape_success")
        lines.append(
            f"| {r['description']} | {iterations} | "
            + " | ".join(cell(r["metrics"], c) for c in COLUMNS)
            + f" | {eight} |"
        )
    lines += claims(reference, results)
    lines += [
        "",
        f"Learned columns (necessary, not sufficient): crop classifier {evaluators.crop_accuracy:.1%} and domain "
        f"classifier {evaluators.domain_accuracy:.1%} on held-out real scenes; KID×100 on the domain classifier's "
        "features against real target test images.",
        "",
        f"![examples]({stem}.png)",
    ]
    (args.out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    (args.out / f"{stem}.json").write_text(json.dumps({"reference": reference, "rows": results}, indent=2))
    print("\n".join(lines))
    batch = shapes_test_batch("A", 32, 6)
    pictures = {"input (A)": batch["images"], "oracle (ideal B)": batch["oracle"]}
    pictures.update(examples)
    fig = plain_images_figure(pictures)
    fig.savefig(args.out / f"{stem}.png", dpi=110)


if __name__ == "__main__":
    main()
