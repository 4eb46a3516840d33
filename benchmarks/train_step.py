"""Seconds per training iteration and peak memory of InstaGAN's step, sequential vs one-shot.

For each preset (paper at 64 px, lite at 32 px), batch size (1, 4) and number of instances (2, 4, 8, 16)
it runs one full training iteration (all sequential steps, both directions, G and D updates) after a
one-step warm-up (kernels, Adam state), in fresh subprocesses, and reports

* seconds per iteration (its own process, the default allocator);
* peak memory of one iteration above what was held before it (parameters, Adam state, the data): on
  CUDA ``max_memory_allocated``; on CPU the growth of the process's peak RSS (VmHWM, reset through
  /proc/self/clear_refs), in a second process started with ``MALLOC_ARENA_MAX=1`` and a fixed mmap
  threshold, so that freed tensors go back to the OS and RSS follows the live tensors rather than
  glibc's per-thread caches (without that, the same run varied by ±10 % here).

Sequential = ins_per 2 (ins_max / 2 steps); one-shot = all instances in one step.

    python benchmarks/train_step.py                 # the full table (CPU: about 30 minutes on 2 cores)
    python benchmarks/train_step.py --presets lite  # about a minute
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

SIZES = {"paper": 64, "lite": 32}
LIVE_MEMORY_ENV = {"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"}


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def measure(preset: str, batch: int, instances: int, ins_per: int, device: str, what: str) -> dict:
    """In a subprocess: a one-step warm-up, then one iteration, timed (``what="time"``) or its peak
    memory measured (``what="memory"``)."""
    import torch

    from instagan_lite import ImagePool, SequentialConfig, TranslationModel, train_step
    from instagan_lite.data.shapes import make_shapes_batch

    torch.manual_seed(0)
    size = SIZES[preset]
    model = TranslationModel.build("instagan", preset, seed=0).to(device)
    g = [p for n in model.generators for p in n.parameters()]
    d = [p for n in model.discriminators for p in n.parameters()]
    opt_G = torch.optim.Adam(g, 2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(d, 2e-4, betas=(0.5, 0.999))
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
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        iteration(config, pools)
        peak = torch.cuda.max_memory_allocated()
    else:
        base = _rss_kib("VmRSS") * 1024
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        iteration(config, pools)
        peak = _rss_kib("VmHWM") * 1024
    return {"peak_mib": (peak - base) / 2**20}


def _child(spec: dict) -> dict:
    env = {**os.environ, **(LIVE_MEMORY_ENV if spec["what"] == "memory" else {})}
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], check=True, capture_output=True,
                         text=True, env=env).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["lite", "paper"], choices=list(SIZES))
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 4])
    parser.add_argument("--instances", nargs="+", type=int, default=[2, 4, 8, 16])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "train_step.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(**json.loads(args.child))))
        return

    import torch

    lines = [
        f"Device: {args.device} ({torch.get_num_threads()} threads), torch {torch.__version__}.",
        "Peak memory: growth during one iteration over what was held before it (parameters, Adam state,",
        "data): peak RSS with MALLOC_ARENA_MAX=1 and a fixed mmap threshold (CPU), max_memory_allocated (CUDA).",
        "",
        "| preset | px | batch | instances | mode | steps | s / iteration | peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for preset in args.presets:
        for batch in args.batches:
            for n in args.instances:
                for mode, ins_per in (("sequential", 2), ("one-shot", n)):
                    spec = {"preset": preset, "batch": batch, "instances": n, "ins_per": ins_per}
                    spec["device"] = args.device
                    r = {**_child({**spec, "what": "time"}), **_child({**spec, "what": "memory"})}
                    row = (
                        f"| {preset} | {SIZES[preset]} | {batch} | {n} | {mode} | {r['steps']} "
                        f"| {r['seconds']:.2f} | {r['peak_mib']:.0f} |"
                    )
                    lines.append(row)
                    print(row, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
