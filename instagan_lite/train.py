"""Training: one :class:`Trainer` for InstaGAN, CycleGAN and CycleGAN + Seg on any dataset.

Adam (2e-4, betas 0.5 / 0.999), CycleGAN's linear-decay schedule (per epoch), image pools, a progress
bar, per-step losses in ``losses.csv`` (and TensorBoard when installed), sample grids as PNG, a time
budget, and checkpoints that resume the exact same trajectory (models, optimizers, schedulers, pools
and every RNG). Ctrl-C or SIGTERM finishes the current iteration, saves and stops; a second one aborts.

    trainer = Trainer(TrainConfig(minutes=5))
    result = trainer.fit()
    trainer = Trainer.resume("outputs/run/checkpoint.pt")   # continues where it stopped
"""

from __future__ import annotations

import copy
import csv
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path

import torch

from .checkpoint import CheckpointError, error_summary, load_checkpoint, remove_orphan_temporaries, save_checkpoint
from .data.dataset import UnalignedDataset
from .data.sources import DataConfig, build_datasets, collate
from .device import pick_device
from .distributed import Distributed, init_distributed
from .ema import ExponentialMovingAverage
from .image_pool import ImagePool
from .losses import LossWeights
from .model import ModelConfig, TranslationModel
from .random_state import get_process_rng_state, set_process_rng_state
from .samples import save_samples
from .schedule import linear_decay_scheduler
from .sequence import SequentialConfig
from .settings import setting
from .step import ContextLoss, loss_names, train_step
from .stopping import StopSignals
from .translate import TranslateOptions

__all__ = [
    "RESUMABLE_SETTINGS",
    "LossLog",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "long_run_note",
    "progress_postfix",
    "resume_conflicts",
]

_SUB_CONFIGS = {"model": ModelConfig, "data": DataConfig, "sequential": SequentialConfig, "weights": LossWeights}
RESUMABLE_SETTINGS = frozenset(
    {"minutes", "max_iterations", "device", "precision", "channels_last", "checkpoint_every", "sample_every"}
    | {"progress", "out_dir"}
)
"""What a resumed run may change: budgets and bookkeeping. The data, the networks and the recipe come from
the checkpoint (:meth:`Trainer.resume` refuses a change to anything else)."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on.

    The networks (:class:`ModelConfig`), the data (:class:`DataConfig`), the sequential mini-batches
    (:class:`SequentialConfig`) and the loss weights (:class:`LossWeights`) are their own small configs;
    the rest is the optimisation (batch size, Adam's ``lr`` and ``beta1``, ``lr_discriminator`` for the
    discriminators if it differs, ``epochs`` at the base rate then ``decay_epochs`` of linear decay, the
    image pool, ``ema_decay`` for an exponential moving average of the generators, the seed), how the
    arithmetic runs (``precision`` ``"fp32"`` or ``"bf16"`` autocast for the forward passes, and
    ``channels_last`` memory — both for GPUs) and the run (``minutes`` and ``max_iterations`` stop
    earlier; where and how often to write).
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    sequential: SequentialConfig = field(default_factory=SequentialConfig)
    weights: LossWeights = field(default_factory=LossWeights)
    batch_size: int = setting(4, "images per domain per iteration")
    epochs: int = setting(10, "epochs at the base learning rate")
    decay_epochs: int = setting(0, "epochs of linear learning-rate decay after --epochs")
    lr: float = setting(2e-4, "Adam learning rate of the generators (and of D unless --lr-discriminator)")
    beta1: float = setting(0.5, "Adam beta1")
    lr_discriminator: float | None = setting(
        None, "Adam learning rate of the discriminators (default: --lr)", kind=float
    )
    pool_size: int = setting(50, "image pool size (0: D sees only the newest fakes)")
    ema_decay: float | None = setting(
        0.999,
        "translate with an exponential moving average of the generators' weights with this decay, 0 for the "
        "last weights (default: 0.999 for lite, 0 for paper)",
        kind=float,
    )
    precision: str = setting(
        "fp32", "arithmetic of the forward passes: fp32, or bf16 autocast (for GPUs)", choices=("fp32", "bf16")
    )
    channels_last: bool = setting(False, "channels-last memory for the networks and batches (for GPUs)")
    seed: int = setting(0, "seed of the initialisation, the data order and the pools")
    minutes: float | None = setting(None, "stop after this much training time (default: no limit)", kind=float)
    max_iterations: int | None = setting(None, "stop after this many iterations (default: no limit)", kind=int)
    device: str = setting("auto", "cpu, cuda, mps or auto")
    out_dir: str = setting("outputs/run", "where the checkpoint, losses.csv and samples go")
    checkpoint_every: int = setting(500, "save a checkpoint every N iterations (0: only at the end)")
    sample_every: int = setting(500, "write sample translations every N iterations (0: never)")
    progress: bool = setting(True, "show a progress bar")

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        smallest = 32 if self.model.preset == "paper" else 16  # the discriminator's patches need 2×2 at least
        if self.data.size < smallest:
            raise ValueError(
                f"the {self.model.preset} preset needs images of at least {smallest} px, got {self.data.size}"
            )
        if self.sequential.ins_max is None:
            raise ValueError("sequential.ins_max must be a number for training: the discriminators see that many masks")
        factor = 2 ** (self.model.generator_downsampling or 2)
        if self.data.size % factor:
            raise ValueError(
                f"size must be a multiple of {factor} (the generators' downsampling), got {self.data.size}"
            )
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', got {self.precision!r}")
        positive = {
            "epochs": self.epochs,
            "lr": self.lr,
            "minutes": self.minutes,
            "max_iterations": self.max_iterations,
        }
        for name, value in positive.items():
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be > 0, got {value}")
        for name, value in {"decay_epochs": self.decay_epochs, "pool_size": self.pool_size}.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if self.lr_discriminator is not None and not self.lr_discriminator > 0:
            raise ValueError(f"lr_discriminator must be > 0, got {self.lr_discriminator}")
        if not 0 <= self.beta1 < 1:
            raise ValueError(f"beta1 must be in [0, 1), got {self.beta1}")
        if self.ema_decay is not None and not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        for name in ("checkpoint_every", "sample_every"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0 (0: never), got {getattr(self, name)}")

    @classmethod
    def lite(cls, **settings) -> TrainConfig:
        """The lite recipe (the defaults): lite widths, 32 px shapes, the residual image output and an EMA
        of the generators (``docs/lite_recipe.md``); ``settings`` override top-level fields."""
        return cls(**settings)

    @classmethod
    def paper(cls, **settings) -> TrainConfig:
        """Exactly the authors' recipe: their widths, direct image output, no EMA, Adam 2e-4 for G and D,
        λ 10 / 10 / 10, ins_max 4 / ins_per 2; ``settings`` override top-level fields (e.g. ``data``)."""
        return cls(model=ModelConfig(preset="paper"), ema_decay=None, **settings)

    def as_dict(self) -> dict:
        """A JSON-friendly nested dict (what checkpoints store)."""
        return asdict(self)

    def with_changes(self, changes: Mapping[str, object]) -> TrainConfig:
        """A copy with some settings changed, sub-config settings named with a dot:
        ``config.with_changes({"model.image_output": "direct", "ema_decay": 0.999})``."""
        values = self.as_dict()
        for key, value in changes.items():
            *groups, name = key.split(".")
            target = values
            for group in groups:
                target = target[group]
            if name not in target:
                raise ValueError(f"unknown training setting {key!r}")
            target[name] = asdict(value) if is_dataclass(value) else value
        return TrainConfig.from_dict(values)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Inverse of :meth:`as_dict`: the sub-configs as dicts, the other settings as values."""
        top = {f.name for f in fields(cls)}
        nested: dict[str, dict] = {name: {} for name in _SUB_CONFIGS}
        flat = {}
        for key, value in values.items():
            if key in _SUB_CONFIGS and isinstance(value, dict):
                nested[key].update(value)
            elif key in top:
                flat[key] = value
            else:
                raise ValueError(f"unknown training setting {key!r}")
        nested["model"] = _without_removed_settings(nested["model"])
        return cls(**{name: kind(**nested[name]) for name, kind in _SUB_CONFIGS.items()}, **flat)


def resume_conflicts(recorded: TrainConfig, changes: Mapping[str, object]) -> dict[str, tuple[object, object]]:
    """What a resumed run of ``recorded`` may not do: ``{setting: (given, recorded)}`` for each of
    ``changes`` (settings named as in :meth:`TrainConfig.with_changes`) that is not one of
    :data:`RESUMABLE_SETTINGS` and differs from the recorded value."""
    conflicts = {}
    for key, value in changes.items():
        old: object = recorded
        for part in key.split("."):
            if not hasattr(old, part):
                raise ValueError(f"unknown training setting {key!r}")
            old = getattr(old, part)
        if key not in RESUMABLE_SETTINGS and value != old:
            conflicts[key] = (value, old)
    return conflicts


REMOVED_MODEL_SETTINGS = {"gate_start": 0.5, "residual_scale": 0.0}
"""Model settings of options that were measured and dropped (the attention image output's initial gate, a
random residual start), with the one value every model trained without them recorded. Checkpoints written
before their removal still load; one that used another value describes a network this library no longer
builds."""


COLLAPSE_ITERATIONS = 5000
"""About where the lite defaults' InstaGAN was measured to collapse to the identity (crop shape success
0.84 / 0.92 at 2,902 iterations, 0.00 / 0.96 at 5,864 and 0.00 / 0.03 at 11,338: ``docs/lite_recipe.md``)."""

PICTURE_RECIPE_FLAGS = "--lr-discriminator 5e-5 --generator-downsampling 1 --image-output layered"
"""The three training changes of the shipped picture model ``instagan_lite_shapes32_long``."""


def long_run_note(config: TrainConfig, device: str) -> str | None:
    """A note for a run of the lite defaults' InstaGAN whose budget lets it pass
    :data:`COLLAPSE_ITERATIONS`, or None. The defaults are the recipe for runs of up to about 15 minutes on
    a laptop CPU; past about 5,000 iterations their discriminators win and the images go back to the
    input. A budget counts as that long when ``max_iterations`` is unset or above 5,000 and, on the CPU,
    ``minutes`` is unset or above 20 (its fastest run on 2 cores made about 200 iterations a minute); on an
    accelerator any time budget may be that long."""
    c = config
    fifteen_minute_recipe = (
        c.model.method == "instagan"
        and c.model.preset == "lite"
        and c.model.resolved_image_output == "residual"
        and c.model.generator_downsampling is None
        and c.lr_discriminator is None
    )
    if not fifteen_minute_recipe:
        return None
    if c.max_iterations is not None and c.max_iterations <= COLLAPSE_ITERATIONS:
        return None
    if device == "cpu" and c.minutes is not None and c.minutes <= 20:
        return None
    return (
        f"note: the lite defaults are a recipe for about 15 minutes on a CPU; past about {COLLAPSE_ITERATIONS:,} "
        "iterations their InstaGAN was measured to collapse back to the input (docs/lite_recipe.md). "
        f"For a longer run use the picture model's recipe: {PICTURE_RECIPE_FLAGS}"
    )


def _without_removed_settings(model: dict) -> dict:
    """``model`` (a ModelConfig as a dict) without :data:`REMOVED_MODEL_SETTINGS` that hold their neutral value."""
    kept = dict(model)
    for name, neutral in REMOVED_MODEL_SETTINGS.items():
        if name in kept and kept.pop(name) != neutral:
            raise ValueError(
                f"model setting {name!r} = {model[name]!r} belongs to a removed option; it can only be {neutral}"
            )
    return kept


@dataclass
class TrainResult:
    """How a :meth:`Trainer.fit` call ended."""

    iterations: int
    epochs: int
    seconds: float
    stopped_by: str
    checkpoint: Path


class Trainer:
    """Trains a :class:`TranslationModel` according to a :class:`TrainConfig`; see the module docstring."""

    def __init__(
        self, config: TrainConfig, distributed: Distributed | None = None, context_loss: ContextLoss | None = None
    ) -> None:
        """``context_loss`` replaces the paper's context-preserving term (see :func:`train_step`); it is code,
        not a setting, so a checkpoint does not record it: pass it again to :meth:`resume`."""
        self.config = config
        self.context_loss = context_loss
        self.distributed = distributed if distributed is not None else init_distributed(config.device)
        self.rank, self.world_size = (
            (self.distributed.rank, self.distributed.world_size) if self.distributed else (0, 1)
        )
        self.device = pick_device(config.device)
        if self.device.type == "cuda" and self.distributed is not None:
            self.device = torch.device("cuda", self.distributed.local_rank)
        self.out_dir = Path(config.out_dir)
        self.model = TranslationModel.from_config(config.model, seed=config.seed).to(self.device)
        self.memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        self.model.to(memory_format=self.memory_format)
        self.opt_G, self.opt_D = self.model.optimizers(config.lr, config.beta1, config.lr_discriminator)
        self.ema = ExponentialMovingAverage(self.model.generators, config.ema_decay) if config.ema_decay else None
        self.sched_G = linear_decay_scheduler(self.opt_G, config.epochs, config.decay_epochs)
        self.sched_D = linear_decay_scheduler(self.opt_D, config.epochs, config.decay_epochs)
        # one pair of image pools per rank (rank 0's seeds are the single-process ones)
        pool_seed = config.seed + 2 * self.rank
        self.pools = (ImagePool(config.pool_size, pool_seed), ImagePool(config.pool_size, pool_seed + 1))
        self.order_rng = torch.Generator().manual_seed(config.seed)
        self.data = UnalignedDataset(*build_datasets(config.data, "train", config.seed), seed=config.seed)
        self.iteration = self.epoch = self.position = 0
        self.elapsed = 0.0
        self.stop = StopSignals()  # Ctrl-C / SIGTERM during fit: finish the iteration, save, stop
        self._order: tuple[int, torch.Tensor] = (-1, torch.empty(0))  # (epoch, its permutation)

    # -- bookkeeping ---------------------------------------------------------------------------------
    @property
    def is_main(self) -> bool:
        """Whether this process writes (the only process, or rank 0 of a distributed run)."""
        return self.rank == 0

    @property
    def batches_per_epoch(self) -> int:
        """Iterations per epoch: the data divided into global batches of ``batch_size × world_size``."""
        return max(1, len(self.data) // (self.config.batch_size * self.world_size))

    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "checkpoint.pt"

    def state_dict(self) -> dict:
        """Everything to resume. In a distributed run every rank must call it (the per-rank pools and
        random states are gathered, in rank order, under ``ranks``)."""
        own = {"pools": [p.state_dict() for p in self.pools], **get_process_rng_state()}
        ranks = self.distributed.gather_objects(own) if self.distributed is not None else [own]
        return {
            "kind": "trainer",
            "config": self.config.as_dict(),
            "method": self.model.method,
            "model": self.model.state_dict(),
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict(),
            "sched_G": self.sched_G.state_dict(),
            "sched_D": self.sched_D.state_dict(),
            "pools": own["pools"],
            "order_rng": self.order_rng.get_state(),
            "torch_rng": own["torch_rng"],
            "cuda_rng": own["cuda_rng"],
            "ranks": ranks,
            "counters": {"iteration": self.iteration, "epoch": self.epoch, "position": self.position},
            "elapsed": self.elapsed,
            "ema": self.ema.state_dict() if self.ema is not None else {},
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        self.sched_G.load_state_dict(state["sched_G"])
        self.sched_D.load_state_dict(state["sched_D"])
        ranks = state.get("ranks") or [state]
        if len(ranks) != self.world_size:
            raise CheckpointError(
                f"the checkpoint was written by a run of {len(ranks)} process(es); resume it with as many "
                f"(this run has {self.world_size})"
            )
        own = ranks[self.rank]
        for pool, pool_state in zip(self.pools, own["pools"]):
            pool.load_state_dict(pool_state)
        self.order_rng.set_state(state["order_rng"])
        set_process_rng_state(own)
        counters = state["counters"]
        self.iteration, self.epoch, self.position = counters["iteration"], counters["epoch"], counters["position"]
        self.elapsed = float(state["elapsed"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])

    def translation_model(self) -> TranslationModel:
        """The model to translate with: a copy in eval mode, with the averaged generator weights when the
        run keeps an exponential moving average (``ema_decay``)."""
        model = copy.deepcopy(self.model).eval()
        if self.ema is not None:
            self.ema.copy_to(model.generators)
        return model

    def save(self, path: Path | str | None = None) -> Path:
        """Write an atomic checkpoint (default ``<out_dir>/checkpoint.pt``); in a distributed run every rank
        calls it and rank 0 writes."""
        state = self.state_dict()
        path = Path(path or self.checkpoint_path)
        return save_checkpoint(state, path) if self.is_main else path

    @classmethod
    def resume(cls, path: Path | str, context_loss: ContextLoss | None = None, **overrides) -> Trainer:
        """Rebuild a trainer from a checkpoint; ``overrides`` change config fields (e.g. ``minutes``). The
        resumed run writes next to ``path`` (its folder becomes ``out_dir``) unless ``out_dir`` is given,
        so resuming a copy of a run never writes into the original. ``context_loss`` as in the
        constructor (a replaced term is not recorded in the checkpoint)."""
        state = load_checkpoint(path)
        if state.get("kind") != "trainer":
            raise CheckpointError(f"{path}: a model checkpoint, not a training checkpoint; cannot resume")
        recorded = TrainConfig.from_dict(state["config"])
        conflicts = resume_conflicts(recorded, overrides)
        if conflicts:
            raise ValueError(
                f"{path}: a resumed run keeps its data, networks and recipe; cannot change "
                + ", ".join(f"{k} to {given!r} (recorded: {old!r})" for k, (given, old) in conflicts.items())
                + f". It may change: {', '.join(sorted(RESUMABLE_SETTINGS))}"
            )
        overrides.setdefault("out_dir", str(Path(path).parent))
        trainer = cls(recorded.with_changes(overrides), context_loss=context_loss)
        try:
            trainer.load_state_dict(state)
        except (RuntimeError, KeyError, ValueError) as err:
            raise CheckpointError(
                f"{path}: its weights do not fit the model its config describes ({error_summary(err)}); a "
                "network changed by hand after building is not recorded: describe it in ModelConfig instead"
            ) from err
        return trainer

    # -- training --------------------------------------------------------------------------------------
    def _next_batch(self) -> dict:
        """The batch at (epoch, position): a per-epoch permutation seeded by (seed, epoch)."""
        if self._order[0] != self.epoch:
            seed = self.config.seed * 7919 + self.epoch
            self._order = (self.epoch, torch.randperm(len(self.data), generator=torch.Generator().manual_seed(seed)))
        order = self._order[1]
        bs = self.config.batch_size
        start = (self.position * self.world_size + self.rank) * bs  # this rank's share of the global batch
        self.data.epoch = self.epoch
        batch = collate([self.data[int(i)] for i in order[start : start + bs]])
        return {k: v.to(self.device, memory_format=self.memory_format) for k, v in batch.items()}

    def train_iteration(self) -> list[dict[str, float]]:
        """One iteration (all sequential steps) on the next batch; advances the counters."""
        self.model.train()
        batch = self._next_batch()
        c = self.config
        history = train_step(
            self.model,
            self.opt_G,
            self.opt_D,
            self.pools,
            images_A=batch["A"],
            masks_A=batch["A_masks"],
            images_B=batch["B"],
            masks_B=batch["B_masks"],
            config=c.sequential,
            weights=c.weights,
            generator=self.order_rng,
            distributed=self.distributed,
            autocast_dtype=torch.bfloat16 if c.precision == "bf16" else None,
            context_loss=self.context_loss,
        )
        if self.ema is not None:
            self.ema.update(self.model.generators)
        self.iteration += 1
        self.position += 1
        if self.position >= self.batches_per_epoch:
            self.position = 0
            self.epoch += 1
            self.sched_G.step()
            self.sched_D.step()
        return history

    def _agreed_stop_reason(self) -> str | None:
        """Why to stop now, or None; in a distributed run every rank stops when any rank would (a Ctrl-C
        on one rank, or rank 0's time budget), so that no rank waits for the others forever."""
        reason = self._stop_reason()
        if self.distributed is None:
            return reason
        reasons = self.distributed.gather_objects(reason)
        if "interrupt" in reasons:
            return "interrupt"
        return reasons[0] if reasons[0] is not None else next((r for r in reasons if r is not None), None)

    def _stop_reason(self) -> str | None:
        c = self.config
        if self.stop.requested:
            return "interrupt"
        if c.max_iterations is not None and self.iteration >= c.max_iterations:
            return "iterations"
        if self.epoch >= c.epochs + c.decay_epochs:
            return "epochs"
        if c.minutes is not None and self.elapsed >= c.minutes * 60:
            return "minutes"
        return None

    def fit(self) -> TrainResult:
        """Train until the epochs, ``max_iterations`` or ``minutes`` run out, or Ctrl-C / SIGTERM; then
        checkpoint."""
        from tqdm.auto import tqdm

        c = self.config
        self.out_dir.mkdir(parents=True, exist_ok=True)
        names = loss_names(c.model.method)
        log = LossLog(self.out_dir / "losses.csv", names, keep_until=self.iteration) if self.is_main else None
        total = (c.epochs + c.decay_epochs) * self.batches_per_epoch
        if c.max_iterations is not None:
            total = min(total, c.max_iterations)
        if self.is_main:
            remove_orphan_temporaries(self.checkpoint_path)  # left by a process killed while writing it
        if self.iteration == 0:  # a corrupt file stops the run now, not at the iteration that reads it
            self.data.verify(progress=c.progress and self.is_main)
        desc = f"{c.model.method} {c.model.preset}" + (f" ×{self.world_size}" if self.distributed else "")
        bar = tqdm(total=total, initial=self.iteration, disable=not (c.progress and self.is_main), desc=desc)
        try:
            with self.stop:
                reason = self._iterate_until_stopped(log, bar)
        finally:
            bar.close()
            if log is not None:
                log.close()
        path = self.save()
        if c.sample_every and self.is_main:
            self.save_samples()
        return TrainResult(self.iteration, self.epoch, self.elapsed, reason, path)

    def _iterate_until_stopped(self, log: LossLog | None, bar) -> str:
        """Iterate, log, checkpoint and sample until a stop reason comes up; return it."""
        c = self.config
        while (reason := self._agreed_stop_reason()) is None:
            start = time.perf_counter()
            try:
                history = self.train_iteration()
            except Exception:  # save what the completed iterations learned, then report the error
                if self.iteration > 0:
                    path = self.save()
                    if self.is_main:
                        print(f"error at iteration {self.iteration + 1}: saved {path} first", file=sys.stderr)
                raise
            self.elapsed += time.perf_counter() - start
            if log is not None:
                log.write(self.iteration, self.epoch, self.elapsed, history)
            bar.update()
            if history:
                bar.set_postfix(progress_postfix(history))
            if c.checkpoint_every and self.iteration % c.checkpoint_every == 0:
                self.save()
            if c.sample_every and self.iteration % c.sample_every == 0 and self.is_main:
                self.save_samples()
        return reason

    def save_samples(self, n: int = 6) -> list[Path]:
        """Translate the first ``n`` test images of each domain with :meth:`translation_model`; write
        ``samples/<dir>_<iter>.png`` (:func:`~instagan_lite.samples.save_samples`)."""
        c = self.config
        options = TranslateOptions(c.sequential.for_inference())
        return save_samples(
            self.translation_model(), c.data, options, self.out_dir / "samples", self.iteration, c.seed, n
        )


def progress_postfix(history: list[dict[str, float]], keys: tuple[str, ...] = ("G", "D_A", "D_B")) -> dict[str, str]:
    """What the progress bar shows for an iteration: each loss averaged over the sequential steps that
    computed it, or ``"-"`` when its direction sat every step out (no instance), never NaN."""
    shown = {}
    for key in keys:
        values = [record[key] for record in history if key in record]
        shown[key] = f"{sum(values) / len(values):.3f}" if values else "-"
    return shown


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
