"""How the quality of the input masks, and the number of instances, change the shipped InstaGAN's translation.

InstaGAN translates an image *with* its instance masks; at test time those masks may come from a
predictor and be wrong (the authors warn that the method is sensitive to mask quality, their issue #15),
and an image may hold more instances than the training images did (#54). On the shapes benchmark the
right answer is known, so each effect is a number: the shipped model (with the translation options it
records) translates the same 200 test images per direction with

* the true masks; masks **dilated** or **eroded** by 1 and 2 px; **shifted** by 2 and 4 px; the two
  largest instances **merged** into one mask; the smallest instance **missed** (its mask removed);
  masks **predicted** by the shipped mask predictor (matched to the true slots by IoU);
* test images with exactly 1, 2, 4, 6 and 8 objects of the training sizes on a 48 px canvas (training
  saw 1–4 per 32 px image), translated two instances per step.

Writes ``results/mask_quality.md`` and ``results/mask_quality.png``.

    python benchmarks/mask_quality.py              # about 3 minutes on 2 CPU cores
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

from instagan_lite.data.sources import EvaluationSet, shapes_test_sets
from instagan_lite.evaluate import PICTURE_COLUMNS, benchmark
from instagan_lite.mask_predictor import predict_masks
from instagan_lite.pretrained import load_pretrained, load_pretrained_mask_predictor

RESULTS = Path(__file__).parent / "results"
COLUMNS = [
    "shape_success",
    *PICTURE_COLUMNS,
    "oracle_iou",
    "vacated_l1",
    "object_l1",
    "change_iou",
]


def dilate(masks: torch.Tensor, px: int) -> torch.Tensor:
    """Grow every present mask (N, K, S, S) by ``px`` pixels (square structuring element)."""
    grown = F.max_pool2d(masks, 2 * px + 1, 1, px)
    return torch.where((masks > -1).flatten(2).any(-1)[..., None, None], grown, masks)


def erode(masks: torch.Tensor, px: int) -> torch.Tensor:
    """Shrink every mask by ``px`` pixels (an instance that vanishes becomes an absent slot)."""
    return -F.max_pool2d(-masks, 2 * px + 1, 1, px)


def shift(masks: torch.Tensor, px: int) -> torch.Tensor:
    """Move every mask ``px`` pixels right and down (no wrap-around)."""
    out = -torch.ones_like(masks)
    out[..., px:, px:] = masks[..., : masks.shape[-2] - px, : masks.shape[-1] - px]
    return out


def merge_two_largest(masks: torch.Tensor) -> torch.Tensor:
    """Slot 0 becomes the union of slots 0 and 1 (the two largest instances), slot 1 is emptied."""
    out = masks.clone()
    out[:, 0] = torch.maximum(masks[:, 0], masks[:, 1])
    out[:, 1] = -1
    return out


def drop_smallest(masks: torch.Tensor) -> torch.Tensor:
    """Remove the last present instance of every image that has two or more (the smallest one)."""
    out = masks.clone()
    present = (masks > -1).flatten(2).any(-1)
    for i, row in enumerate(present):
        slots = row.nonzero().flatten()
        if len(slots) >= 2:
            out[i, slots[-1]] = -1
    return out


def align_to(predicted: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Put each predicted instance in the slot of the true instance it overlaps most (greedy by IoU), so
    the slot-wise measures compare like with like; unmatched predictions are dropped."""
    out = -torch.ones_like(true)
    for i in range(true.shape[0]):
        p, t = predicted[i] > 0, true[i] > 0
        inter = (t[:, None] & p[None]).flatten(2).sum(-1).float()
        iou = inter / (t[:, None] | p[None]).flatten(2).sum(-1).float().clamp(min=1)
        while iou.numel() and iou.max() > 0:
            k, j = divmod(int(iou.argmax()), iou.shape[1])
            out[i, k] = predicted[i, j]
            iou[k, :] = 0
            iou[:, j] = 0
    return out


def with_masks(tests: dict[str, EvaluationSet], change) -> dict[str, EvaluationSet]:
    return {d: replace(t, masks=change(t.masks, t)) for d, t in tests.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="instagan_lite_shapes32")
    parser.add_argument("--predictor", default="masks_shapes32")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS / "mask_quality.md")
    args = parser.parse_args()
    loaded = load_pretrained(args.model)
    predictor = load_pretrained_mask_predictor(args.predictor)
    system = {"model": (loaded.model, loaded.options)}
    tests = shapes_test_sets(32, args.n)
    conditions = {
        "true masks": tests,
        "dilated 1 px": with_masks(tests, lambda m, t: dilate(m, 1)),
        "dilated 2 px": with_masks(tests, lambda m, t: dilate(m, 2)),
        "eroded 1 px": with_masks(tests, lambda m, t: erode(m, 1)),
        "eroded 2 px": with_masks(tests, lambda m, t: erode(m, 2)),
        "shifted 2 px": with_masks(tests, lambda m, t: shift(m, 2)),
        "shifted 4 px": with_masks(tests, lambda m, t: shift(m, 4)),
        "two largest merged": with_masks(tests, lambda m, t: merge_two_largest(m)),
        "smallest missed": with_masks(tests, lambda m, t: drop_smallest(m)),
        "predicted masks": with_masks(tests, lambda m, t: align_to(predict_masks(predictor, t.images, m.shape[1]), m)),
    }
    rows = {}
    for name, data in conditions.items():
        rows[name] = {d: r["model"] for d, r in benchmark(system, data, references=False).items()}
        print(f"{name}: done", flush=True)
    counts = {}
    for k in (1, 2, 4, 6, 8):
        data = shapes_test_sets(48, args.n, instances=k, object_scale=32 / 48)
        counts[k] = {d: r["model"] for d, r in benchmark(system, data, references=False).items()}
        print(f"{k} instances: done", flush=True)
    write(args, rows, counts, predictor.quality)


def _cell(metrics: dict, column: str) -> str:
    values = [metrics[d].get(column) for d in ("AtoB", "BtoA")]
    return " / ".join("—" if v is None else f"{v:.3f}" for v in values)


def write(args, rows: dict, counts: dict, quality: dict) -> None:
    q = " ".join(
        f"{d}: IoU {v['iou']:.2f}, found {v['found']:.0%}, missed {v['missed']:.0%}, split {v['split']:.0%}, "
        f"merged {v['merged']:.0%};"
        for d, v in quality.items()
    )
    lines = [
        f"The shipped `{args.model}` with its translation options, {args.n} shapes test images per direction; cells "
        "A→B / B→A; pixel differences in [-1, 1] units.",
        f"Mask predictor `{args.predictor}` on the test set: {q}",
        "",
        "| input masks | " + " | ".join(COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    lines += [f"| {name} | " + " | ".join(_cell(m, c) for c in COLUMNS) + " |" for name, m in rows.items()]
    lines += [
        "",
        "Instances per image at test time (48 px canvas, objects of the training sizes; training saw 1–4 per "
        "32 px image):",
        "",
        "| instances | " + " | ".join(COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    lines += [f"| {k} | " + " | ".join(_cell(m, c) for c in COLUMNS) + " |" for k, m in counts.items()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    args.out.with_suffix(".json").write_text(
        json.dumps({"masks": rows, "instances": counts, "predictor": quality}, indent=1)
    )
    print("\n".join(lines))
    plot(rows, counts, args.out.with_suffix(".png"))


def plot(rows: dict, counts: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.4), layout="constrained")
    axes = fig.subplots(1, 3)
    names = list(rows)
    for ax, column, title in (
        (axes[0], "shape_success", "mask shape success"),
        (axes[1], "object_l1", "L1 inside the oracle's objects"),
    ):
        for offset, direction in ((-0.2, "AtoB"), (0.2, "BtoA")):
            ax.bar(
                [i + offset for i in range(len(names))],
                [rows[n][direction][column] for n in names],
                0.4,
                label=direction.replace("to", " → "),
            )
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        ax.set_title(f"{title} vs input masks", fontsize=9)
        ax.legend(fontsize=7)
    ks = list(counts)
    for direction in ("AtoB", "BtoA"):
        axes[2].plot(ks, [counts[k][direction]["shape_success"] for k in ks], "o-", label=f"shape, {direction}")
        axes[2].plot(ks, [counts[k][direction]["object_l1"] for k in ks], "s--", label=f"object L1, {direction}")
    axes[2].axvspan(0.8, 4.2, color="0.9", label="seen in training")
    axes[2].set_xlabel("instances per test image")
    axes[2].set_title("more instances than in training", fontsize=9)
    axes[2].legend(fontsize=6)
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
