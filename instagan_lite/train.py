"""Training: one :class:`Trainer` for InstaGAN, CycleGAN and CycleGAN + Seg on any dataset.

Adam (2e-4, betas 0.5 / 0.999), CycleGAN's linear-decay schedule (per epoch), image pools, a progress
bar, per-step losses in ``losses.csv`` (and TensorBoard when installed), sample grids as PNG, a time
budget, and checkpoints that resume the exact same trajectory (models, optimizers, schedulers, pools
and every RNG). Ctrl-C finishes the current iteration, saves and stops; a second Ctrl-C aborts.

    trainer = Trainer(TrainConfig(minutes=5))
    result = trainer.fit()
    trainer = Trainer.resume("outputs/run/checkpoint.pt")   # continues where it stopped
"""

from __future__ import annotations

import csv
import math
import signal
import threading
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from torch.utils.data import Dataset

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .data.dataset import InstanceMaskDataset, JointTransform, ShapesDataset, UnalignedDataset
from .image_pool import ImagePool
from .model import TranslationModel
from .schedule import linear_decay_scheduler
from .sequential import LossWeights, SequentialConfig, train_step, translate

__all__ = ["TrainConfig", "TrainResult", "Trainer", "load_model", "pick_device", "save_model"]


@dataclass
class TrainConfig:
    """Everything a run depends on. ``data`` is ``"shapes"`` (the generated benchmark) or a folder in
    the authors' layout. Epochs: ``epochs`` at the base learning rate, then ``decay_epochs`` of linear
    decay; ``minutes`` and ``max_iterations`` stop earlier."""

    method: str = "instagan"
    preset: str = "lite"
    data: str = "shapes"
    size: int = 32
    load_size: int | None = None
    shapes_length: int = 2000
    flip: bool = True
    batch_size: int = 4
    epochs: int = 10
    decay_epochs: int = 0
    minutes: float | None = None
    max_iterations: int | None = None
    lr: float = 2e-4
    beta1: float = 0.5
    ins_max: int = 4
    ins_per: int = 2
    order: str = "decreasing"
    lambda_cyc: float = 10.0
    lambda_idt: float = 10.0
    lambda_ctx: float = 10.0
    detach_context_weight: bool = False
    pool_size: int = 50
    cyclegan_width: float = 1.0
    composite: bool = False
    seed: int = 0
    device: str = "auto"
    out_dir: str = "outputs/run"
    checkpoint_every: int = 500
    sample_every: int = 500
    progress: bool = True

    def __post_init__(self) -> None:
        if self.size % 4:
            raise ValueError(f"size must be a multiple of 4, got {self.size}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        SequentialConfig(self.ins_max, self.ins_per, self.order)  # validates

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


@dataclass
class TrainResult:
    """How a :meth:`Trainer.fit` call ended."""

    iterations: int
    epochs: int
    seconds: float
    stopped_by: str
    checkpoint: Path


def pick_device(name: str = "auto") -> torch.device:
    """``"auto"``: CUDA if available, else Apple MPS, else CPU; any other name is used as given."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def build_datasets(config: TrainConfig, phase: str = "train") -> tuple[Dataset, Dataset]:
    """The A and B datasets of a run (``phase`` "train" augments; "test" does not)."""
    train = phase == "train"
    if config.data == "shapes":
        length = config.shapes_length if train else 200
        return tuple(  # type: ignore[return-value]
            ShapesDataset(d, phase, config.size, length, config.seed, flip=config.flip and train) for d in "AB"
        )
    load = config.load_size or config.size
    transform = (
        JointTransform(load, config.size, flip=config.flip)
        if train
        else JointTransform((config.size, config.size), None, flip=False)
    )
    root = Path(config.data)
    if not train:
        phase = next((p for p in ("test", "val") if (root / f"{p}A_seg").is_dir()), "train")
    return tuple(InstanceMaskDataset(root, d, phase, transform=transform) for d in "AB")  # type: ignore[return-value]


def collate(items: list[dict], keys: tuple[str, ...] = ("A", "A_masks", "B", "B_masks")) -> dict:
    return {k: torch.stack([item[k] for item in items]) for k in keys}


def loss_names(method: str) -> list[str]:
    """The loss columns a method logs."""
    terms = ["gan", "cycle", "identity"] + (["context"] if method == "instagan" else [])
    return [f"{g}/{t}" for g in ("G_A", "G_B") for t in terms] + ["G", "D_A", "D_B"]


class Trainer:
    """Trains a :class:`TranslationModel` according to a :class:`TrainConfig`; see the module docstring."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.device = pick_device(config.device)
        self.out_dir = Path(config.out_dir)
        torch.manual_seed(config.seed)
        self.model = TranslationModel.build(
            config.method, config.preset, config.cyclegan_width, composite=config.composite
        ).to(self.device)
        betas = (config.beta1, 0.999)
        self.opt_G = torch.optim.Adam(
            [p for n in self.model.generators for p in n.parameters()], config.lr, betas=betas
        )
        self.opt_D = torch.optim.Adam(
            [p for n in self.model.discriminators for p in n.parameters()], config.lr, betas=betas
        )
        self.sched_G = linear_decay_scheduler(self.opt_G, config.epochs, config.decay_epochs)
        self.sched_D = linear_decay_scheduler(self.opt_D, config.epochs, config.decay_epochs)
        self.pools = (ImagePool(config.pool_size, config.seed), ImagePool(config.pool_size, config.seed + 1))
        self.order_rng = torch.Generator().manual_seed(config.seed)
        self.sequential = SequentialConfig(config.ins_max, config.ins_per, config.order)
        self.weights = LossWeights(
            config.lambda_cyc, config.lambda_idt, config.lambda_ctx, config.detach_context_weight
        )
        self.data = UnalignedDataset(*build_datasets(config, "train"), seed=config.seed)
        self.iteration = self.epoch = self.position = 0
        self.elapsed = 0.0
        self._stop_requested = False
        self._order: tuple[int, torch.Tensor] = (-1, torch.empty(0))  # (epoch, its permutation)

    # -- bookkeeping ---------------------------------------------------------------------------------
    @property
    def batches_per_epoch(self) -> int:
        return max(1, len(self.data) // self.config.batch_size)

    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "checkpoint.pt"

    def state_dict(self) -> dict:
        return {
            "kind": "trainer",
            "config": asdict(self.config),
            "method": self.model.method,
            "model": self.model.state_dict(),
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict(),
            "sched_G": self.sched_G.state_dict(),
            "sched_D": self.sched_D.state_dict(),
            "pools": [p.state_dict() for p in self.pools],
            "order_rng": self.order_rng.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "counters": {"iteration": self.iteration, "epoch": self.epoch, "position": self.position},
            "elapsed": self.elapsed,
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        self.sched_G.load_state_dict(state["sched_G"])
        self.sched_D.load_state_dict(state["sched_D"])
        for pool, pool_state in zip(self.pools, state["pools"]):
            pool.load_state_dict(pool_state)
        self.order_rng.set_state(state["order_rng"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        counters = state["counters"]
        self.iteration, self.epoch, self.position = counters["iteration"], counters["epoch"], counters["position"]
        self.elapsed = float(state["elapsed"])

    def save(self, path: Path | str | None = None) -> Path:
        """Write an atomic checkpoint (default ``<out_dir>/checkpoint.pt``)."""
        return save_checkpoint(self.state_dict(), path or self.checkpoint_path)

    @classmethod
    def resume(cls, path: Path | str, **overrides) -> Trainer:
        """Rebuild a trainer from a checkpoint; ``overrides`` change config fields (e.g. ``minutes``)."""
        state = load_checkpoint(path)
        if state.get("kind") != "trainer":
            raise CheckpointError(f"{path}: a model checkpoint, not a training checkpoint; cannot resume")
        trainer = cls(TrainConfig.from_dict({**state["config"], **overrides}))
        trainer.load_state_dict(state)
        return trainer

    # -- training --------------------------------------------------------------------------------------
    def _next_batch(self) -> dict:
        """The batch at (epoch, position): a per-epoch permutation seeded by (seed, epoch)."""
        if self._order[0] != self.epoch:
            seed = self.config.seed * 7919 + self.epoch
            self._order = (self.epoch, torch.randperm(len(self.data), generator=torch.Generator().manual_seed(seed)))
        order = self._order[1]
        bs = self.config.batch_size
        self.data.epoch = self.epoch
        batch = collate([self.data[int(i)] for i in order[self.position * bs : (self.position + 1) * bs]])
        return {k: v.to(self.device) for k, v in batch.items()}

    def train_iteration(self) -> list[dict[str, float]]:
        """One iteration (all sequential steps) on the next batch; advances the counters."""
        self.model.train()
        batch = self._next_batch()
        history = train_step(
            self.model, self.opt_G, self.opt_D, self.pools, batch["A"], batch["A_masks"], batch["B"],
            batch["B_masks"], self.sequential, self.weights, self.order_rng,
        )  # fmt: skip
        self.iteration += 1
        self.position += 1
        if self.position >= self.batches_per_epoch:
            self.position = 0
            self.epoch += 1
            self.sched_G.step()
            self.sched_D.step()
        return history

    def _stop_reason(self) -> str | None:
        c = self.config
        if self._stop_requested:
            return "interrupt"
        if c.max_iterations is not None and self.iteration >= c.max_iterations:
            return "iterations"
        if self.epoch >= c.epochs + c.decay_epochs:
            return "epochs"
        if c.minutes is not None and self.elapsed >= c.minutes * 60:
            return "minutes"
        return None

    def _request_stop(self, signum, frame) -> None:
        if self._stop_requested:
            raise KeyboardInterrupt
        self._stop_requested = True
        print("\nCtrl-C: stopping after this iteration and saving a checkpoint (again to abort).", flush=True)

    def fit(self) -> TrainResult:
        """Train until the epochs, ``max_iterations`` or ``minutes`` run out, or Ctrl-C; then checkpoint."""
        from tqdm.auto import tqdm

        c = self.config
        self.out_dir.mkdir(parents=True, exist_ok=True)
        log = LossLog(self.out_dir / "losses.csv", loss_names(c.method), keep_until=self.iteration)
        total = (c.epochs + c.decay_epochs) * self.batches_per_epoch
        if c.max_iterations is not None:
            total = min(total, c.max_iterations)
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, self._request_stop) if in_main else None
        self._stop_requested = False
        bar = tqdm(total=total, initial=self.iteration, disable=not c.progress, desc=f"{c.method} {c.preset}")
        try:
            while (reason := self._stop_reason()) is None:
                start = time.perf_counter()
                history = self.train_iteration()
                self.elapsed += time.perf_counter() - start
                log.write(self.iteration, self.epoch, self.elapsed, history)
                bar.update()
                if history:
                    bar.set_postfix({k: f"{history[-1].get(k, math.nan):.3f}" for k in ("G", "D_A", "D_B")})
                if c.checkpoint_every and self.iteration % c.checkpoint_every == 0:
                    self.save()
                if c.sample_every and self.iteration % c.sample_every == 0:
                    self.save_samples()
        finally:
            bar.close()
            log.close()
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        path = self.save()
        if c.sample_every:
            self.save_samples()
        return TrainResult(self.iteration, self.epoch, self.elapsed, reason, path)

    @torch.no_grad()
    def save_samples(self, n: int = 6) -> list[Path]:
        """Translate the first ``n`` test images of each domain; write ``samples/<dir>_<iter>.png``."""
        from .viz import save_figure, translation_figure

        paths = []
        test_A, test_B = build_datasets(self.config, "test")
        self.model.eval()
        for direction, data in (("AtoB", test_A), ("BtoA", test_B)):
            items = [data[i] for i in range(min(n, len(data)))]
            x = torch.stack([it["image"] for it in items]).to(self.device)
            m = torch.stack([it["masks"] for it in items]).to(self.device)
            y, b = translate(self.model, x, m, direction, ins_per=self.config.ins_per)
            fig = translation_figure(x, m, y, b, title=f"{direction}, iteration {self.iteration}")
            paths.append(save_figure(fig, self.out_dir / "samples" / f"{direction}_{self.iteration:06d}.png"))
        self.model.train()
        return paths


class LossLog:
    """Per-step losses to CSV (and TensorBoard if installed). On resume, rows after ``keep_until`` (from
    the interrupted run, past its last checkpoint) are dropped so the log matches the trajectory."""

    def __init__(self, path: Path, names: list[str], keep_until: int = 0) -> None:
        self.names = names
        header = ["iteration", "epoch", "step", "seconds", *names]
        rows = []
        if path.exists() and keep_until > 0:
            with path.open(newline="") as f:
                rows = [r for r in csv.reader(f)][1:]
            rows = [r for r in rows if r and int(r[0]) <= keep_until]
        self.file = path.open("w", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(header)
        self.writer.writerows(rows)
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.tensorboard = SummaryWriter(str(path.parent / "tensorboard"))
        except ImportError:
            self.tensorboard = None

    def write(self, iteration: int, epoch: int, seconds: float, history: list[dict[str, float]]) -> None:
        for step, record in enumerate(history):
            row = [iteration, epoch, step, f"{seconds:.2f}"]
            row += [f"{record[k]:.6g}" if k in record else "" for k in self.names]
            self.writer.writerow(row)
            if self.tensorboard is not None:
                for k, v in record.items():
                    self.tensorboard.add_scalar(k, v, iteration)
        self.file.flush()

    def close(self) -> None:
        self.file.close()
        if self.tensorboard is not None:
            self.tensorboard.close()


def save_model(model: TranslationModel, path: Path | str, config: TrainConfig, extra: dict | None = None) -> Path:
    """A model-only checkpoint (the networks and the config that built them), for translation."""
    return save_checkpoint(
        {"kind": "model", "config": asdict(config), "method": model.method, "model": model.state_dict(),
         **(extra or {})},
        path,
    )  # fmt: skip


def load_model(path: Path | str, device: str | torch.device = "cpu") -> tuple[TranslationModel, TrainConfig]:
    """Load a model from a training or model checkpoint of ours."""
    state = load_checkpoint(path, map_location=device)
    config = TrainConfig.from_dict(state["config"])
    model = TranslationModel.build(config.method, config.preset, config.cyclegan_width, composite=config.composite)
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as err:
        raise CheckpointError(
            f"{path}: the weights do not fit a {config.method}/{config.preset} model ({err})"
        ) from err
    return model.to(device).eval(), config
