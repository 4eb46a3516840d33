"""What the benchmark scripts share: running a measurement in a fresh subprocess, and CPU peak memory.

CPU peak memory is the growth of the process's peak RSS (VmHWM, reset through /proc/self/clear_refs)
over the RSS before the measured call, in a process started with ``MALLOC_ARENA_MAX=1`` and a fixed mmap
threshold, so that freed tensors go back to the OS and RSS follows the live tensors rather than glibc's
per-thread caches (without that, the same run varied by ±10 % here). On CUDA it is
``max_memory_allocated`` over ``memory_allocated`` before the call.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

LIVE_MEMORY_ENV = {"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"}


def rss_kib(field: str) -> int:
    """``VmRSS`` or ``VmHWM`` of this process in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def peak_memory_mib(call: Callable[[], object], device: str) -> float:
    """Peak memory (MiB) that ``call()`` adds to what is held before it, on ``device`` ("cpu"/"cuda")."""
    if device == "cuda":
        import torch

        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        call()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    base = rss_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    call()
    return (rss_kib("VmHWM") - base) / 1024


def run_child(script: str, spec: dict, memory: bool) -> dict:
    """Run ``script --child '<spec as JSON>'`` in a fresh process (with the live-memory allocator settings
    when ``memory``) and return the JSON object it prints last."""
    env = {**os.environ, **(LIVE_MEMORY_ENV if memory else {})}
    out = subprocess.run(
        [sys.executable, script, "--child", json.dumps(spec)], check=True, capture_output=True, text=True, env=env
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def parse_or_run_child(parser: argparse.ArgumentParser, measure: Callable[..., dict]) -> argparse.Namespace | None:
    """Parse the script's arguments. In a child process started by :func:`run_child` (``--child SPEC``),
    run ``measure(**SPEC)``, print its JSON and return None; otherwise return the arguments."""
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(**json.loads(args.child))))
        return None
    return args


class Report:
    """The lines of a markdown report: each printed as it is added, all written to a file at the end."""

    def __init__(self, *lines: str) -> None:
        self.lines: list[str] = []
        self.add(*lines)

    def add(self, *lines: str) -> None:
        for line in lines:
            self.lines.append(line)
            print(line, flush=True)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(self.lines) + "\n")
        print(f"\nwrote {path}")


def training_setup(method: str, preset: str, device: str):
    """A seeded model with the Trainer's Adam optimizers: ``(model, opt_G, opt_D)``."""
    from instagan_lite import TranslationModel

    model = TranslationModel.build(method, preset, seed=0).to(device)
    return (model, *model.optimizers())
