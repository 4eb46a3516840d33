"""Training throughput: images per second per preset, method and batch size.

One training iteration = a batch of domain-A images and a batch of domain-B images through every
sequential step, both directions, G and D updates (what :class:`instagan_lite.train.Trainer` does per
iteration). Throughput is counted in domain-A images per second (batch size / seconds per iteration),
the way a learner reads "how long is an epoch". Shapes data with 1–4 instances per image, ins_max 4 /
ins_per 2 for InstaGAN (the default recipe). Each configuration runs in its own process: one warm-up
iteration, then timed iterations until ``--seconds`` have passed (at least ``--min-iterations``).

    python benchmarks/throughput.py                       # the table (about 5 minutes on 2 CPU cores)
    python benchmarks/throughput.py --presets lite --batches 1 4
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import Report, parse_or_run_child, run_child, training_setup

SIZES = {"lite": 32, "paper": 64}


def measure(method: str, preset: str, batch: int, device: str, seconds: float, min_iterations: int) -> dict:
    """In a subprocess: seconds per iteration and images per second of one configuration."""
    import torch

    from instagan_lite import ImagePool, SequentialConfig, train_step
    from instagan_lite.data.shapes import make_shapes_batch

    size = SIZES[preset]
    model, opt_G, opt_D = training_setup(method, preset, device)
    pools = (ImagePool(), ImagePool())
    config = SequentialConfig(ins_max=4, ins_per=2) if method == "instagan" else SequentialConfig(1, 1)
    batches = [
        (
            make_shapes_batch("A", batch, size, seed=2 * i, slots=4),
            make_shapes_batch("B", batch, size, seed=2 * i + 1, slots=4),
        )
        for i in range(4)
    ]
    batches = [tuple(t.to(device) for t in (*a, *b)) for a, b in batches]

    def iteration(i: int) -> None:
        a, ma, b, mb = batches[i % len(batches)]
        train_step(model, opt_G, opt_D, pools, a, ma, b, mb, config)
        if device == "cuda":
            torch.cuda.synchronize()

    iteration(0)  # warm-up: kernels, Adam state
    start, done = time.perf_counter(), 0
    while done < min_iterations or time.perf_counter() - start < seconds:
        iteration(done + 1)
        done += 1
    elapsed = time.perf_counter() - start
    return {"iterations": done, "seconds_per_iteration": elapsed / done, "images_per_second": batch * done / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--methods", nargs="+", default=["instagan", "cyclegan"], choices=["instagan", "cyclegan"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 2, 4, 8])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seconds", type=float, default=6.0, help="timed seconds per configuration")
    parser.add_argument("--min-iterations", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "throughput.md")
    args = parse_or_run_child(parser, measure)
    if args is None:
        return

    import torch

    report = Report(
        f"Device: {args.device} ({torch.get_num_threads()} threads), torch {torch.__version__}. One iteration = "
        "a batch of each domain, all sequential steps (InstaGAN: ins_max 4 / ins_per 2), G and D updates;",
        "images / s counts domain-A images.",
        "",
        "| method | preset | px | batch | iterations timed | s / iteration | images / s |",
        "|---|---|---|---|---|---|---|",
    )
    for method in args.methods:
        for preset in args.presets:
            for batch in args.batches:
                spec = {
                    "method": method,
                    "preset": preset,
                    "batch": batch,
                    "device": args.device,
                    "seconds": args.seconds,
                    "min_iterations": args.min_iterations,
                }
                r = run_child(__file__, spec, memory=False)
                report.add(
                    f"| {method} | {preset} | {SIZES[preset]} | {batch} | {r['iterations']} "
                    f"| {r['seconds_per_iteration']:.3f} | {r['images_per_second']:.1f} |"
                )
    report.write(args.out)


if __name__ == "__main__":
    main()
