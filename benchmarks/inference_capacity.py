"""How many instances one image can have at inference before a memory budget runs out.

For each image size, the paper-width generator translates one image with K instances (K = 1, 2, 4, …)
under ``torch.no_grad``, either **one-shot** (all K masks encoded in one call, as the authors' test does
when ins_per ≥ K) or **sequentially** (ins_per 2 per call, :func:`instagan_lite.sequential_translate`).
Each point is measured in a fresh process (see ``common.py`` for how peak memory is measured). A
straight line fitted to peak memory against K gives the largest K that fits each budget; when the
fitted slope is under 1 MiB per instance the mode is reported as unbounded ("—").

    python benchmarks/inference_capacity.py                     # sizes 64, 128, 256 (a few minutes on CPU)
    python benchmarks/inference_capacity.py --sizes 64 --instances 1 2 4 --budgets-mib 512
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from common import Report, parse_or_run_child, peak_memory_mib, run_child


def measure(preset: str, size: int, instances: int, ins_per: int, device: str) -> dict:
    """In a subprocess: peak memory (MiB) and seconds of translating one image with ``instances`` masks."""
    import torch

    from instagan_lite import SequentialConfig, TranslateOptions, TranslationModel, sequential_translate
    from instagan_lite.data.shapes import make_shapes_batch

    model = TranslationModel.build("instagan", preset, seed=0).to(device).eval()
    x, m = make_shapes_batch("A", 1, size, instances, seed=0, slots=instances)
    x, m = x.to(device), m.to(device)
    with torch.no_grad():
        sequential_translate(model.G_A, x, m[:, :1], TranslateOptions(SequentialConfig.inference(ins_per=1)))  # warm-up
        options = TranslateOptions(SequentialConfig.inference(ins_per=ins_per))
        start = time.perf_counter()
        peak = peak_memory_mib(lambda: sequential_translate(model.G_A, x, m, options), device)
    return {"peak_mib": peak, "seconds": time.perf_counter() - start}


def fit_line(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares intercept and slope of peak MiB against instances."""
    n = len(points)
    mx = sum(k for k, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((k - mx) ** 2 for k, _ in points)
    slope = sum((k - mx) * (v - my) for k, v in points) / var if var else 0.0
    return my - slope * mx, slope


def capacity(intercept: float, slope: float, budget_mib: float) -> int | None:
    """Largest K with intercept + slope·K ≤ budget; None (unbounded) when the slope is under 1 MiB."""
    if slope < 1.0:
        return None
    return max(0, math.floor((budget_mib - intercept) / slope))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="paper", choices=["paper", "lite"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[64, 128, 256])
    parser.add_argument("--instances", nargs="+", type=int, default=[1, 2, 4, 8, 16])
    parser.add_argument("--budgets-mib", nargs="+", type=float, default=[1024, 4096, 16384])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "inference_capacity.md")
    args = parse_or_run_child(parser, measure)
    if args is None:
        return

    import torch

    report = Report(
        f"Device: {args.device} ({torch.get_num_threads()} threads), torch {torch.__version__}, "
        f"{args.preset} widths, batch 1, no_grad. Peak memory of one translation over what the model "
        "and data hold.",
        "",
        "| px | instances | one-shot MiB | sequential (2 per step) MiB | one-shot s | sequential s |",
        "|---|---|---|---|---|---|",
    )
    measured: dict[tuple[int, str], list[tuple[int, float]]] = {}
    for size in args.sizes:
        for k in args.instances:
            r = {
                mode: run_child(
                    __file__,
                    {"preset": args.preset, "size": size, "instances": k, "ins_per": ins_per, "device": args.device},
                    memory=True,
                )
                for mode, ins_per in (("one-shot", k), ("sequential", 2))
            }
            for mode in r:
                measured.setdefault((size, mode), []).append((k, r[mode]["peak_mib"]))
            report.add(
                f"| {size} | {k} | {r['one-shot']['peak_mib']:.0f} | {r['sequential']['peak_mib']:.0f} "
                f"| {r['one-shot']['seconds']:.2f} | {r['sequential']['seconds']:.2f} |"
            )
    budgets = " | ".join(f"max K in {b:g} MiB" for b in args.budgets_mib)
    report.add(
        "",
        "Straight-line fit of peak MiB = a + b·K over the measured K; max K = ⌊(budget − a) / b⌋ "
        "(— = flat, b < 1 MiB per instance).",
        "",
        f"| px | mode | a (MiB) | b (MiB / instance) | {budgets} |",
        "|---" * (4 + len(args.budgets_mib)) + "|",
    )
    for (size, mode), points in measured.items():
        a, b = fit_line(points)
        caps = " | ".join("—" if (c := capacity(a, b, budget)) is None else str(c) for budget in args.budgets_mib)
        report.add(f"| {size} | {mode} | {a:.0f} | {b:.1f} | {caps} |")
    report.write(args.out)


if __name__ == "__main__":
    main()
