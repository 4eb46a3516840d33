"""Seconds per training iteration and peak memory of InstaGAN's step, sequential vs one-shot.

For each preset (paper at 64 px, lite at 32 px), batch size (1, 4) and number of instances (2, 4, 8, 16)
it runs one full training iteration (all sequential steps, both directions, G and D updates) after a
one-step warm-up (kernels, Adam state), in fresh subprocesses, and reports

* seconds per iteration (its own process, the default allocator);
* peak memory of one iteration above what was held before it (parameters, Adam state, the data), in a
  second process (see ``common.py`` for how CPU memory is measured).

Sequential = ins_per 2 (ins_max / 2 steps); one-shot = all instances in one step. Writes the table to
``results/train_step.md`` and a plot of peak memory against instances to ``results/train_step_memory.png``.

    python benchmarks/train_step.py                 # the full table (CPU: about 30 minutes on 2 cores)
    python benchmarks/train_step.py --presets lite  # about a minute
    python benchmarks/train_step.py --replot        # redraw the plot from results/train_step.md
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import Report, parse_or_run_child, peak_memory_mib, run_child, training_setup

SIZES = {"paper": 64, "lite": 32}


def measure(preset: str, batch: int, instances: int, ins_per: int, device: str, what: str) -> dict:
    """In a subprocess: a one-step warm-up, then one iteration, timed (``what="time"``) or its peak
    memory measured (``what="memory"``)."""
    import torch

    from instagan_lite import ImagePool, SequentialConfig, train_step
    from instagan_lite.data.shapes import make_shapes_batch

    size = SIZES[preset]
    model, opt_G, opt_D = training_setup("instagan", preset, device)
    a, ma = make_shapes_batch("A", batch, size, instances, seed=1)
    b, mb = make_shapes_batch("B", batch, size, instances, seed=2)
    a, ma, b, mb = (t.to(device) for t in (a, ma, b, mb))

    def iteration(config: SequentialConfig, pools: tuple[ImagePool, ImagePool]) -> int:
        steps = len(train_step(model, opt_G, opt_D, pools, a, ma, b, mb, config))
        if device == "cuda":
            torch.cuda.synchronize()
        return steps

    iteration(SequentialConfig(2, 2), (ImagePool(), ImagePool()))  # warm-up step: kernels, Adam state
    config, pools = SequentialConfig(ins_max=instances, ins_per=ins_per), (ImagePool(), ImagePool())
    if what == "time":
        start = time.perf_counter()
        steps = iteration(config, pools)
        return {"steps": steps, "seconds": time.perf_counter() - start}
    return {"peak_mib": peak_memory_mib(lambda: iteration(config, pools), device)}


def read_table(path: Path) -> list[dict]:
    """The rows of a ``train_step.md`` table as dicts."""
    rows = []
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] in SIZES:
            rows.append(
                {
                    "preset": cells[0],
                    "batch": int(cells[2]),
                    "instances": int(cells[3]),
                    "mode": cells[4],
                    "seconds": float(cells[6]),
                    "peak_mib": float(cells[7]),
                }
            )
    return rows


def plot_memory(rows: list[dict], path: Path) -> None:
    """Peak memory against instances, one panel per preset, a line per (mode, batch)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    presets = sorted({r["preset"] for r in rows}, key=list(SIZES).index)
    fig, axes = plt.subplots(1, len(presets), figsize=(4.2 * len(presets), 3.3), squeeze=False)
    for ax, preset in zip(axes[0], presets):
        for colour, batch in enumerate(sorted({r["batch"] for r in rows if r["preset"] == preset})):
            for mode, style in (("sequential", "o-"), ("one-shot", "s--")):
                pts = sorted(
                    (r["instances"], r["peak_mib"])
                    for r in rows
                    if (r["preset"], r["batch"], r["mode"]) == (preset, batch, mode)
                )
                if pts:
                    ax.plot(*zip(*pts), style, color=f"C{colour}", label=f"{mode}, batch {batch}")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted({r["instances"] for r in rows}), [str(n) for n in sorted({r["instances"] for r in rows})])
        ax.set_yscale("log")
        ax.set_xlabel("instances per image")
        ax.set_ylabel("peak memory of one iteration (MiB)")
        ax.set_title(f"{preset} preset, {SIZES[preset]} px")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["lite", "paper"], choices=list(SIZES))
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 4])
    parser.add_argument("--instances", nargs="+", type=int, default=[2, 4, 8, 16])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "train_step.md")
    parser.add_argument("--replot", action="store_true", help="only redraw the plot from --out's table")
    args = parse_or_run_child(parser, measure)
    if args is None:
        return
    plot_path = args.out.with_name(args.out.stem + "_memory.png")
    if args.replot:
        plot_memory(read_table(args.out), plot_path)
        print(f"wrote {plot_path}")
        return

    import torch

    report = Report(
        f"Device: {args.device} ({torch.get_num_threads()} threads), torch {torch.__version__}.",
        "Peak memory: growth during one iteration over what was held before it (parameters, Adam state,",
        "data): peak RSS with MALLOC_ARENA_MAX=1 and a fixed mmap threshold (CPU), max_memory_allocated (CUDA).",
        "",
        "| preset | px | batch | instances | mode | steps | s / iteration | peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    )
    for preset in args.presets:
        for batch in args.batches:
            for n in args.instances:
                for mode, ins_per in (("sequential", 2), ("one-shot", n)):
                    spec = {"preset": preset, "batch": batch, "instances": n, "ins_per": ins_per}
                    spec["device"] = args.device
                    r = {
                        **run_child(__file__, {**spec, "what": "time"}, memory=False),
                        **run_child(__file__, {**spec, "what": "memory"}, memory=True),
                    }
                    report.add(
                        f"| {preset} | {SIZES[preset]} | {batch} | {n} | {mode} | {r['steps']} "
                        f"| {r['seconds']:.2f} | {r['peak_mib']:.0f} |"
                    )
    report.write(args.out)
    plot_memory(read_table(args.out), plot_path)
    print(f"wrote {plot_path}")


if __name__ == "__main__":
    main()
