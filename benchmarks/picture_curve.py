"""A learning curve of the picture: train one recipe and score its snapshots on what a learner sees.

At each mark (minutes of training, evaluation time not counted) the run's generators (the EMA when the
recipe keeps one) translate 200 built-in test images per direction with no inference clean-ups; the
snapshot is scored on the picture's regions (vacated, grown, objects: ratios to the identity's error,
``instagan_lite.metrics.region_errors``), background L1, colour error, mask shape success and the crop
classifier's shape success (the image's shape). Each mark also writes a checkpoint and a figure, so an
interrupted curve resumes where it stopped (``--resume``) and every number has its picture.

    python benchmarks/picture_curve.py --name defaults --marks 5 15 30 60 120
    python benchmarks/picture_curve.py --name idt5 --set weights.identity=5   # a candidate: TrainConfig keys
    python benchmarks/picture_curve.py --name defaults --resume      # continue after an interruption
    python benchmarks/picture_curve.py --table     # rewrite results/picture_curve.md and picture_curve.png
    python benchmarks/picture_curve.py --name cyclegan --set model.method=cyclegan --iterations 1000 12000
                                                   # marks in iterations instead of minutes

Runs go to ``outputs/curves/<name>/`` (checkpoint, ``curve.json``, figures). Each mark's scores are also
kept in ``benchmarks/results/curves/<name>.json`` (committed: the checkpoints are too large to commit),
from which ``--table`` writes ``benchmarks/results/picture_curve.md``. Run one at a time: two torch
processes on 2 cores slow each other.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import torch

from instagan_lite.data.sources import shapes_test_batch
from instagan_lite.evaluate import HEADLINE_COLUMNS, benchmark
from instagan_lite.evaluators import load_evaluators
from instagan_lite.train import TrainConfig, Trainer
from instagan_lite.translate import TranslateOptions, translate
from instagan_lite.viz import save_figure as write
from instagan_lite.viz import translation_figure

RESULTS = Path(__file__).parent / "results"
RUNS = Path("outputs/curves")
SCORES = RESULTS / "curves"
LABELS = ("crop shape", "mask shape", "vacated", "grown", "objects", "background L1", "colour err")
COLUMNS = tuple(zip(HEADLINE_COLUMNS, LABELS, strict=True))


def parse_value(text: str) -> object:
    """A --set value: JSON where it parses (numbers, true/false, null), else the string itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def score(trainer: Trainer, model, evaluators, n: int) -> dict:
    """``model``'s rows per direction (no clean-ups), with the columns of ``COLUMNS``."""
    options = TranslateOptions(trainer.config.sequential.for_inference())
    tables = benchmark({"run": (model, options)}, evaluators=evaluators, references=False, n=n)
    return {d: {k: rows["run"].get(k) for k, _ in COLUMNS} for d, rows in tables.items()}


def save_figure(trainer: Trainer, model, path: Path) -> None:
    """Plain images of 8 test scenes per direction: input, ``model``'s translation, oracle."""
    options = TranslateOptions(trainer.config.sequential.for_inference())
    for domain, direction in (("A", "AtoB"), ("B", "BtoA")):
        batch = shapes_test_batch(domain, trainer.config.data.size, 8)
        with torch.no_grad():
            y, b = translate(model, batch["images"], batch["masks"], direction, options)
        fig = translation_figure(
            batch["images"], batch["masks"], y, b, f"{direction}, it. {trainer.iteration}", batch["oracle"]
        )
        write(fig, path.with_name(f"{path.stem}_{direction}.png"))


def run_curve(
    name: str, changes: dict, marks: list[float], n: int, resume: bool, seed: int, unit: str = "minutes"
) -> list[dict]:
    """Train run ``name`` to each mark (minutes of training, or iterations where ``unit`` is
    ``"iterations"``), scoring and saving a snapshot at each; returns every mark's row so far."""
    out = RUNS / name
    checkpoint = out / "checkpoint.pt"
    log_path = out / "curve.json"
    if resume:
        trainer = Trainer.resume(checkpoint)
        rows = json.loads(log_path.read_text())["rows"]
    else:
        base = TrainConfig(epochs=100_000, checkpoint_every=0, sample_every=0, progress=False, seed=seed)
        config = base.with_changes({**changes, "out_dir": str(out)})
        trainer = Trainer(config)
        rows = []
    out.mkdir(parents=True, exist_ok=True)
    evaluators = load_evaluators()
    done = {row["iteration"] if unit == "iterations" else row["minutes"] for row in rows}
    for mark in [m for m in marks if m not in done]:
        start = time.perf_counter()
        while (trainer.iteration if unit == "iterations" else trainer.elapsed / 60) < mark:
            step = time.perf_counter()
            history = trainer.train_iteration()
            trainer.elapsed += time.perf_counter() - step
            if trainer.iteration % 100 == 0 and history:
                print(
                    f"  it {trainer.iteration}  {trainer.elapsed / 60:5.1f} min  "
                    + ", ".join(f"{k} {v:.3f}" for k, v in history[-1].items() if k in ("G", "D_A", "D_B")),
                    flush=True,
                )
        trainer.save(checkpoint)
        model = trainer.translation_model()  # what a learner gets: the EMA where the recipe keeps one
        minutes = mark if unit == "minutes" else round(trainer.elapsed / 60, 1)
        row = {"minutes": minutes, "iteration": trainer.iteration, "rows": score(trainer, model, evaluators, n)}
        if trainer.ema is not None:  # how far the average lags the weights being trained
            row["raw"] = score(trainer, copy.deepcopy(trainer.model).eval(), evaluators, n)
        save_figure(trainer, model, out / f"{unit}_{mark:g}.png")
        rows.append(row)
        setting = f"{torch.get_num_threads()} thread(s)"
        log = json.dumps({"name": name, "changes": changes, "seed": seed, "setting": setting, "rows": rows}, indent=1)
        log_path.write_text(log)
        SCORES.mkdir(parents=True, exist_ok=True)
        (SCORES / f"{name}.json").write_text(log)
        print(
            f"{name} {minutes:g} min, it {trainer.iteration} ({time.perf_counter() - start:.0f} s): {row['rows']}",
            flush=True,
        )
    return rows


def write_table() -> Path:
    """Rewrite results/picture_curve.md from every run's scores in results/curves/."""
    lines = [
        "# The picture's learning curves",
        "",
        "Written by `benchmarks/picture_curve.py`. 200 test images per direction (A→B / B→A), no inference",
        "clean-ups, the EMA generators where the recipe keeps one. vacated / grown / objects: the error in that",
        "region as a ratio to the identity's (1 = translated nothing, 0 = the oracle). Background L1 in [−1, 1]",
        "units. Rows marked (raw weights) score the weights being trained instead of their EMA.",
        "Minutes of training (evaluation not counted) on this machine's 2 CPU cores; the setting column says",
        "how: one run alone on 2 threads (about 0.3 s per iteration on the machine of 2026-12-04), or two runs",
        "at a time on one thread each (about 1.45 s per iteration on an earlier, slower day), so compare runs by",
        "their iterations. A run's changes name settings of the code it ran with: the candidates removed after",
        "measuring (masks_seen, skip) are described in docs/lite_recipe.md.",
        "",
        "| run | changes | setting | min | it. | " + " | ".join(label for _, label in COLUMNS) + " |",
        "|---" * (5 + len(COLUMNS)) + "|",
    ]
    for path in sorted(SCORES.glob("*.json")):
        run = json.loads(path.read_text())
        changes = ", ".join(f"{k}={v}" for k, v in run["changes"].items()) or "defaults"
        for row in run["rows"]:
            for weights, label in (("rows", run["name"]), ("raw", f"{run['name']} (raw weights)")):
                if weights not in row:
                    continue
                cells = []
                for key, _ in COLUMNS:
                    values = [row[weights][d].get(key) for d in ("AtoB", "BtoA")]
                    digits = 3 if key in ("background_l1", "colour_error") else 2
                    cells.append(" / ".join("—" if v is None else f"{v:.{digits}f}" for v in values))
                setting = run.get("setting", "")
                head = f"| {label} | {changes} | {setting} | {row['minutes']:g} | {row['iteration']} | "
                lines.append(head + " | ".join(cells) + " |")
    target = RESULTS / "picture_curve.md"
    target.write_text("\n".join(lines) + "\n")
    return target


def plot_curves(names: list[str], stem: str = "picture_curve") -> Path:
    """results/<stem>.png: crop shape success and the three region scores of the runs ``names``
    against iterations, both directions (A→B solid, B→A dashed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(k, label) for k, label in COLUMNS if k in ("crop_shape_success",) or k.endswith("_vs_identity")]
    targets = {"crop_shape_success": 0.90, "vacated_vs_identity": 0.30, "grown_vs_identity": 0.40,
               "objects_vs_identity": 0.50}  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.0), constrained_layout=True)
    for name, colour in zip(names, ("tab:blue", "tab:orange", "tab:green", "tab:red"), strict=False):
        run = json.loads((SCORES / f"{name}.json").read_text())
        its = [row["iteration"] for row in run["rows"]]
        for ax, (key, _) in zip(axes, panels, strict=True):
            for direction, style in (("AtoB", "-"), ("BtoA", "--")):
                values = [row["rows"][direction][key] for row in run["rows"]]
                ax.plot(its, values, style, marker="o", ms=3, color=colour, label=f"{name} {direction}")
    for ax, (key, label) in zip(axes, panels, strict=True):
        ax.axhline(targets[key], color="grey", lw=0.8, ls=":")
        ax.set(title=label, xlabel="iterations", ylim=(-0.02, 1.25 if key.endswith("identity") else 1.02))
    axes[0].legend(fontsize=7)
    target = RESULTS / f"{stem}.png"
    fig.savefig(target, dpi=110)
    plt.close(fig)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", help="the run's folder under outputs/curves/")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="TrainConfig.with_changes keys")
    marks = parser.add_mutually_exclusive_group()
    marks.add_argument("--marks", nargs="+", type=float, default=[5, 15, 30, 60, 120], help="minutes")
    marks.add_argument("--iterations", nargs="+", type=int, help="marks in iterations instead of minutes")
    parser.add_argument("--n", type=int, default=200, help="test images per direction")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="continue outputs/curves/<name>/checkpoint.pt")
    parser.add_argument("--table", action="store_true", help="only rewrite the table (and the figure)")
    parser.add_argument(
        "--plot",
        nargs="*",
        default=["defaults", "defaults_2h", "slow_d", "slow_d_down1_layered"],
        help="runs drawn in the figure",
    )
    parser.add_argument("--figure", default="picture_curve", help="the figure's name under results/ (no .png)")
    args = parser.parse_args()
    if not args.table:
        if not args.name:
            parser.error("--name is required unless --table")
        changes = dict((k, parse_value(v)) for k, v in (item.split("=", 1) for item in args.set))
        marks, unit = (args.iterations, "iterations") if args.iterations else (args.marks, "minutes")
        run_curve(args.name, changes, sorted(marks), args.n, args.resume, args.seed, unit)
    print(write_table())
    print(plot_curves(args.plot, args.figure))


if __name__ == "__main__":
    main()
