"""Where the objects score's error lies: on pixels that should stay, or on pixels that must change.

The objects score (``metrics.region_errors``) is the translation's |y' − x*| summed inside the oracle's
objects over the identity's. Inside the objects, many pixels are already right in the input: where the
old and the new shape overlap, the same object is on top (x = x*), and the identity's error there is 0.
``metrics.objects_error_split`` splits the score into two shares that add up to it:

- **kept**: the error on those pixels over the identity's whole error in the objects: what a translation
  loses by touching pixels it should leave alone (the identity scores 0 here);
- **changed**: the error on the pixels that must change (the new shape's growth, a different object
  now on top) over the same total.

Two model-free rows bound what a translator can reach: **flat where it changes** is the oracle with the
changed pixels painted in each object's mean colour (a new pixel's texture cannot be known from the
input; the kept pixels are exact), and **every object flat** repaints every object pixel in its mean
colour (a translator that keeps no pixel of the input's texture).

    python benchmarks/objects_breakdown.py      # writes results/objects_breakdown.{md,json}
    python benchmarks/objects_breakdown.py --heldout outputs/disc2triangle_picture/checkpoint.pt \\
        --data datasets/disc2triangle            # and a run on the held-out pair (discs ↔ triangles)

Rows: the shipped models on the built-in test set (200 images per direction) with the options each row
names, and on the held-out pair the model-free rows (and the run given with ``--heldout``, on the test
scenes of ``--data``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch

from instagan_lite.data.sources import folder_test_sets, shapes_test_batch
from instagan_lite.metrics import objects_error_split
from instagan_lite.pretrained import load_model, load_pretrained
from instagan_lite.translate import TranslateOptions, translate

RESULTS = Path(__file__).parent / "results"
N = 200
DIRECTIONS = {"AtoB": "A", "BtoA": "B"}
NONE, KEEP, SHIPPED = TranslateOptions(), TranslateOptions(keep_overlap=True), "shipped"
ALL_THREE = TranslateOptions(clean_masks=True, fill_background=True, keep_overlap=True)
MODELS = {  # row: (shipped name, translation options: SHIPPED for the ones its registry entry records)
    "picture model (12,000 it.), no clean-ups": ("instagan_lite_shapes32_long", NONE),
    "picture model + keep the overlap": ("instagan_lite_shapes32_long", KEEP),
    "picture model, shipped (three clean-ups)": ("instagan_lite_shapes32_long", SHIPPED),
    "its λ_ctx = 0 twin, no clean-ups": ("instagan_lite_shapes32_long_noctx", NONE),
    "CycleGAN + Seg (12,000 it.)": ("cyclegan_seg_lite_shapes32_long", NONE),
    "CycleGAN (12,000 it.)": ("cyclegan_lite_shapes32_long", NONE),
    "15-minute headline, no clean-ups": ("instagan_lite_shapes32", NONE),
    "15-minute headline + keep the overlap": ("instagan_lite_shapes32", KEEP),
}
HELDOUT_SHAPES = ("disc", "triangle")
HELDOUT_OPTIONS = {"no clean-ups": NONE, "keep the overlap": KEEP, "all three clean-ups": ALL_THREE}


def folder_set(folder: Path, direction: str) -> dict[str, torch.Tensor]:
    """The test scenes of a dataset folder with oracles, as ``shapes_test_batch`` gives them."""
    data = folder_test_sets(folder, N)[direction]
    return {"images": data.images, "masks": data.masks, "oracle": data.oracle, "oracle_masks": data.oracle_masks}


def flat(image: torch.Tensor, oracle: torch.Tensor, oracle_masks: torch.Tensor, everywhere: bool) -> torch.Tensor:
    """The oracle (3, H, W) with each instance's pixels painted in its mean colour: only where the input
    differs from it (``everywhere=False``: flat where it changes) or on every object pixel."""
    out = oracle.clone()
    must_change = (image - oracle).abs().amax(0) > 0
    for mask in oracle_masks:
        inside = mask > 0
        if inside.any():
            where = inside if everywhere else inside & must_change
            out[:, where] = oracle[:, inside].mean(1, keepdim=True)
    return out


def shares(data: dict[str, torch.Tensor], translated: torch.Tensor) -> dict[str, float]:
    """Pooled over the images: the kept and changed shares of the objects score, their sum, and the
    fraction of object pixels that are kept."""
    parts = [
        objects_error_split(x, y, o, m)
        for x, y, o, m in zip(data["images"], translated, data["oracle"], data["oracle_masks"])
    ]
    total = {key: sum(p[key] for p in parts) for key in parts[0]}
    return {
        "kept": total["kept"] / total["identity"],
        "changed": total["changed"] / total["identity"],
        "objects": (total["kept"] + total["changed"]) / total["identity"],
        "kept_pixels": total["kept_pixels"] / (total["kept_pixels"] + total["changed_pixels"]),
    }


def reference_rows(data: dict[str, torch.Tensor]) -> dict[str, dict[str, float]]:
    rows = {"identity": data["images"], "oracle": data["oracle"]}
    for name, everywhere in (("flat where it changes", False), ("every object flat", True)):
        rows[name] = torch.stack(
            [flat(x, o, m, everywhere) for x, o, m in zip(data["images"], data["oracle"], data["oracle_masks"])]
        )
    return {name: shares(data, y) for name, y in rows.items()}


@torch.no_grad()
def translated_by(loaded, options, data: dict[str, torch.Tensor], direction: str) -> torch.Tensor:
    """Every test image of ``data`` translated by ``loaded`` (a LoadedModel) with ``options``."""
    options = loaded.options if options == SHIPPED else replace(options, sequential=loaded.options.sequential)
    chunks = [
        translate(loaded.model, data["images"][i : i + 50], data["masks"][i : i + 50], direction, options)[0]
        for i in range(0, data["images"].shape[0], 50)
    ]
    return torch.cat(chunks)


def cell(row: dict, key: str) -> str:
    return " / ".join(f"{row[d][key]:.2f}" for d in DIRECTIONS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=Path, help="a training checkpoint of the held-out pair (with --data)")
    parser.add_argument("--data", type=Path, help="its dataset folder (make-shapes --shapes disc triangle)")
    args = parser.parse_args()
    if (args.heldout is None) != (args.data is None):
        parser.error("--heldout and --data go together")
    torch.manual_seed(0)
    heldout = "held-out pair (discs ↔ triangles)"
    tables: dict[str, dict[str, dict]] = {"benchmark": {}, heldout: {}}
    shipped = {name: load_pretrained(name) for name, _ in MODELS.values()}  # each loaded once
    run = load_model(args.heldout) if args.heldout else None
    for direction, source in DIRECTIONS.items():
        data = shapes_test_batch(source, 32, N)
        rows = reference_rows(data)
        for row, (name, options) in MODELS.items():
            rows[row] = shares(data, translated_by(shipped[name], options, data, direction))
        if args.data:
            held = folder_set(args.data, direction)
        else:
            held = shapes_test_batch(source, 32, N, shapes=HELDOUT_SHAPES)
        held_rows = reference_rows(held)
        if run is not None:
            for row, options in HELDOUT_OPTIONS.items():
                held_rows[f"picture recipe (12,000 it.), {row}"] = shares(
                    held, translated_by(run, options, held, direction)
                )
        for table, values in ((tables["benchmark"], rows), (tables[heldout], held_rows)):
            for row, value in values.items():
                table.setdefault(row, {})[direction] = value
    lines = [
        "# Where the objects score's error lies",
        "",
        "Written by `python benchmarks/objects_breakdown.py`; 200 test images per direction, A→B / B→A, 32 px.",
        "The objects score (error inside the oracle's objects over the identity's) = **kept** (the error on",
        "object pixels the input already has right, x = x\\*) + **changed** (the error on the pixels that must",
        "change), both over the identity's error in the objects. *Kept pixels*: their share of the object pixels.",
        "",
    ]
    for table, rows in tables.items():
        lines += [f"## {table}", "", "| row | objects | kept | changed | kept pixels |", "|---|---|---|---|---|"]
        lines += [
            f"| {row} | {cell(r, 'objects')} | {cell(r, 'kept')} | {cell(r, 'changed')} | {cell(r, 'kept_pixels')} |"
            for row, r in rows.items()
        ]
        lines.append("")
    (RESULTS / "objects_breakdown.md").write_text("\n".join(lines))
    (RESULTS / "objects_breakdown.json").write_text(json.dumps(tables, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
