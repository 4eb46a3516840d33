"""The picture's upper bound: the lite generators trained on the oracle, with no discriminator.

The shapes benchmark knows every scene's ideal translation (``ShapesDataset.oracle``). Trained on those
pairs with a plain L1 loss, the lite set generators show what the architecture can paint when it is told
the answer. If the supervised generators reach the picture targets (vacated ≤ 0.30, grown ≤ 0.40,
objects ≤ 0.50 of the identity's error) and the adversarial recipe does not, the adversarial game is what
holds the picture back; if they do not, the generator is.

    python benchmarks/picture_upper_bound.py --marks 500 1000 2000 4000
    python benchmarks/picture_upper_bound.py --name down1 --generator n_downsampling=1   # a candidate
    python benchmarks/picture_upper_bound.py --table    # rewrite results/upper_bound.md from the runs' JSON

Each direction's generator G_A / G_B sees a batch of ``--batch-size`` training scenes of its domain with
all their instances in one call (``ins_per`` = the scene's 4 slots) and is fitted to
L1(y', oracle image) + L1(b', oracle masks), Adam at the recipe's rate (2e-4, β1 0.5; ``--lr``).
``--generator key=value`` changes a field of the lite ``SetGeneratorConfig`` (an architecture candidate).
At each mark the generators are scored like ``picture_curve.py``'s snapshots (200 test images per
direction, no clean-ups) and the scores go to ``benchmarks/results/upper_bound/<name>.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

from instagan_lite.data.dataset import ShapesDataset
from instagan_lite.evaluate import HEADLINE_COLUMNS, benchmark
from instagan_lite.evaluators import load_evaluators
from instagan_lite.model import ModelConfig, TranslationModel
from instagan_lite.sequence import SequentialConfig
from instagan_lite.set_networks import SetGenerator, SetGeneratorConfig
from instagan_lite.translate import TranslateOptions

SCORES = Path(__file__).parent / "results" / "upper_bound"
SLOTS = 4


def oracle_batch(data: ShapesDataset, index: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Inputs and oracles of the scenes ``index``: images (B, 3, S, S), masks (B, 4, S, S) × 2."""
    items = [data[int(i)] for i in index]
    oracles = [data.oracle(int(i)) for i in index]
    return (
        torch.stack([it["image"] for it in items]),
        torch.stack([it["masks"] for it in items]),
        torch.stack([o["image"] for o in oracles]),
        torch.stack([o["masks"] for o in oracles]),
    )


LABELS = ("crop shape", "mask shape", "vacated", "grown", "objects", "background L1", "colour err")


def write_table() -> Path:
    """``results/upper_bound.md``: every run's marks, A→B / B→A per column."""
    lines = [
        "# The picture's upper bound: lite generators trained on the oracle (L1, no discriminator)",
        "",
        "Written by `python benchmarks/picture_upper_bound.py --table`; 200 test images per direction, no",
        "clean-ups, A→B / B→A. Region scores are ratios to the identity's error (1 = the input, 0 = the oracle).",
        "",
        "| run | generator changes | lr | iterations | " + " | ".join(LABELS) + " |",
        "|---" * (4 + len(LABELS)) + "|",
    ]
    for path in sorted(SCORES.glob("*.json")):
        for row in json.loads(path.read_text())["rows"]:
            cells = [
                " / ".join(
                    f"{row[d][k]:.3f}" if k in ("background_l1", "colour_error") else f"{row[d][k]:.2f}"
                    for d in ("AtoB", "BtoA")
                )
                for k in HEADLINE_COLUMNS
            ]
            changes = ", ".join(row.get("generator") or []) or "—"
            lines.append(
                f"| {path.stem} | {changes} | {row.get('lr', 2e-4):g} | {row['iteration']} | "
                + " | ".join(cells)
                + " |"
            )
    out = SCORES.parent / "upper_bound.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marks", type=int, nargs="+", default=[500, 1000, 2000, 4000], help="iterations")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--n", type=int, default=200, help="test images per direction")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="lite")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--generator", nargs="*", default=[], metavar="KEY=VALUE", help="SetGeneratorConfig fields")
    parser.add_argument("--table", action="store_true", help="only rewrite results/upper_bound.md")
    args = parser.parse_args()
    if args.table:
        print("wrote", write_table())
        return

    torch.manual_seed(args.seed)
    model = TranslationModel.from_config(ModelConfig("instagan", "lite"), seed=args.seed)
    if args.generator:
        changes = {k: json.loads(v) if v[0].isdigit() else v for k, v in (kv.split("=", 1) for kv in args.generator)}
        config = replace(SetGeneratorConfig.lite("residual"), **changes)
        model.G_A, model.G_B = SetGenerator(config), SetGenerator(config)
    data = {d: ShapesDataset(d, "train", 32, 2000, args.seed, SLOTS) for d in ("A", "B")}
    generators = {"A": model.G_A, "B": model.G_B}
    optimizers = {d: torch.optim.Adam(g.parameters(), lr=args.lr, betas=(0.5, 0.999)) for d, g in generators.items()}
    options = TranslateOptions(SequentialConfig.inference(ins_per=SLOTS))
    evaluators = load_evaluators()
    rows, start, it = [], time.perf_counter(), 0
    for mark in sorted(args.marks):
        model.train()
        while it < mark:
            for d, G in generators.items():
                x, a, y, b = oracle_batch(data[d], torch.randint(len(data[d]), (args.batch_size,)))
                y_fake, b_fake = G(x, a)
                loss = F.l1_loss(y_fake, y) + F.l1_loss(b_fake, b)
                optimizers[d].zero_grad(set_to_none=True)
                loss.backward()
                optimizers[d].step()
            it += 1
            if it % 100 == 0:
                print(f"it {it}: L1 {loss.item():.4f} ({time.perf_counter() - start:.0f} s)", flush=True)
        model.eval()
        tables = benchmark({"supervised": (model, options)}, evaluators=evaluators, references=False, n=args.n)
        row = {
            "iteration": it,
            "seconds": round(time.perf_counter() - start),
            "lr": args.lr,
            "generator": args.generator,
        }
        row.update({d: {k: rows_["supervised"].get(k) for k in HEADLINE_COLUMNS} for d, rows_ in tables.items()})
        rows.append(row)
        print(json.dumps(row), flush=True)
        SCORES.mkdir(parents=True, exist_ok=True)
        (SCORES / f"{args.name}.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
