"""Command line: ``python -m instagan_lite {train,translate,evaluate,demo,list} --help``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

from . import __version__
from .checkpoint import CheckpointError
from .data.layout import DatasetError, list_instances, load_image, load_masks, write_image, write_mask
from .settings import Flag, config_flags
from .train import RESUMABLE_SETTINGS, TrainConfig

__all__ = ["build_parser", "main"]


TRAIN_FLAGS: list[Flag] = config_flags(TrainConfig)
"""Every training setting as a flag, generated from the configs' fields (:func:`~instagan_lite.settings.setting`),
grouped as TrainConfig groups them."""
RUN_FLAGS = {f.name for f in TRAIN_FLAGS if f.key in RESUMABLE_SETTINGS}
"""The flags ``--resume`` may change (:data:`~instagan_lite.train.RESUMABLE_SETTINGS`): budgets and
bookkeeping. The data, the networks and the recipe come from the checkpoint; the resumed run writes next
to the checkpoint unless ``--out-dir`` says where."""


def check_out_dir(path: Path, overwrite: bool, resuming: Path | None = None) -> None:
    """Refuse, before any work, an output folder that cannot be written (a file, under a file, read-only)
    or that holds another run's checkpoint (unless ``overwrite``; the checkpoint being resumed is fine)."""
    try:
        _check_out_dir(path, overwrite, resuming)
    except PermissionError as err:  # a parent folder this user may not even look into
        raise ValueError(f"--out-dir {path}: {err.filename or path} cannot be read (permission denied)") from err


def _check_out_dir(path: Path, overwrite: bool, resuming: Path | None) -> None:
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out-dir {path}: is a file, not a folder")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"--out-dir {path}: {existing} is a file, so no folder can be made under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"--out-dir {path}: {existing} is not writable")
    checkpoint = path / "checkpoint.pt"
    same = resuming is not None and checkpoint.exists() and checkpoint.resolve() == resuming.resolve()
    if checkpoint.exists() and not same and not overwrite:
        raise ValueError(
            f"--out-dir {path}: holds a run ({checkpoint}); continue it with --resume {checkpoint}, choose "
            "another --out-dir, or pass --overwrite to replace it"
        )


def _get(config, path: tuple[str, ...]):
    for part in path:
        config = getattr(config, part)
    return config


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TrainConfig()
    for flag in TRAIN_FLAGS:
        value = _get(defaults, flag.path)
        text = flag.help if "default:" in flag.help else f"{flag.help} (default: {value})"
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
    """A :class:`~instagan_lite.train.TrainConfig` with the given flags over the preset's defaults."""
    base = TrainConfig.paper() if given.get("preset") == "paper" else TrainConfig.lite()
    by_name = {f.name: f for f in TRAIN_FLAGS}
    return base.with_changes({by_name[name].key: value for name, value in given.items()})


def cmd_train(args: argparse.Namespace) -> None:
    from .train import Trainer, long_run_note, resume_conflicts

    given = _given_flags(args)
    if args.resume:
        trainer = Trainer.resume(args.resume)
        by_key = {f.key: f for f in TRAIN_FLAGS}
        keyed = {f.key: given[f.name] for f in TRAIN_FLAGS if f.name in given}
        conflicts = [
            f"--{by_key[key].name} {value} (the checkpoint has {old})"
            for key, (value, old) in resume_conflicts(trainer.config, keyed).items()
        ]
        if conflicts:
            raise ValueError(
                "--resume continues the checkpoint's run: its data, networks and recipe cannot change. Conflicting: "
                + "; ".join(conflicts)
                + f". Allowed with --resume: {', '.join('--' + n for n in sorted(RUN_FLAGS))}"
            )
        changes = {key: v for key, v in keyed.items() if key in RESUMABLE_SETTINGS}
        changes.setdefault("out_dir", str(args.resume.parent))
        check_out_dir(Path(changes["out_dir"]), args.overwrite, resuming=args.resume)
        changed = {k: (getattr(trainer.config, k), v) for k, v in changes.items() if getattr(trainer.config, k) != v}
        trainer = Trainer.resume(args.resume, **changes)
        if trainer.is_main:
            for key, (old, new) in changed.items():
                print(f"resume: {key} {old} -> {new}")
            print(f"resuming {args.resume} at iteration {trainer.iteration}")
    else:
        config = config_from_flags(given)
        check_out_dir(Path(config.out_dir), args.overwrite)
        trainer = Trainer(config)
    c = trainer.config
    say = print if trainer.is_main else (lambda *_: None)  # one report for a torchrun run
    ranks = f" × {trainer.world_size} processes" if trainer.distributed else ""
    say(f"training {c.model.method}/{c.model.preset} on {trainer.device}{ranks}, output {trainer.out_dir}")
    if (note := long_run_note(c, trainer.device.type)) is not None:
        say(note)
    result = trainer.fit()
    say(
        f"stopped by {result.stopped_by} after {result.iterations} iterations ({result.epochs} epochs, "
        f"{result.seconds / 60:.1f} min); checkpoint {result.checkpoint}; losses {trainer.out_dir / 'losses.csv'}"
    )
    if trainer.distributed is not None:
        import torch.distributed as dist

        dist.destroy_process_group()


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

    options = loaded.options
    if args.ins_per is not None:
        options = replace(options, sequential=replace(options.sequential, ins_per=args.ins_per))
    changes = {k: getattr(args, k) for k in ("paste_back", "clean_masks", "fill_background", "keep_overlap")}
    return replace(options, **{k: v for k, v in changes.items() if v is not None})


def _mask_predictor(args: argparse.Namespace, loaded):
    """The mask predictor ``--predict-masks`` names (a shipped name or a file), or the shipped one trained on
    the model's data; checked against the direction's source domain."""
    from .mask_predictor import check_domain, load_mask_predictor
    from .pretrained import load_pretrained_mask_predictor, registry

    choice = args.predict_masks
    if choice == "auto":
        source = loaded.config.data.source if loaded.config is not None else "shapes"
        size = loaded.config.data.size if loaded.config is not None else None
        matching = [
            n for n, e in registry(kind="mask_predictor").items() if e["source"] == source and e["size"] == size
        ]
        if not matching:
            raise ValueError(
                f"no shipped mask predictor for {source}; train one with "
                f"`python -m instagan_lite train-masks --data {source}` and pass --predict-masks FILE"
            )
        choice = matching[0]
    path = Path(choice)
    predictor = load_mask_predictor(path) if path.suffix == ".pt" and path.exists() else None
    predictor = predictor or load_pretrained_mask_predictor(choice)
    if loaded.config is not None:
        check_domain(predictor, loaded.config.data.source, args.direction[0])
    return predictor


def cmd_translate(args: argparse.Namespace) -> None:
    from .device import pick_device
    from .mask_predictor import predict_masks
    from .translate import translate

    device = pick_device(args.device)
    loaded = _load(args, device)
    options = _options(args, loaded)
    predictor = _mask_predictor(args, loaded) if args.predict_masks and not args.masks else None
    if args.image:
        if not args.masks and predictor is None:
            raise DatasetError("--image needs its instance masks: --masks m0.png m1.png …, or --predict-masks")
        jobs = [(args.image, args.masks or [])]
    else:
        jobs = list_instances(args.dataset, args.phase, args.domain, 20)[: args.limit]
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"translating with {options}" + (f"; masks from the predictor of {predictor.source}" if predictor else ""))
    for image_path, mask_paths in jobs:
        x = load_image(image_path)[None]
        if predictor is not None:
            m = predict_masks(predictor, x)
        else:
            m = load_masks(mask_paths, tuple(x.shape[-2:]))[None]
        y, b = translate(loaded.model, x.to(device), m.to(device), args.direction, options, args.instances)
        stem = Path(image_path).stem
        write_image(args.out / f"{stem}.png", y[0].cpu().numpy())
        for k in range(b.shape[1]):
            write_mask(args.out / f"{stem}_{k}.png", b[0, k].cpu().numpy())
        if predictor is not None:
            for k in range(m.shape[1]):
                write_mask(args.out / f"{stem}_input_{k}.png", m[0, k].cpu().numpy())
        print(f"{image_path} -> {args.out / (stem + '.png')} (+{b.shape[1]} masks)")


def cmd_train_masks(args: argparse.Namespace) -> None:
    from .data.sources import DataConfig
    from .mask_predictor import save_mask_predictor, train_mask_predictor

    data = DataConfig(source=args.data, size=args.size, flip=True)
    predictor = train_mask_predictor(data, tuple(args.domains), args.steps, args.minutes, seed=args.seed)
    path = save_mask_predictor(predictor, args.out)
    for domain, quality in predictor.quality.items():
        print(
            f"domain {domain}: instance IoU {quality['iou']:.3f}, found {quality['found']:.1%}, missed "
            f"{quality['missed']:.1%}, split {quality['split']:.1%}, merged {quality['merged']:.1%} "
            f"({quality['true_instances']} test instances)"
        )
    print(f"wrote {path}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .data.sources import folder_test_sets, shapes_test_sets
    from .device import pick_device
    from .evaluate import benchmark, format_table
    from .evaluators import EvaluatorConfig, cache_dir, load_evaluators

    if args.n is not None and args.n < 1:
        raise ValueError(f"--n must be >= 1 (test images per direction), got {args.n}")
    if args.out is not None and args.out.is_dir():
        raise ValueError(f"--out {args.out}: is a folder; name the JSON file to write, e.g. {args.out / 'scores.json'}")
    device = pick_device(args.device)
    data, size, models = args.data, args.size, {}
    if args.pretrained or args.checkpoint:
        loaded = _load(args, device)
        name = args.pretrained or args.checkpoint.stem
        models[name] = (loaded.model, _options(args, loaded))
        print(f"{name}: translating with {models[name][1]}")
        if loaded.config is not None and data is None:
            if loaded.config.data.is_shapes:
                size = loaded.config.data.size
            else:  # a model trained on a folder is evaluated on that folder's test split
                data = Path(loaded.config.data.source)
    if data is not None:
        tests = folder_test_sets(data, args.n)
        size = tests["AtoB"].images.shape[-1]
        where = f"{data} ({tests['AtoB'].images.shape[0]} / {tests['BtoA'].images.shape[0]} test images)"
    else:
        n = args.n or 200
        tests = shapes_test_sets(size, n, args.seed)
        where = f"the shapes benchmark ({n} test images per direction)"
    evaluators = None
    if not args.no_learned:
        evaluators = load_evaluators(EvaluatorConfig(source=str(data) if data is not None else "shapes", size=size))
        print(
            f"learned evaluators (cached in {cache_dir()}): domain classifier {evaluators.domain_accuracy:.1%}, "
            f"crop classifier {evaluators.crop_accuracy:.1%} on held-out real images"
        )
    tables = benchmark(models, tests, evaluators, device)
    for direction, rows in tables.items():
        print(f"\n{direction.replace('to', ' → ')} on {where}, {size} px\n{format_table(rows)}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(tables, indent=2))
        print(f"wrote {args.out}")


def cmd_make_shapes(args: argparse.Namespace) -> None:
    from .data.dataset import generate_shapes_dataset

    root = generate_shapes_dataset(
        args.out, args.size, args.n_train, args.n_test, args.seed, args.overwrite, shapes=tuple(args.shapes)
    )
    print(
        f"wrote {root}: train / test / evaluator splits of {args.shapes[0]} (A) and {args.shapes[1]} (B), "
        f"{args.size} px, test oracles in test{{A,B}}_oracle[_seg]"
    )


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
        model = config.get("model", {"method": config.get("method"), "preset": config.get("preset")})
        print(
            f"{name}: {model.get('method')}/{model.get('preset')}, {entry['iterations']} iterations in "
            f"{entry['train_minutes']} min; translate options {entry['translate_options']}"
        )
    for name, entry in registry(kind="mask_predictor").items():
        print(
            f"{name}: mask predictor for domains {', '.join(entry['domains'])} of {entry['source']}, {entry['size']} px"
        )


def _add_model_arguments(p: argparse.ArgumentParser) -> None:
    from .pretrained import registry

    names = ", ".join(registry()) or "none"
    p.add_argument("--pretrained", metavar="NAME", help=f"a shipped model by name ({names}); this or --checkpoint")
    p.add_argument(
        "--checkpoint",
        type=Path,
        help="a model file: training checkpoint, model file, shipped file, or the authors' *_net_G_*.pth; "
        "this or --pretrained",
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
    p.add_argument(
        "--keep-overlap",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep the input where an instance's old and new masks overlap (default: the model's)",
    )


def _add_train_command(sub) -> None:
    """The ``train`` verb's parser."""
    p = sub.add_parser("train", help="train InstaGAN, CycleGAN or CycleGAN + Seg")
    _add_train_arguments(p)
    p.add_argument(
        "--resume",
        type=Path,
        help="continue from this training checkpoint (default: a new run; only "
        + ", ".join("--" + n for n in sorted(RUN_FLAGS))
        + " may change)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run an --out-dir already holds (default: refuse, so that no run is lost)",
    )
    p.set_defaults(func=cmd_train)


def _add_translate_command(sub) -> None:
    """The ``translate`` verb's parser."""
    p = sub.add_parser("translate", help="translate an image with its masks, or a dataset folder")
    _add_model_arguments(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", type=Path, help="an RGB PNG (height and width multiples of 4); this or --dataset")
    src.add_argument("--dataset", type=Path, help="a dataset folder in the authors' layout; this or --image")
    p.add_argument(
        "--masks",
        type=Path,
        nargs="+",
        help="the image's instance mask PNGs (255 = instance); needed with --image unless --predict-masks "
        "(default: none)",
    )
    p.add_argument(
        "--predict-masks",
        nargs="?",
        const="auto",
        metavar="PREDICTOR",
        help="predict the masks instead (a shipped predictor's name or a file; alone: the shipped "
        "one for the model's data); --masks overrides it (default: off)",
    )
    p.add_argument("--phase", default="test", help="with --dataset: the phase folder to read (default: test)")
    p.add_argument("--domain", default="A", choices=["A", "B"], help="with --dataset: the domain (default: A)")
    p.add_argument("--limit", type=int, default=None, help="translate at most this many dataset images (default: all)")
    p.add_argument("--direction", default="AtoB", choices=["AtoB", "BtoA"], help="default: AtoB")
    p.add_argument(
        "--instances",
        type=int,
        nargs="+",
        help="translate only these mask slots (0-based); the rest of the image is kept (default: all)",
    )
    _add_option_arguments(p)
    p.add_argument("--out", type=Path, required=True, help="output folder (required)")
    p.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default: auto)")
    p.set_defaults(func=cmd_translate)


def _add_evaluate_command(sub) -> None:
    """The ``evaluate`` verb's parser."""
    p = sub.add_parser("evaluate", help="measures per direction with reference rows, on shapes or any dataset")
    _add_model_arguments(p)
    p.add_argument(
        "--data",
        type=Path,
        help="a dataset folder in the authors' layout: evaluate on its test split "
        "(default: the shapes benchmark, or the folder the model was trained on)",
    )
    p.add_argument("--size", type=int, default=32, help="shapes image size without a model (default: 32)")
    p.add_argument(
        "--n", type=int, default=None, help="test images per direction (default: 200 for shapes, all of a folder's)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the shapes test set (default: 0)")
    _add_option_arguments(p)
    p.add_argument(
        "--no-learned", action="store_true", help="skip the learned scores (no evaluator training; default: off)"
    )
    p.add_argument("--out", type=Path, help="write the tables as JSON here (default: print only)")
    p.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default: auto)")
    p.set_defaults(func=cmd_evaluate)


def _add_demo_command(sub) -> None:
    """The ``demo`` verb's parser."""
    p = sub.add_parser("demo", help="load (or train) a lite InstaGAN on shapes and show what it does")
    p.add_argument("--out", type=Path, default=Path("outputs/demo"), help="default: outputs/demo")
    p.add_argument("--minutes", type=float, default=4.0, help="training budget with --retrain (default: 4)")
    p.add_argument("--retrain", action="store_true", help="train even if a shipped checkpoint exists (default: off)")
    p.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default: auto)")
    p.set_defaults(func=cmd_demo)


def _add_train_masks_command(sub) -> None:
    """The ``train-masks`` verb's parser."""
    p = sub.add_parser("train-masks", help="train an instance-mask predictor on a dataset's images and masks")
    p.add_argument(
        "--data", default="shapes", help="'shapes' or a dataset folder in the authors' layout (default: shapes)"
    )
    p.add_argument("--size", type=int, default=32, help="image size of the data (default: 32)")
    p.add_argument("--domains", nargs="+", default=["A", "B"], choices=["A", "B"], help="default: A B")
    p.add_argument("--steps", type=int, default=1500, help="Adam steps (default: 1500)")
    p.add_argument("--minutes", type=float, default=None, help="stop earlier after this long (default: no limit)")
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.add_argument("--out", type=Path, required=True, help="the predictor file to write, .pt (required)")
    p.set_defaults(func=cmd_train_masks)


def _add_list_command(sub) -> None:
    """The ``list`` verb's parser."""
    p = sub.add_parser("list", help="the shipped models and mask predictors")
    p.set_defaults(func=cmd_list)


def _add_make_shapes_command(sub) -> None:
    """The ``make-shapes`` verb's parser."""
    from .data.shapes import BENCHMARK_SHAPES, SHAPES

    p = sub.add_parser("make-shapes", help="write the shapes benchmark (or another pair of shapes) to a folder")
    p.add_argument("--out", type=Path, required=True, help="the dataset folder to write (required)")
    p.add_argument(
        "--shapes",
        nargs=2,
        choices=SHAPES,
        default=list(BENCHMARK_SHAPES),
        help="the shape of domain A and of domain B (default: ellipse rectangle)",
    )
    p.add_argument("--size", type=int, default=32, help="image size, a multiple of 4 (default: 32)")
    p.add_argument("--n-train", type=int, default=2000, help="training images per domain (default: 2000)")
    p.add_argument("--n-test", type=int, default=200, help="test images per domain (default: 200)")
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.add_argument("--overwrite", action="store_true", help="replace an existing folder (default: off)")
    p.set_defaults(func=cmd_make_shapes)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-parser per verb."""
    parser = argparse.ArgumentParser(prog="python -m instagan_lite", description=__doc__)
    parser.add_argument("--version", action="version", version=f"instagan-lite {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train_command(sub)
    _add_translate_command(sub)
    _add_evaluate_command(sub)
    _add_demo_command(sub)
    _add_train_masks_command(sub)
    _add_list_command(sub)
    _add_make_shapes_command(sub)
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
