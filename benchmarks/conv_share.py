"""Where a lite training iteration spends its time, by kind of convolution: what a cheaper 7×7 output conv
could save at most.

The generators' stems and output convs are 7×7 (the authors' ResNet generator), at full resolution; the
ResNet blocks and the downsampling convs are 3×3, the upsampling is transposed 3×3 and the discriminators
are 4×4. This profiles training iterations (both directions, G and D, forward and backward) with
``torch.profiler`` and sums the time of ``aten::convolution`` and ``aten::convolution_backward`` by the
kernel's size, over the time of all torch ops. It then times a 3×3 conv against the 7×7 one at each of the
decoders' output-conv shapes (forward + backward): what that lite deviation would save, before anyone
trains one.

    python benchmarks/conv_share.py                 # the lite defaults and the picture model, about 2 min
    python benchmarks/conv_share.py --iterations 5

Writes ``results/conv_share.md``.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from common import Report, parse_or_run_child, run_child

RESULTS = Path(__file__).parent / "results"
MODELS = {  # name: ModelConfig changes
    "lite defaults": {},
    "picture model": {"generator_downsampling": 1, "image_output": "layered"},
}
CONV_OPS = ("aten::convolution", "aten::convolution_backward")


def kernel_kind(weight_shape: list[int], transposed: bool) -> str:
    """``"7×7 output"``, ``"7×7 stem"``, ``"3×3"``, ``"4×4"`` or ``"3×3 transposed"`` from a conv weight's
    shape (out, in, k, k): a 7×7 conv on at most 4 input channels (an image, a mask, or both) is an
    encoder's stem, any other 7×7 conv is a decoder's output conv (image, layered image or mask)."""
    kind = f"{weight_shape[-2]}×{weight_shape[-1]}" + (" transposed" if transposed else "")
    if kind == "7×7":
        kind += " stem" if weight_shape[1] <= 4 else " output"
    return kind


def three_by_three_ratio(input_shape: list[int], weight_shape: list[int], seconds: float = 2.0) -> float:
    """Forward + backward time of a 3×3 conv over a 7×7 one with the same channels and output size:
    ``input_shape`` is the 7×7 conv's (already reflection-padded by 3) input, so the 3×3 one sees it
    padded by 1 instead."""
    import torch

    def timed(k: int) -> float:
        b, c, h, w = input_shape
        x = torch.randn(b, c, h - 6 + k - 1, w - 6 + k - 1, requires_grad=True)
        conv = torch.nn.Conv2d(c, weight_shape[0], k)
        for _ in range(3):
            conv(x).sum().backward()
        start, n = time.perf_counter(), 0
        while n < 5 or time.perf_counter() - start < seconds:
            conv(x).sum().backward()
            n += 1
        return (time.perf_counter() - start) / n

    return timed(3) / timed(7)


def measure(model: str, iterations: int) -> dict:
    """In a subprocess: seconds per iteration; the share of the time in torch ops that each kind of
    convolution takes; and what a 3×3 output conv would save, from its measured speed at each shape."""
    from torch.profiler import ProfilerActivity, profile

    from instagan_lite.model import ModelConfig
    from instagan_lite.train import TrainConfig, Trainer

    model_config = ModelConfig(**MODELS[model])
    config = TrainConfig(model=model_config, checkpoint_every=0, sample_every=0, progress=False, out_dir="/tmp/cs")
    trainer = Trainer(config)
    for _ in range(3):  # warm-up: kernels, Adam state
        trainer.train_iteration()
    start = time.perf_counter()
    for _ in range(iterations):
        trainer.train_iteration()
    seconds = (time.perf_counter() - start) / iterations
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(iterations):
            trainer.train_iteration()
    profiled_us = sum(event.self_cpu_time_total for event in prof.events())  # time in torch ops, all of them
    shares: dict[str, float] = defaultdict(float)
    output_convs: dict[tuple, float] = defaultdict(float)  # (input shape, weight shape): time in µs
    for event in prof.events():
        if event.name not in CONV_OPS or (event.cpu_parent is not None and event.cpu_parent.name in CONV_OPS):
            continue
        # convolution(input, weight, bias, stride, padding, dilation, transposed, ...) and
        # convolution_backward(grad_output, input, weight, bias_sizes, stride, padding, dilation, transposed, ...)
        forward = event.name == "aten::convolution"
        inputs, weight = event.input_shapes[0 if forward else 1], event.input_shapes[1 if forward else 2]
        kind = kernel_kind(weight, bool(event.concrete_inputs[6 if forward else 7]))
        shares[kind] += event.cpu_time_total / profiled_us
        if kind == "7×7 output":
            output_convs[(tuple(inputs), tuple(weight))] += event.cpu_time_total / profiled_us
    saved = sum(share * (1 - three_by_three_ratio(*shapes)) for shapes, share in output_convs.items())
    return {"seconds_per_iteration": seconds, "shares": shares, "saved": saved}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=10, help="timed and profiled iterations per model")
    parser.add_argument("--out", type=Path, default=RESULTS / "conv_share.md")
    args = parse_or_run_child(parser, measure)
    if args is None:
        return
    rows = {model: run_child(__file__, {"model": model, "iterations": args.iterations}, False) for model in MODELS}
    kinds = sorted({kind for r in rows.values() for kind in r["shares"]})
    report = Report(
        "Lite InstaGAN training iteration (32 px, batch 4, ins_max 4 / ins_per 2, both directions, G and D,"
        f" forward and backward), 2 CPU cores, {args.iterations} profiled iterations per model in its own"
        " process. Cells: share of the time spent in torch ops (`self_cpu_time_total` summed over all ops;"
        " Python and the profiler's own overhead are not in it) that `aten::convolution` and"
        " `aten::convolution_backward` take, by kernel size. The last column replaces the output convs' time"
        " by that of a 3×3 conv at the same shapes (forward + backward, timed alone) and keeps the rest.",
        "",
        "| model | s / iteration | all convs | " + " | ".join(kinds) + " | a 3×3 output conv would save |",
        "|---|---|---|" + "---|" * len(kinds) + "---|",
    )
    for model, r in rows.items():
        cells = " | ".join(f"{100 * r['shares'].get(kind, 0.0):.0f} %" for kind in kinds)
        report.add(
            f"| {model} | {r['seconds_per_iteration']:.3f} | {100 * sum(r['shares'].values()):.0f} % | {cells} | "
            f"{100 * r['saved']:.0f} % ({1 / (1 - r['saved']):.2f}×) |"
        )
    report.write(args.out)


if __name__ == "__main__":
    main()
