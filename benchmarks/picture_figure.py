"""The README's results figure: plain images of the built-in test scenes, both directions: input, oracle,
the shipped picture model (``instagan_lite_shapes32_long``) and the shipped 15-minute headline
(``instagan_lite_shapes32``), each with the translation options its registry entry records.

    python benchmarks/picture_figure.py     # writes results/picture_long_vs_15min_{AtoB,BtoA}.png
"""

from __future__ import annotations

from pathlib import Path

from instagan_lite.pretrained import load_pretrained, registry
from instagan_lite.viz import compare_translations_figure, save_figure

RESULTS = Path(__file__).parent / "results"


def label(name: str) -> str:
    entry = registry()[name]
    return f"{name.removeprefix('instagan_lite_')} ({entry['iterations']:,} it., {entry['train_minutes']:.0f} min)"


def main() -> None:
    systems = {}
    for name in ("instagan_lite_shapes32_long", "instagan_lite_shapes32"):
        loaded = load_pretrained(name)
        systems[label(name)] = (loaded.model, loaded.options)
    for direction in ("AtoB", "BtoA"):
        fig = compare_translations_figure(systems, direction, n=8)
        print(save_figure(fig, RESULTS / f"picture_long_vs_15min_{direction}.png", dpi=130))


if __name__ == "__main__":
    main()
