"""The README's results figure: plain images of the built-in test scenes, both directions: input, oracle,
the shipped picture model (``instagan_lite_shapes32_long``) and the shipped 15-minute headline
(``instagan_lite_shapes32``), each with the translation options its registry entry records.

    python benchmarks/picture_figure.py     # writes results/picture_long_vs_15min_{AtoB,BtoA}.png

With ``--heldout CHECKPOINT --data FOLDER`` it draws a run on another pair of shapes instead (the test
scenes of FOLDER, e.g. ``make-shapes --shapes disc triangle``; the options the run records), as
``results/heldout_<folder name>_picture_{AtoB,BtoA}.png``:

    python benchmarks/picture_figure.py --heldout outputs/disc2triangle_picture/checkpoint.pt \\
        --data datasets/disc2triangle
"""

from __future__ import annotations

import argparse
from pathlib import Path

from instagan_lite.pretrained import load_model, load_pretrained, registry
from instagan_lite.viz import compare_translations_figure, save_figure

RESULTS = Path(__file__).parent / "results"


def label(name: str) -> str:
    entry = registry()[name]
    return f"{name.removeprefix('instagan_lite_')} ({entry['iterations']:,} it., {entry['train_minutes']:.0f} min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=Path, help="a training checkpoint of another pair of shapes")
    parser.add_argument("--data", type=Path, help="its dataset folder (with --heldout)")
    args = parser.parse_args()
    if (args.heldout is None) != (args.data is None):
        parser.error("--heldout and --data go together")
    if args.heldout is not None:
        loaded = load_model(args.heldout)
        systems = {f"picture recipe ({args.heldout.parent.name})": (loaded.model, loaded.options)}
        for direction in ("AtoB", "BtoA"):
            fig = compare_translations_figure(systems, direction, n=8, data=args.data)
            print(save_figure(fig, RESULTS / f"heldout_{args.data.name}_picture_{direction}.png", dpi=130))
        return
    systems = {}
    for name in ("instagan_lite_shapes32_long", "instagan_lite_shapes32"):
        loaded = load_pretrained(name)
        systems[label(name)] = (loaded.model, loaded.options)
    for direction in ("AtoB", "BtoA"):
        fig = compare_translations_figure(systems, direction, n=8)
        print(save_figure(fig, RESULTS / f"picture_long_vs_15min_{direction}.png", dpi=130))


if __name__ == "__main__":
    main()
