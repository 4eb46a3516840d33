"""How much of the machine a training step uses: achieved FLOP/s against the machine's own fp32 throughput.

For each preset (``lite`` at 32 px, ``paper`` at 64 px) it counts the floating-point operations of one
training iteration (all sequential steps, both directions, G and D updates, forward and backward) with
``torch.utils.flop_counter.FlopCounterMode``, times iterations, and divides. In the same run it measures
what the machine can do in fp32: a large matrix multiply, and the 3×3 convolution that dominates the
step (the ResNet blocks' shape for that preset, forward + both backward convolutions). The fraction of
either is how much of the machine the step uses. Each configuration runs in its own process.

    python benchmarks/roofline.py                    # both presets (about 3 minutes on 2 CPU cores)
    python benchmarks/roofline.py --presets lite --seconds 5

Writes ``results/roofline.md`` and ``results/roofline.png``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import Report, parse_or_run_child, run_child, training_setup

RESULTS = Path(__file__).parent / "results"
SETTINGS = {"lite": {"size": 32, "batch": 4, "width": 64}, "paper": {"size": 64, "batch": 2, "width": 256}}


def _timed(call, seconds: float, min_repeats: int = 3) -> float:
    """Seconds per call of ``call`` after one warm-up call, repeated for about ``seconds``."""
    call()
    start, n = time.perf_counter(), 0
    while n < min_repeats or time.perf_counter() - start < seconds:
        call()
        n += 1
    return (time.perf_counter() - start) / n


def measure(preset: str, device: str, seconds: float, threads: int | None) -> dict:
    """In a subprocess: FLOPs and time of a training iteration, and the machine's fp32 throughput."""
    import torch
    import torch.nn.functional as F
    from torch.utils.flop_counter import FlopCounterMode

    from instagan_lite import ImagePool, SequentialConfig, train_step
    from instagan_lite.data.shapes import make_shapes_batch

    if threads:
        torch.set_num_threads(threads)
    s = SETTINGS[preset]
    model, opt_G, opt_D = training_setup("instagan", preset, device)
    a, ma = make_shapes_batch("A", s["batch"], s["size"], 4, seed=1)
    b, mb = make_shapes_batch("B", s["batch"], s["size"], 4, seed=2)
    pools = (ImagePool(), ImagePool())

    def iteration() -> None:
        train_step(model, opt_G, opt_D, pools, a, ma, b, mb, SequentialConfig(4, 2))

    iteration()  # warm-up: kernels, Adam state
    with FlopCounterMode(display=False) as counter:
        iteration()
    flops = counter.get_total_flops()
    step_seconds = _timed(iteration, seconds)

    n = 2048
    x, y = torch.randn(n, n), torch.randn(n, n)
    matmul = 2 * n**3 / _timed(lambda: x @ y, seconds / 2)

    c, hw = s["width"], s["size"] // 4
    inp = torch.randn(4 * s["batch"], c, hw + 2, hw + 2, requires_grad=True)
    weight = torch.randn(c, c, 3, 3, requires_grad=True)

    def conv() -> None:
        F.conv2d(inp, weight).sum().backward()

    conv_flops = 3 * 2 * inp.shape[0] * c * c * 9 * hw * hw  # forward, grad input, grad weight
    conv_rate = conv_flops / _timed(conv, seconds / 2)
    return {
        "preset": preset,
        "threads": torch.get_num_threads(),
        "flops_per_iteration": flops,
        "seconds_per_iteration": step_seconds,
        "achieved": flops / step_seconds,
        "matmul": matmul,
        "conv3x3": conv_rate,
        "conv_shape": f"{tuple(inp.shape)} × 3×3×{c}",
    }


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    labels = [f"{r['preset']}\n{SETTINGS[r['preset']]['size']} px" for r in rows]
    xs = range(len(rows))
    for offset, key, name in (
        (-0.27, "achieved", "training step"),
        (0, "conv3x3", "its 3×3 conv"),
        (0.27, "matmul", "2048² matmul"),
    ):
        values = [r[key] / 1e9 for r in rows]
        bars = ax.bar([x + offset for x in xs], values, 0.26, label=name)
        if key == "achieved":
            for bar, r in zip(bars, rows):
                ax.annotate(
                    f"{r['achieved'] / r['matmul']:.0%} of matmul\n{r['achieved'] / r['conv3x3']:.0%} of conv",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("GFLOP/s (fp32)")
    ax.set_title("achieved FLOP/s of a training iteration vs the machine's own", fontsize=9)
    ax.legend(fontsize=7)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seconds", type=float, default=10.0, help="timing budget per measurement")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--out", type=Path, default=RESULTS / "roofline.md")
    args = parse_or_run_child(parser, measure)
    if args is None:
        return
    report = Report(
        "Achieved FLOP/s of one training iteration (ins_max 4 / ins_per 2, 4 instances per image, both "
        "directions, G and D, forward and backward; FlopCounterMode) against the machine's fp32 throughput "
        "measured in the same process.",
        "",
        "| preset | px | batch | threads | GFLOP / iteration | s / iteration | achieved GFLOP/s | 3×3 conv GFLOP/s "
        "| matmul GFLOP/s | of conv | of matmul |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    )
    rows = []
    for preset in args.presets:
        spec = {"preset": preset, "device": args.device, "seconds": args.seconds, "threads": args.threads}
        r = run_child(__file__, spec, memory=False)
        rows.append(r)
        s = SETTINGS[preset]
        report.add(
            f"| {preset} | {s['size']} | {s['batch']} | {r['threads']} | {r['flops_per_iteration'] / 1e9:.1f} "
            f"| {r['seconds_per_iteration']:.3f} | {r['achieved'] / 1e9:.1f} | {r['conv3x3'] / 1e9:.1f} "
            f"| {r['matmul'] / 1e9:.1f} | {r['achieved'] / r['conv3x3']:.0%} | {r['achieved'] / r['matmul']:.0%} |"
        )
    report.add("", "Conv shapes: " + "; ".join(f"{r['preset']} {r['conv_shape']}" for r in rows))
    report.write(args.out)
    plot(rows, args.out.with_suffix(".png"))


if __name__ == "__main__":
    main()
