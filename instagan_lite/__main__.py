"""Command line: ``python -m instagan_lite {train,translate,evaluate,demo} --help``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from .checkpoint import CheckpointError
from .data.layout import DatasetError, list_instances, read_image, read_mask, write_image, write_mask

__all__ = ["main"]


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from .train import TrainConfig

    defaults = TrainConfig()
    help_text = {
        "method": "instagan, cyclegan or cyclegan_seg", "preset": "network widths: paper or lite",
        "data": "'shapes' (generated) or a dataset folder in the authors' layout",
        "size": "image (crop) size, a multiple of 4", "minutes": "time budget", "epochs": "epochs at the base lr",
        "decay_epochs": "epochs of linear lr decay", "max_iterations": "stop after this many iterations",
        "ins_max": "instances used per image", "ins_per": "instances per sequential step",
        "lambda_ctx": "context-preserving loss weight (0 turns it off)",
    }  # fmt: skip
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        value = getattr(defaults, f.name)
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
            continue
        kind = {"int": int, "float": float, "str": str}.get(type(value).__name__, None)
        if value is None:
            kind = float if f.name == "minutes" else int
        parser.add_argument(flag, type=kind, default=value, help=help_text.get(f.name))


def cmd_train(args: argparse.Namespace) -> None:
    from .train import TrainConfig, Trainer

    values = {f.name: getattr(args, f.name) for f in fields(TrainConfig)}
    if args.resume:
        overrides = {k: v for k, v in values.items() if k in ("minutes", "max_iterations", "epochs", "progress")}
        trainer = Trainer.resume(args.resume, **overrides)
        print(f"resuming {args.resume} at iteration {trainer.iteration}")
    else:
        trainer = Trainer(TrainConfig(**values))
    print(f"training {trainer.config.method}/{trainer.config.preset} on {trainer.device}, output {trainer.out_dir}")
    result = trainer.fit()
    print(
        f"stopped by {result.stopped_by} after {result.iterations} iterations ({result.epochs} epochs, "
        f"{result.seconds / 60:.1f} min); checkpoint {result.checkpoint}; losses {trainer.out_dir / 'losses.csv'}"
    )


def _load_any_model(path: Path, device: torch.device):
    """Our checkpoint, or one of the authors' generators (``*_net_G_A.pth``) through the converter; an
    authors' generator serves both directions."""
    from .model import TranslationModel
    from .official import load_official_checkpoint
    from .train import load_model

    try:
        return load_model(path, device)[0]
    except CheckpointError as ours:
        try:
            generator = load_official_checkpoint(path, "G")
        except CheckpointError:
            raise ours from None
        model = TranslationModel("instagan", generator, generator, torch.nn.Identity(), torch.nn.Identity())
        return model.to(device).eval()


def cmd_translate(args: argparse.Namespace) -> None:
    from .sequential import translate
    from .train import pick_device

    device = pick_device(args.device)
    model = _load_any_model(args.checkpoint, device)
    if args.image:
        if not args.masks:
            raise DatasetError("--image needs its instance masks: --masks m0.png m1.png …")
        jobs = [(args.image, args.masks)]
    else:
        jobs = list_instances(args.dataset, args.phase, args.domain, 20)[: args.limit]
    args.out.mkdir(parents=True, exist_ok=True)
    # Selective translation pastes the input back outside the chosen instances, so the rest stays as it was.
    options = {"ins_per": args.ins_per, "paste_back": args.paste_back or bool(args.instances),
               "clean_masks": args.clean_masks, "fill_background": args.fill_background}  # fmt: skip
    if args.instances:
        options["instances"] = args.instances
    for image_path, mask_paths in jobs:
        image = read_image(image_path)
        masks = np.stack([read_mask(p, image.shape[:2]) for p in mask_paths])
        x = torch.from_numpy(image).permute(2, 0, 1).float()[None] / 127.5 - 1
        m = torch.from_numpy(masks).float()[None] / 127.5 - 1
        if model.method != "instagan":
            options = {}
        y, b = translate(model, x.to(device), m.to(device), args.direction, **options)
        stem = Path(image_path).stem
        write_image(args.out / f"{stem}.png", y[0].cpu().numpy())
        for k in range(b.shape[1]):
            write_mask(args.out / f"{stem}_{k}.png", b[0, k].cpu().numpy())
        print(f"{image_path} -> {args.out / (stem + '.png')} (+{b.shape[1]} masks)")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .evaluate import evaluate_model, format_table
    from .evaluators import EvaluatorConfig, cache_dir, load_evaluators
    from .train import load_model, pick_device

    device = pick_device(args.device)
    size, result, config = args.size, None, None
    if args.checkpoint:
        model, config = load_model(args.checkpoint, device)
        if config.data != "shapes":
            raise ValueError(f"evaluate measures the shapes benchmark; this model was trained on {config.data}")
        size = config.size
    evaluators = None
    if not args.no_learned:
        evaluators = load_evaluators(EvaluatorConfig(size=size))
        print(f"learned evaluators (cached in {cache_dir()}): domain classifier "
              f"{evaluators.domain_accuracy:.1%}, crop classifier {evaluators.crop_accuracy:.1%} on held-out "
              "real scenes")  # fmt: skip
    if args.checkpoint:
        result = evaluate_model(model, size, args.n, args.seed, ins_per=config.ins_per, paste_back=args.paste_back,
                                clean_masks=args.clean_masks, fill_background=args.fill_background, device=device,
                                evaluators=evaluators)  # fmt: skip
    reference = evaluate_model(None, size, args.n, args.seed, evaluators=evaluators)
    tables = {}
    for direction in ("AtoB", "BtoA"):
        rows = {
            "identity": reference[f"identity/{direction}"],
            "oracle (real target)": reference[f"oracle/{direction}"],
        }
        if result is not None:
            rows[args.checkpoint.stem] = result[direction]
        tables[direction] = rows
        print(f"\n{direction.replace('to', ' → ')}, {args.n} test images of {size} px\n{format_table(rows)}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(tables, indent=2))
        print(f"wrote {args.out}")


def cmd_demo(args: argparse.Namespace) -> None:
    from .demo import run_demo

    run_demo(args.out, minutes=args.minutes, device=args.device, retrain=args.retrain)


def add_cleanup_flags(p: argparse.ArgumentParser) -> None:
    """The lite recipe's inference-only clean-ups (see the README's deviations)."""
    p.add_argument("--clean-masks", action="store_true", help="keep each generated mask's largest region")
    p.add_argument("--fill-background", action="store_true",
                   help="repaint the area the old instances vacated from its surroundings")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m instagan_lite", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train InstaGAN, CycleGAN or CycleGAN + Seg")
    _add_train_arguments(p)
    p.add_argument("--resume", type=Path, help="continue from this training checkpoint")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("translate", help="translate an image with its masks, or a dataset folder")
    p.add_argument("--checkpoint", type=Path, required=True, help="ours, or the authors' *_net_G_A.pth")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", type=Path, help="an RGB PNG (height and width multiples of 4)")
    src.add_argument("--dataset", type=Path, help="a dataset folder in the authors' layout")
    p.add_argument("--masks", type=Path, nargs="+", help="the image's instance mask PNGs")
    p.add_argument("--phase", default="test")
    p.add_argument("--domain", default="A", choices=["A", "B"])
    p.add_argument("--limit", type=int, default=None, help="translate at most this many dataset images")
    p.add_argument("--direction", default="AtoB", choices=["AtoB", "BtoA"])
    p.add_argument(
        "--instances", type=int, nargs="+", help="translate only these mask slots (0-based); implies --paste-back"
    )
    p.add_argument("--ins-per", type=int, default=2, help="instances per sequential step")
    p.add_argument("--paste-back", action="store_true", help="keep pixels outside the translated instances")
    add_cleanup_flags(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_translate)

    p = sub.add_parser("evaluate", help="shapes-benchmark measures per direction, with reference rows")
    p.add_argument("--checkpoint", type=Path, help="a model trained on shapes (omit for the reference rows only)")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--n", type=int, default=200, help="test images per direction")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--paste-back", action="store_true")
    add_cleanup_flags(p)
    p.add_argument("--no-learned", action="store_true", help="skip the learned scores (no evaluator training)")
    p.add_argument("--out", type=Path, help="write the tables as JSON here")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="train (or load) a lite InstaGAN on shapes and show what it does")
    p.add_argument("--out", type=Path, default=Path("outputs/demo"))
    p.add_argument("--minutes", type=float, default=4.0, help="training budget when no checkpoint is shipped")
    p.add_argument("--retrain", action="store_true", help="train even if a shipped checkpoint exists")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_demo)
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
    if args.command != "train":
        print(f"done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
