"""A pair of shapes the recipe was not tuned on: one trained run scored against a held-out pair's targets
(crop shape ≥ 0.80, objects ≤ 0.60), with no clean-ups, with the overlap kept, and with all three inference
clean-ups.

The recipe was chosen on ellipses ↔ rectangles only. Any other pair of the generator's shapes (discs,
triangles, diamonds) is held out: generate it, train the picture recipe on it, then score the run here:

    python -m instagan_lite make-shapes --out datasets/disc2diamond --shapes disc diamond
    python -m instagan_lite train --data datasets/disc2diamond --lr-discriminator 5e-5 \\
        --generator-downsampling 1 --image-output layered --epochs 100 --max-iterations 12000 \\
        --out-dir outputs/disc2diamond_picture
    python benchmarks/heldout_pair.py --checkpoint outputs/disc2diamond_picture/checkpoint.pt \\
        --data datasets/disc2diamond           # -> results/heldout_disc2diamond.{md,json}

The test scenes and their oracles are the folder's test split (200 per direction), the crop classifier
and the domain classifier are trained on its evaluator split (``load_evaluators``), and the table gives
the kept share of the objects score (``metrics.objects_error_split``: the error on object pixels the input
already has right; the rest of the objects score is on the pixels that must change).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch
from objects_breakdown import HELDOUT_OPTIONS, shares, translated_by

from instagan_lite.data.sources import folder_test_sets, read_benchmark_info
from instagan_lite.evaluate import REFERENCE_NAMES, benchmark
from instagan_lite.evaluators import EvaluatorConfig, load_evaluators
from instagan_lite.pretrained import load_model

RESULTS = Path(__file__).parent / "results"
HEADERS = {
    "crop_shape_success": "crop shape",
    "shape_success": "mask shape",
    "vacated_vs_identity": "vacated",
    "grown_vs_identity": "grown",
    "objects_vs_identity": "objects",
    "background_l1": "background L1",
    "colour_error": "colour error",
}
TARGETS = {"crop_shape_success": "≥ 0.80", "objects_vs_identity": "≤ 0.60"}  # the held-out pair's targets


def cell(column: str, row: dict) -> str:
    values = [row[d].get(column) for d in ("AtoB", "BtoA")]
    if None in values:
        return "—"
    digits = 3 if column in ("background_l1", "colour_error") else 2
    return " / ".join(f"{v:.{digits}f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, required=True, help="the run's checkpoint.pt")
    parser.add_argument("--data", type=Path, required=True, help="the pair's dataset folder (make-shapes)")
    parser.add_argument("--n", type=int, default=200, help="test images per direction")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    info = read_benchmark_info(args.data)
    if not info:
        parser.error(f"--data {args.data}: not a folder written by make-shapes (no benchmark.json)")
    pair = f"{info['shapes'][0]}2{info['shapes'][1]}" if "shapes" in info else args.data.name

    loaded = load_model(args.checkpoint)
    sequential = loaded.options.sequential
    options = {name: replace(opts, sequential=sequential) for name, opts in HELDOUT_OPTIONS.items()}
    tests = folder_test_sets(args.data, args.n)
    evaluators = load_evaluators(EvaluatorConfig(source=str(args.data), size=tests["AtoB"].images.shape[-1]))
    tables = benchmark({name: (loaded.model, opts) for name, opts in options.items()}, tests, evaluators)
    rows = {name: {d: tables[d][name] for d in tables} for name in [*REFERENCE_NAMES.values(), *options]}
    for name, opts in options.items():
        for d in tables:
            t = tests[d]
            data = {"images": t.images, "masks": t.masks, "oracle": t.oracle, "oracle_masks": t.oracle_masks}
            rows[name][d]["kept_share"] = shares(data, translated_by(loaded, opts, data, d))["kept"]

    counters = torch.load(args.checkpoint, map_location="cpu", weights_only=False).get("counters", {})
    iterations = counters.get("iteration")
    lines = [
        f"# A held-out pair: {pair}",
        "",
        f"Written by `python benchmarks/heldout_pair.py --checkpoint {args.checkpoint} --data {args.data}`: "
        f"a run of {iterations} iterations; {args.n} test scenes per direction, A→B / B→A. Region scores are "
        "ratios to the identity's error; "
        "*kept*: the share of the objects score lost on object pixels the input already has right. Domain "
        f"classifier {evaluators.domain_accuracy:.1%}, crop classifier {evaluators.crop_accuracy:.1%} on the "
        "pair's held-out real scenes.",
        "",
        "| row | " + " | ".join(HEADERS.values()) + " | kept |",
        "|---" * (len(HEADERS) + 2) + "|",
    ]
    for name, row in rows.items():
        kept = " / ".join(f"{row[d]['kept_share']:.2f}" for d in tables) if "kept_share" in row["AtoB"] else "—"
        lines.append(f"| {name} | " + " | ".join(cell(c, row) for c in HEADERS) + f" | {kept} |")
    lines.append("| **targets of a held-out pair** | " + " | ".join(TARGETS.get(c, "") for c in HEADERS) + " | |")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"heldout_{pair}.md").write_text("\n".join(lines) + "\n")
    payload = {"checkpoint": str(args.checkpoint), "data": str(args.data), "iterations": iterations, "rows": rows}
    (args.out / f"heldout_{pair}.json").write_text(json.dumps(payload, indent=2))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
