"""Training speed and peak memory against the authors' own code (sangwoomo/instagan), side by side.

The authors' code is imported from a separate checkout (``--official-dir``; nothing of it is copied
here): their ``TrainOptions`` parse their own flags (``--gpu_ids -1 --display_id 0 --ins_max K
--ins_per 2 --fineSize{W,H} S`` …), ``create_model`` builds their ``InstaGANModel`` and each iteration is
their ``set_input`` + ``optimize_parameters``. Ours is :func:`instagan_lite.train_step` at the ``paper``
preset. Both see the same synthetic batches: shapes scenes with exactly K instances per image, their
masks in the authors' 20-slot layout. Every configuration runs in a fresh process, alternating over
``--rounds``; the table keeps the best time of each (the machine's own noise only slows things down).
Peak memory is measured in a further process per configuration (``common.py``: the growth of peak RSS
over one iteration, with the allocator settings that make RSS follow the live tensors).

    git clone https://github.com/sangwoomo/instagan /path/to/instagan   # (or the mirror you have)
    python benchmarks/vs_official.py --official-dir /path/to/instagan
    python benchmarks/vs_official.py --official-dir DIR --instances 4 8 --batches 1 4 --rounds 2

The authors' code runs only with one sample per forward call (their generator's set sum mixes the
batch), so it is timed at batch 1; ours at every ``--batches`` value.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from common import Report, parse_or_run_child, peak_memory_mib, run_child

RESULTS = Path(__file__).parent / "results"


def _batch(domain: str, batch: int, size: int, instances: int, seed: int):
    from instagan_lite.data.shapes import make_shapes_batch

    return make_shapes_batch(domain, batch, size, instances, seed=seed, slots=20)


def _official_model(official_dir: str, size: int, instances: int):
    """The authors' InstaGANModel built through their own option parser (CPU, no display)."""
    import tempfile

    sys.path.insert(0, official_dir)
    from models import create_model
    from options.train_options import TrainOptions

    argv = sys.argv
    sys.argv = [
        "train.py",
        "--dataroot",
        "unused",
        "--gpu_ids",
        "-1",
        "--display_id",
        "0",
        "--no_html",
        "--ins_max",
        str(instances),
        "--ins_per",
        "2",
        "--fineSizeW",
        str(size),
        "--fineSizeH",
        str(size),
        "--loadSizeW",
        str(size),
        "--loadSizeH",
        str(size),
        "--checkpoints_dir",
        tempfile.mkdtemp(),
        "--name",
        "vs_official",
    ]
    try:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):  # their option and network printout
            opt = TrainOptions().parse()
            model = create_model(opt)
            model.setup(opt)
    finally:
        sys.argv = argv
    return model


def measure(side: str, batch: int, instances: int, size: int, official_dir: str, what: str, iterations: int) -> dict:
    """In a subprocess: seconds per iteration (``what="time"``) or peak MiB of one (``"memory"``)."""
    import torch

    torch.manual_seed(0)
    a, ma = _batch("A", batch, size, instances, 1)
    b, mb = _batch("B", batch, size, instances, 2)
    if side == "official":
        model = _official_model(official_dir, size, instances)
        data = {"A": a, "B": b, "A_segs": ma, "B_segs": mb, "A_paths": ["a.png"], "B_paths": ["b.png"]}

        def iteration() -> None:
            model.set_input(data)
            model.optimize_parameters()
    else:
        from instagan_lite import ImagePool, SequentialConfig, TranslationModel, train_step

        ours = TranslationModel.build("instagan", "paper", seed=0)
        opt_G, opt_D = ours.optimizers()
        pools = (ImagePool(), ImagePool())

        def iteration() -> None:
            train_step(ours, opt_G, opt_D, pools, a, ma, b, mb, SequentialConfig(instances, 2))

    iteration()  # warm-up: kernels, Adam state
    if what == "memory":
        return {"peak_mib": peak_memory_mib(iteration, "cpu")}
    start = time.perf_counter()
    for _ in range(iterations):
        iteration()
    return {"seconds": (time.perf_counter() - start) / iterations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--official-dir", help="a checkout of sangwoomo/instagan (required)")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--instances", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4], help="our batch sizes")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of every configuration")
    parser.add_argument("--iterations", type=int, default=2, help="timed iterations per process")
    parser.add_argument("--out", type=Path, default=RESULTS / "vs_official.md")
    args = parse_or_run_child(parser, measure)
    if args is None:
        return
    if not args.official_dir:
        parser.error("--official-dir is required")
    if not (Path(args.official_dir) / "models" / "insta_gan_model.py").exists():
        parser.error(f"{args.official_dir}: not a checkout of sangwoomo/instagan (no models/insta_gan_model.py)")
    import torch

    configs = [("official", 1, k) for k in args.instances]
    configs += [("ours", b, k) for k in args.instances for b in args.batches]

    def spec(side: str, batch: int, k: int, what: str) -> dict:
        official = os.path.abspath(args.official_dir)
        iterations = args.iterations if what == "time" else 1
        return {
            "side": side,
            "batch": batch,
            "instances": k,
            "size": args.size,
            "official_dir": official,
            "what": what,
            "iterations": iterations,
        }

    best: dict[tuple, float] = {}
    for _ in range(args.rounds):
        for side, batch, k in configs:
            seconds = run_child(__file__, spec(side, batch, k, "time"), memory=False)["seconds"]
            best[(side, batch, k)] = min(seconds, best.get((side, batch, k), float("inf")))
            print(f"{side} batch {batch}, {k} instances: {seconds:.2f} s / iteration", flush=True)
    memory = {c: run_child(__file__, spec(*c, "memory"), memory=True)["peak_mib"] for c in configs}
    report = Report(
        f"2 CPU cores ({torch.get_num_threads()} threads), torch {torch.__version__}; {args.size} px, paper widths, "
        f"exactly K instances per image, ins_max K / ins_per 2 (K / 2 sequential steps), best of {args.rounds} "
        "alternated rounds, each configuration in its own process. One iteration = a batch of each domain, "
        "both directions, G and D updates; images / s counts domain-A images. Peak memory: growth of peak RSS "
        "over one iteration (after a warm-up), in its own process.",
        "",
        "| K | code | batch | s / iteration | images / s | vs the authors' | peak MiB | vs the authors' |",
        "|---|---|---|---|---|---|---|---|",
    )
    for k in args.instances:
        theirs = best[("official", 1, k)]
        their_memory = memory[("official", 1, k)]
        for side, batch, kk in configs:
            if kk != k:
                continue
            seconds, peak = best[(side, batch, k)], memory[(side, batch, k)]
            label = "the authors'" if side == "official" else "instagan-lite paper"
            report.add(
                f"| {k} | {label} | {batch} | {seconds:.2f} | {batch / seconds:.3f} | "
                f"{(batch / seconds) / (1 / theirs):.2f}× | {peak:.0f} | {peak / their_memory:.2f}× |"
            )
    report.write(args.out)


if __name__ == "__main__":
    main()
