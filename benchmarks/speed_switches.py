"""Speed switches that do not change the mathematics, measured: which ones pay on this machine.

Each configuration trains the lite InstaGAN (32 px, batch 4, ins_max 4 / ins_per 2, the lite recipe) in
its own process: a warm-up iteration, then timed iterations for ``--seconds``. Switches:

* ``baseline`` — what ``Trainer`` does by default;
* ``channels_last`` — channels-last memory for the networks and the batches (``--channels-last``);
* ``bf16`` — bfloat16 autocast of the forward passes (``--precision bf16``);
* ``threads1`` — one torch thread instead of the machine's cores;
* ``compile`` — ``torch.compile`` of the four networks (dynamic shapes: the number of instances varies);
  its compile time (the first iterations) is reported apart from the steady state;
* ``compile_static`` — the same with static shapes (``dynamic=False``): one compiled graph per shape that
  occurs (a sequential step always carries ``ins_per`` mask slots, so few shapes occur).

``--picture`` measures the shipped picture model's networks instead (a 16×16 bottleneck and the layered
image output, ``docs/lite_recipe.md``).

    python benchmarks/speed_switches.py                 # about 4 minutes on 2 CPU cores
    python benchmarks/speed_switches.py --picture --switches baseline compile_static

Writes ``results/speed_switches.md``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import time
from pathlib import Path

from common import Report, parse_or_run_child, run_child

RESULTS = Path(__file__).parent / "results"
PICTURE_MODEL = {"generator_downsampling": 1, "image_output": "layered"}  # the picture recipe's networks
SWITCHES = ("baseline", "channels_last", "bf16", "threads1", "compile", "compile_static")


def measure(switch: str, seconds: float, preset: str, picture: bool = False) -> dict:
    """In a subprocess: seconds of the first iteration (warm-up, compilation) and per steady iteration."""
    import torch

    from instagan_lite.data.sources import DataConfig
    from instagan_lite.model import ModelConfig
    from instagan_lite.train import TrainConfig, Trainer

    if switch == "threads1":
        torch.set_num_threads(1)
    size = 32 if preset == "lite" else 64
    config = TrainConfig(
        model=ModelConfig(preset=preset, **(PICTURE_MODEL if picture else {})),
        data=DataConfig(size=size),
        checkpoint_every=0,
        sample_every=0,
        progress=False,
        channels_last=switch == "channels_last",
        precision="bf16" if switch == "bf16" else "fp32",
        out_dir="/tmp/speed_switches",
    )
    trainer = Trainer(config)
    if switch in ("compile", "compile_static"):
        for name in ("G_A", "G_B", "D_A", "D_B"):
            network = torch.compile(getattr(trainer.model, name), dynamic=switch == "compile")
            setattr(trainer.model, name, network)
    start = time.perf_counter()
    for _ in range(3):  # warm-up: kernels, Adam state, compilation of the shapes that occur
        trainer.train_iteration()
    warm_up = time.perf_counter() - start
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        trainer.train_iteration()
        n += 1
    return {"warm_up_seconds": warm_up, "seconds_per_iteration": (time.perf_counter() - start) / n, "iterations": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--switches", nargs="+", default=list(SWITCHES), choices=SWITCHES)
    parser.add_argument("--seconds", type=float, default=40.0, help="timed seconds per switch")
    parser.add_argument("--preset", default="lite", choices=["lite", "paper"])
    parser.add_argument("--picture", action="store_true", help="the picture model's networks (see above)")
    parser.add_argument("--out", type=Path, help="default: results/speed_switches[_picture].md")
    args = parse_or_run_child(parser, measure)
    if args is None:
        return
    out = args.out or RESULTS / f"speed_switches{'_picture' if args.picture else ''}.md"
    which = " (picture model)" if args.picture else ""
    size = "32" if args.preset == "lite" else "64"
    report = Report(
        f"{args.preset} InstaGAN{which} training iteration ({size} px, batch 4, ins_max 4 "
        "/ ins_per 2), 2 CPU cores, each switch in its own process; warm-up = the first 3 iterations "
        "(kernels, Adam state, compilation).",
        "",
        "| switch | warm-up s (3 iterations) | s / iteration | iterations / min | vs baseline | kept? |",
        "|---|---|---|---|---|---|",
    )
    rows = {}
    for switch in args.switches:
        try:
            rows[switch] = run_child(
                __file__,
                {"switch": switch, "seconds": args.seconds, "preset": args.preset, "picture": args.picture},
                False,
            )
        except subprocess.CalledProcessError as error:  # a switch this machine cannot use: say why, go on
            lines = [
                line for line in (error.stderr or "").splitlines() if re.match(r"^[\w.]*(Error|Exception)\b", line)
            ]
            rows[switch] = {"error": lines[-1][:160] if lines else f"exit status {error.returncode}"}
        print(switch, rows[switch], flush=True)
    base = rows.get("baseline", {}).get("seconds_per_iteration")
    for switch, r in rows.items():
        if "error" in r:
            report.add(f"| {switch} | — | — | — | — | dropped: fails here (`{r['error']}`) |")
            continue
        gain = base / r["seconds_per_iteration"] if base else None
        verdict = "the default" if switch == "baseline" else ("kept (opt-in)" if gain and gain >= 1.05 else "dropped")
        report.add(
            f"| {switch} | {r['warm_up_seconds']:.1f} | {r['seconds_per_iteration']:.3f} | "
            f"{60 / r['seconds_per_iteration']:.0f} | "
            f"{f'{gain:.2f}×' if gain else '—'} | {verdict} |"
        )
    report.write(out)


if __name__ == "__main__":
    main()
