"""Command line: ``python -m instagan_lite {train,translate,evaluate,demo,list} --help``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import __version__
from .checkpoint import CheckpointError
from .data.layout import DatasetError, list_instances, read_image, read_mask, write_image, write_mask

__all__ = ["build_parser", "main"]


@dataclass(frozen=True)
class Flag:
    """One ``train`` flag: where its value lives in :class:`~instagan_lite.train.TrainConfig` (a field, or
    a sub-config and its field) and its help text."""

    name: str
    path: tuple[str, ...]
    help: str
    choices: tuple[str, ...] | None = None
    kind: type | None = None  # for settings whose default is None


# Every training setting, grouped as TrainConfig groups them; resume may change only the RUN_FLAGS.
TRAIN_FLAGS = [
    Flag("method", ("model", "method"), "what to train: InstaGAN or a baseline (cyclegan_seg = the paper's "
         "CycleGAN + Seg)", ("instagan", "cyclegan", "cyclegan_seg")),
    Flag("preset", ("model", "preset"), "network widths: lite (CPU-friendly) or paper (the authors')",
         ("lite", "paper")),
    Flag("cyclegan-width", ("model", "cyclegan_width"), "width factor of the CycleGAN baselines' generator "
         "(1.414 doubles its parameters, as the paper does for fairness)"),
    Flag("blend-background", ("model", "blend_background"), "lite option: blend the input back in outside "
         "the instances, y = w(a,b')·x + (1-w)·y' (keeps the background by construction; not the paper's)"),
    Flag("data", ("data", "source"), "'shapes' (the generated benchmark) or a dataset folder in the authors' layout"),
    Flag("size", ("data", "size"), "training (crop) size in pixels, a multiple of 4"),
    Flag("load-size", ("data", "load_size"), "resize to this before the random crop (default: --size, no crop)",
         kind=int),
    Flag("shapes-length", ("data", "shapes_length"), "training images per domain of the shapes data"),
    Flag("flip", ("data", "flip"), "random horizontal flips"),
    Flag("ins-max", ("sequential", "ins_max"), "the largest instances used per image"),
    Flag("ins-per", ("sequential", "ins_per"), "instances per sequential step (= --ins-max: one shot)"),
    Flag("order", ("sequential", "order"), "instance order: decreasing area or random", ("decreasing", "random")),
    Flag("lambda-cyc", ("weights", "cycle"), "weight of the cycle-consistency loss"),
    Flag("lambda-idt", ("weights", "identity"), "weight of the identity loss"),
    Flag("lambda-ctx", ("weights", "context"), "weight of the context-preserving loss (0 turns it off)"),
    Flag("detach-context-weight", ("weights", "detach_context_weight"), "stop the gradient through w(a, b') "
         "(the authors let it flow into the generated masks)"),
    Flag("batch-size", ("batch_size",), "images per domain per iteration"),
    Flag("epochs", ("epochs",), "epochs at the base learning rate"),
    Flag("decay-epochs", ("decay_epochs",), "epochs of linear learning-rate decay after --epochs"),
    Flag("lr", ("lr",), "Adam learning rate of G and D"),
    Flag("beta1", ("beta1",), "Adam beta1"),
    Flag("pool-size", ("pool_size",), "image pool size (0: D sees only the newest fakes)"),
    Flag("seed", ("seed",), "seed of the initialisation, the data order and the pools"),
    Flag("minutes", ("minutes",), "stop after this much training time (default: no limit)", kind=float),
    Flag("max-iterations", ("max_iterations",), "stop after this many iterations (default: no limit)", kind=int),
    Flag("device", ("device",), "cpu, cuda, mps or auto"),
    Flag("out-dir", ("out_dir",), "where the checkpoint, losses.csv and samples go"),
    Flag("checkpoint-every", ("checkpoint_every",), "save a checkpoint every N iterations (0: only at the end)"),
    Flag("sample-every", ("sample_every",), "write sample translations every N iterations (0: never)"),
    Flag("progress", ("progress",), "show a progress bar"),
]  # fmt: skip
RUN_FLAGS = {"minutes", "max-iterations", "epochs", "device", "checkpoint-every", "sample-every", "progress"}
"""What ``--resume`` may change: budgets and bookkeeping. The data, the networks and the recipe come from
the checkpoint."""


def _get(config, path: tuple[str, ...]):
    for part in path:
        config = getattr(config, part)
    return config


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from .train import TrainConfig

    defaults = TrainConfig()
    for flag in TRAIN_FLAGS:
        value = _get(defaults, flag.path)
        shown = "none" if value is None else value
        text = f"{flag.help} (default: {shown})"
        dest = flag.name.replace("-", "_")
        if isinstance(value, bool):
            parser.add_argument(
                f"--{flag.name}", dest=dest, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS, help=text
            )
            continue
        kind = flag.kind or type(value)
        parser.add_argument(
            f"--{flag.name}",
            dest=dest,
            type=kind,
            choices=flag.choices,
            default=argparse.SUPPRESS,
            help=text,
            metavar=None if flag.choices else kind.__name__.upper(),
        )


def _given_flags(args: argparse.Namespace) -> dict[str, object]:
    """The train flags set on the command line: ``{flag name: value}``."""
    return {
        f.name: getattr(args, f.name.replace("-", "_")) for f in TRAIN_FLAGS if hasattr(args, f.name.replace("-", "_"))
    }


def config_from_flags(given: dict[str, object]):
    """A :class:`~instagan_lite.train.TrainConfig` with the given flags over the defaults."""
    from .train import TrainConfig

    values: dict = {}
    for flag in TRAIN_FLAGS:
        if flag.name in given:
            target = values
            for part in flag.path[:-1]:
                target = target.setdefault(part, {})
            target[flag.path[-1]] = given[flag.name]
    return TrainConfig.from_dict(values)


def cmd_train(args: argparse.Namespace) -> None:
    from .train import Trainer

    given = _given_flags(args)
    if args.resume:
        trainer = Trainer.resume(args.resume)
        by_name = {f.name: f for f in TRAIN_FLAGS}
        conflicts = [
            f"--{name} {value} (the checkpoint has {_get(trainer.config, by_name[name].path)})"
            for name, value in given.items()
            if name not in RUN_FLAGS and value != _get(trainer.config, by_name[name].path)
        ]
        if conflicts:
            raise ValueError(
                "--resume continues the checkpoint's run: its data, networks and recipe cannot change. Conflicting: "
                + "; ".join(conflicts)
                + f". Allowed with --resume: {', '.join('--' + n for n in sorted(RUN_FLAGS))}"
            )
        changes = {by_name[n].path[0]: v for n, v in given.items() if n in RUN_FLAGS}
        changed = {k: (getattr(trainer.config, k), v) for k, v in changes.items() if getattr(trainer.config, k) != v}
        if changes:
            trainer = Trainer.resume(args.resume, **changes)
        for key, (old, new) in changed.items():
            print(f"resume: {key} {old} -> {new}")
        print(f"resuming {args.resume} at iteration {trainer.iteration}")
    else:
        trainer = Trainer(config_from_flags(given))
    c = trainer.config
    print(f"training {c.model.method}/{c.model.preset} on {trainer.device}, output {trainer.out_dir}")
    result = trainer.fit()
    print(
        f"stopped by {result.stopped_by} after {result.iterations} iterations ({result.epochs} epochs, "
        f"{result.seconds / 60:.1f} min); checkpoint {result.checkpoint}; losses {trainer.out_dir / 'losses.csv'}"
    )


def _load(args: argparse.Namespace, device: torch.device):
    """The model named by ``--pretrained`` or ``--checkpoint``, with its translation options."""
    from .pretrained import load_model, load_pretrained

    if args.pretrained:
        return load_pretrained(args.pretrained, device)
    if args.checkpoint is None:
        raise ValueError("name a model: --pretrained NAME (see `python -m instagan_lite list`) or --checkpoint FILE")
    return load_model(args.checkpoint, device)


def _options(args: argparse.Namespace, loaded):
    """The loaded model's translation options with the flags given on the command line over them."""
    from dataclasses import replace

    changes = {k: getattr(args, k) for k in ("ins_per", "paste_back", "clean_masks", "fill_background")}
    return replace(loaded.options, **{k: v for k, v in changes.items() if v is not None})


def cmd_translate(args: argparse.Namespace) -> None:
    from .device import pick_device
    from .translate import translate

    device = pick_device(args.device)
    loaded = _load(args, device)
    options = _options(args, loaded)
    if args.image:
        if not args.masks:
            raise DatasetError("--image needs its instance masks: --masks m0.png m1.png …")
        jobs = [(args.image, args.masks)]
    else:
        jobs = list_instances(args.dataset, args.phase, args.domain, 20)[: args.limit]
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"translating with {options}")
    for image_path, mask_paths in jobs:
        image = read_image(image_path)
        masks = np.stack([read_mask(p, image.shape[:2]) for p in mask_paths])
        x = torch.from_numpy(image).permute(2, 0, 1).float()[None] / 127.5 - 1
        m = torch.from_numpy(masks).float()[None] / 127.5 - 1
        y, b = translate(loaded.model, x.to(device), m.to(device), args.direction, options, args.instances)
        stem = Path(image_path).stem
        write_image(args.out / f"{stem}.png", y[0].cpu().numpy())
        for k in range(b.shape[1]):
            write_mask(args.out / f"{stem}_{k}.png", b[0, k].cpu().numpy())
        print(f"{image_path} -> {args.out / (stem + '.png')} (+{b.shape[1]} masks)")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .device import pick_device
    from .evaluate import benchmark, format_table
    from .evaluators import EvaluatorConfig, cache_dir, load_evaluators

    device = pick_device(args.device)
    size, models = args.size, {}
    if args.pretrained or args.checkpoint:
        loaded = _load(args, device)
        if loaded.config is not None:
            if not loaded.config.data.is_shapes:
                raise ValueError(
                    f"evaluate measures the shapes benchmark; this model was trained on {loaded.config.data.source}"
                )
            size = loaded.config.data.size
        name = args.pretrained or args.checkpoint.stem
        models[name] = (loaded.model, _options(args, loaded))
        print(f"{name}: translating with {models[name][1]}")
    evaluators = None
    if not args.no_learned:
        evaluators = load_evaluators(EvaluatorConfig(size=size))
        print(
            f"learned evaluators (cached in {cache_dir()}): domain classifier {evaluators.domain_accuracy:.1%}, "
            f"crop classifier {evaluators.crop_accuracy:.1%} on held-out real scenes"
        )
    tables = benchmark(models, size, args.n, args.seed, device=device, evaluators=evaluators)
    for direction, rows in tables.items():
        print(f"\n{direction.replace('to', ' → ')}, {args.n} test images of {size} px\n{format_table(rows)}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(tables, indent=2))
        print(f"wrote {args.out}")


def cmd_demo(args: argparse.Namespace) -> None:
    from .demo import run_demo

    run_demo(args.out, minutes=args.minutes, device=args.device, retrain=args.retrain)


def cmd_list(args: argparse.Namespace) -> None:
    from .pretrained import registry

    entries = registry()
    if not entries:
        print("no shipped models")
    for name, entry in entries.items():
        config = entry["config"]
        model = config.get("model", {})
        print(
            f"{name}: {model.get('method')}/{model.get('preset')}, {entry['iterations']} iterations in "
            f"{entry['train_minutes']} min; translate options {entry['translate_options']}"
        )


def _add_model_arguments(p: argparse.ArgumentParser) -> None:
    from .pretrained import registry

    names = ", ".join(registry()) or "none"
    p.add_argument("--pretrained", metavar="NAME", help=f"a shipped model by name ({names})")
    p.add_argument(
        "--checkpoint",
        type=Path,
        help="a model file: training checkpoint, model file, shipped file, or the authors' *_net_G_*.pth",
    )


def _add_option_arguments(p: argparse.ArgumentParser) -> None:
    """Translation options; unset flags keep what the model records (see TranslateOptions)."""
    p.add_argument("--ins-per", type=int, help="instances per sequential step (default: the model's)")
    p.add_argument(
        "--paste-back",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep the input outside the translated instances (default: the model's)",
    )
    p.add_argument(
        "--clean-masks",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep each generated mask's largest region (default: the model's)",
    )
    p.add_argument(
        "--fill-background",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="repaint the area the old instances vacated from its surroundings (default: the model's)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m instagan_lite", description=__doc__)
    parser.add_argument("--version", action="version", version=f"instagan-lite {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train InstaGAN, CycleGAN or CycleGAN + Seg")
    _add_train_arguments(p)
    p.add_argument(
        "--resume",
        type=Path,
        help="continue from this training checkpoint (only "
        + ", ".join("--" + n for n in sorted(RUN_FLAGS))
        + " may change)",
    )
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("translate", help="translate an image with its masks, or a dataset folder")
    _add_model_arguments(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", type=Path, help="an RGB PNG (height and width multiples of 4)")
    src.add_argument("--dataset", type=Path, help="a dataset folder in the authors' layout")
    p.add_argument("--masks", type=Path, nargs="+", help="the image's instance mask PNGs (255 = instance)")
    p.add_argument("--phase", default="test", help="with --dataset: the phase folder to read (default: test)")
    p.add_argument("--domain", default="A", choices=["A", "B"], help="with --dataset: the domain (default: A)")
    p.add_argument("--limit", type=int, default=None, help="translate at most this many dataset images")
    p.add_argument("--direction", default="AtoB", choices=["AtoB", "BtoA"], help="default: AtoB")
    p.add_argument(
        "--instances",
        type=int,
        nargs="+",
        help="translate only these mask slots (0-based); the rest of the image is kept",
    )
    _add_option_arguments(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default: auto)")
    p.set_defaults(func=cmd_translate)

    p = sub.add_parser("evaluate", help="shapes-benchmark measures per direction, with reference rows")
    _add_model_arguments(p)
    p.add_argument("--size", type=int, default=32, help="image size without a model (default: 32)")
    p.add_argument("--n", type=int, default=200, help="test images per direction (default: 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the test set (default: 0)")
    _add_option_arguments(p)
    p.add_argument("--no-learned", action="store_true", help="skip the learned scores (no evaluator training)")
    p.add_argument("--out", type=Path, help="write the tables as JSON here")
    p.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default: auto)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="load (or train) a lite InstaGAN on shapes and show what it does")
    p.add_argument("--out", type=Path, default=Path("outputs/demo"), help="default: outputs/demo")
    p.add_argument("--minutes", type=float, default=4.0, help="training budget with --retrain (default: 4)")
    p.add_argument("--retrain", action="store_true", help="train even if a shipped checkpoint exists")
    p.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default: auto)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("list", help="the shipped models")
    p.set_defaults(func=cmd_list)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        args.func(args)
    except (CheckpointError, DatasetError, FileExistsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.command not in ("train", "list"):
        print(f"done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
