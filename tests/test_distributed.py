"""Training over several processes (torchrun, gloo on CPU): the same step as one process on the global batch,
and a run that completes, checkpoints once and resumes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from instagan_lite import ImagePool, SequentialConfig, TranslationModel, train_step
from instagan_lite.checkpoint import load_checkpoint
from instagan_lite.distributed import Distributed
from tests.helpers import make_batch

WORLD = 2
PER_RANK = 2


def global_batch():
    """A batch of each domain in which every image has exactly 4 disjoint instances, so every sample is
    active at both steps (the ranks' means then average to the global batch's mean)."""
    torch.manual_seed(3)
    a, ma = make_batch(4, batch=WORLD * PER_RANK, size=32)
    b, mb = make_batch(4, batch=WORLD * PER_RANK, size=32)
    return a, ma, b, mb


def sgd(model: TranslationModel):
    g = [p for n in model.generators for p in n.parameters()]
    d = [p for n in model.discriminators for p in n.parameters()]
    return torch.optim.SGD(g, lr=1e-3), torch.optim.SGD(d, lr=1e-3)


def one_rank(rank: int, init_file: str, out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    try:
        model = TranslationModel.build("instagan", "lite", seed=0)
        a, ma, b, mb = global_batch()
        mine = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
        pools = (ImagePool(), ImagePool())
        distributed = Distributed(rank, WORLD, rank)
        train_step(
            model,
            *sgd(model),
            pools,
            a[mine],
            ma[mine],
            b[mine],
            mb[mine],
            SequentialConfig(4, 2),
            distributed=distributed,
        )
        torch.save(model.state_dict(), Path(out) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def test_two_ranks_take_the_same_step_as_one_process_on_the_global_batch(tmp_path):
    mp.spawn(one_rank, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=WORLD, join=True)
    single = TranslationModel.build("instagan", "lite", seed=0)
    train_step(single, *sgd(single), (ImagePool(), ImagePool()), *global_batch(), SequentialConfig(4, 2))
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(WORLD)]
    for name, value in single.state_dict().items():
        assert torch.equal(ranks[0][name], ranks[1][name]), f"{name} differs between the ranks"
        torch.testing.assert_close(ranks[0][name], value, atol=2e-5, rtol=1e-4, msg=name)
    start = TranslationModel.build("instagan", "lite", seed=0).state_dict()
    moved = [n for n, v in single.state_dict().items() if not torch.equal(start[n], v)]
    assert len(moved) > len(start) // 2  # the step did something


def torchrun(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        str(WORLD),
        "-m",
        "instagan_lite",
        *args,
    ]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_torchrun_trains_checkpoints_once_and_resumes(tmp_path):
    out = tmp_path / "run"
    tiny = [
        "--size",
        "16",
        "--batch-size",
        "2",
        "--shapes-length",
        "16",
        "--no-progress",
        "--sample-every",
        "0",
        "--checkpoint-every",
        "0",
        "--device",
        "cpu",
    ]
    first = torchrun(["train", *tiny, "--max-iterations", "2", "--out-dir", str(out)], tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.count("stopped by iterations after 2 iterations") == 1  # rank 0 alone reports
    state = load_checkpoint(out / "checkpoint.pt")
    assert state["counters"]["iteration"] == 2 and len(state["ranks"]) == WORLD
    assert [p.name for p in out.iterdir() if p.suffix == ".pt"] == ["checkpoint.pt"]
    pools = [r["pools"][0]["items"] for r in state["ranks"]]
    assert not torch.equal(pools[0], pools[1])  # one pool per rank, each with its own fakes
    lines = (out / "losses.csv").read_text().splitlines()
    assert len(lines) == 1 + 2 * 2  # rank 0 logs: 2 iterations × 2 sequential steps
    second = torchrun(["train", "--resume", str(out / "checkpoint.pt"), "--max-iterations", "3"], tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert load_checkpoint(out / "checkpoint.pt")["counters"]["iteration"] == 3
