"""The command line from a user's seat: every verb, shipped models by name, honest resume, help and docs."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from instagan_lite import __version__
from instagan_lite.__main__ import RUN_FLAGS, TRAIN_FLAGS, build_parser, main
from instagan_lite.data.sources import DataConfig
from instagan_lite.model import TranslationModel
from instagan_lite.pretrained import export_pretrained, load_model, registry, save_model
from instagan_lite.sequence import SequentialConfig
from instagan_lite.train import TrainConfig, Trainer, progress_postfix
from instagan_lite.translate import LITE_CLEANUPS, TranslateOptions
from tests.test_official import official_state_dict


@pytest.fixture
def config(tmp_path) -> TrainConfig:
    return TrainConfig(
        data=DataConfig(size=16, shapes_length=8),
        sequential=SequentialConfig(ins_max=4, ins_per=2),
        batch_size=2,
        max_iterations=2,
        checkpoint_every=0,
        sample_every=0,
        progress=False,
        out_dir=str(tmp_path / "run"),
        device="cpu",
    )


def write_example(folder, size: int = 32) -> list[np.ndarray]:
    """x.png with three square instances x_0.png … x_2.png; returns the image and the masks."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    Image.fromarray(image).save(folder / "x.png")
    masks = []
    for k, (y, x) in enumerate([(2, 2), (18, 4), (8, 18)]):
        m = np.zeros((size, size), np.uint8)
        m[y : y + 10, x : x + 10] = 255
        Image.fromarray(m).save(folder / f"x_{k}.png")
        masks.append(m)
    return [image, *masks]


def test_translate_only_instance_2_leaves_the_rest_unchanged(config, tmp_path, capsys):
    config = config.with_changes({"model.image_output": "direct"})  # an untrained residual G changes nothing
    trainer = Trainer(config)
    ckpt = save_model(trainer.model, tmp_path / "model.pt", config)
    image, *masks = write_example(tmp_path)
    out = tmp_path / "out"
    main(
        [
            "translate",
            "--checkpoint",
            str(ckpt),
            "--image",
            str(tmp_path / "x.png"),
            "--masks",
            *[str(tmp_path / f"x_{k}.png") for k in range(3)],
            "--instances",
            "2",
            "--out",
            str(out),
            "--device",
            "cpu",
        ]
    )
    result = np.asarray(Image.open(out / "x.png"))
    new_masks = [np.asarray(Image.open(out / f"x_{k}.png")) for k in range(3)]
    assert np.array_equal(new_masks[0], masks[0]) and np.array_equal(new_masks[1], masks[1])
    covered = (masks[2] > 127) | (new_masks[2] > 127)
    assert np.array_equal(result[~covered], image[~covered])
    assert not np.array_equal(result[covered], image[covered])
    assert "x.png ->" in capsys.readouterr().out


def test_cli_train_and_evaluate(tmp_path, capsys):
    out = tmp_path / "run"
    main(
        [
            "train",
            "--size",
            "16",
            "--batch-size",
            "2",
            "--shapes-length",
            "4",
            "--max-iterations",
            "2",
            "--no-progress",
            "--sample-every",
            "1",
            "--out-dir",
            str(out),
            "--device",
            "cpu",
        ]
    )
    text = capsys.readouterr().out
    assert "stopped by iterations after 2 iterations" in text
    assert "note:" not in text  # 2 iterations cannot reach the lite defaults' collapse
    assert sorted(p.name for p in (out / "samples").iterdir())[:2] == ["AtoB_000001.png", "AtoB_000002.png"]
    main(
        [
            "evaluate",
            "--checkpoint",
            str(out / "checkpoint.pt"),
            "--n",
            "4",
            "--no-learned",
            "--out",
            str(tmp_path / "m.json"),
        ]
    )
    text = capsys.readouterr().out
    assert "A → B on the shapes benchmark (4 test images per direction), 16 px" in text and "B → A on" in text
    assert text.count("| checkpoint |") == 2 and "kid_x100" not in text
    tables = json.loads((tmp_path / "m.json").read_text())
    assert tables["AtoB"]["identity"]["shape_success"] == 0 and tables["AtoB"]["identity"]["background_l1"] == 0
    oracle = tables["BtoA"]["oracle (real target)"]
    assert oracle["background_l1"] == 0 and oracle["change_iou"] == 1
    with pytest.raises(SystemExit) as exit_info:
        main(["translate", "--checkpoint", str(tmp_path / "nope.pt"), "--image", "x.png", "--out", "o"])
    assert exit_info.value.code == 2 and "no such checkpoint" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train", "translate", "evaluate", "demo"])
def test_cli_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0 and "usage:" in capsys.readouterr().out


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run the command line; returns (exit code, stdout, stderr)."""
    try:
        main(args)
        code = 0
    except SystemExit as exit_info:
        code = exit_info.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_train_of_the_lite_defaults_without_an_iteration_bound_names_the_picture_recipe(tmp_path, capsys):
    from instagan_lite.train import PICTURE_RECIPE_FLAGS

    base = ["train", "--size", "16", "--batch-size", "2", "--shapes-length", "2", "--epochs", "1", "--no-progress"]
    base += ["--sample-every", "0", "--checkpoint-every", "0", "--device", "cpu"]
    main([*base, "--out-dir", str(tmp_path / "defaults")])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("training instagan/lite on cpu")
    assert lines[1].startswith("note: the lite defaults") and lines[1].endswith(PICTURE_RECIPE_FLAGS)
    main([*base, "--out-dir", str(tmp_path / "picture"), *PICTURE_RECIPE_FLAGS.split()])
    assert "note:" not in capsys.readouterr().out


def test_version_and_every_train_flag_has_help_and_a_default(capsys):
    code, out, _ = run_cli(["--version"], capsys)
    assert code == 0 and out.strip() == f"instagan-lite {__version__}"
    code, out, _ = run_cli(["train", "--help"], capsys)
    text = " ".join(out.split())  # argparse wraps lines
    for flag in TRAIN_FLAGS:
        assert f"--{flag.name}" in text
        help_text = " ".join(flag.help.split())
        assert help_text[:30] in text, flag.name
    assert text.count("(default:") >= len(TRAIN_FLAGS)
    for verb in ("translate", "evaluate", "demo", "list"):
        code, out, _ = run_cli([verb, "--help"], capsys)
        assert code == 0 and "usage:" in out


def test_docs_cli_reference_is_generated_from_the_parser():
    from scripts.cli_reference import TARGET, reference

    assert TARGET.read_text() == reference(), "docs/cli.md is stale: run python scripts/cli_reference.py"


def test_list_names_every_shipped_model(capsys):
    code, out, _ = run_cli(["list"], capsys)
    assert code == 0
    lines = out.splitlines()
    for name in registry():
        assert sum(line.startswith(f"{name}:") for line in lines) == 1, name


@pytest.mark.parametrize("name", sorted(registry()))
def test_translate_and_evaluate_a_shipped_model_by_name(name, tmp_path, capsys):
    image = write_example(tmp_path)[0]
    out = tmp_path / "out"
    args = ["translate", "--pretrained", name, "--image", str(tmp_path / "x.png"), "--out", str(out)]
    code, text, err = run_cli([*args, "--masks", *[str(tmp_path / f"x_{k}.png") for k in range(3)]], capsys)
    assert code == 0, err
    assert np.asarray(Image.open(out / "x.png")).shape == image.shape
    recorded = registry()[name]["translate_options"]
    assert repr(TranslateOptions.from_dict(recorded)) in text, text  # the model's own options
    code, text, err = run_cli(["evaluate", "--pretrained", name, "--n", "4", "--no-learned"], capsys)
    assert code == 0, err
    assert text.count(f"| {name} |") == 2


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], LITE_CLEANUPS),  # unset flags keep what the model records
        (["--keep-overlap"], TranslateOptions(clean_masks=True, fill_background=True, keep_overlap=True)),
        (["--no-fill-background", "--paste-back"], TranslateOptions(clean_masks=True, paste_back=True)),
    ],
)
def test_option_flags_change_only_what_they_name(flags, expected):
    from types import SimpleNamespace

    from instagan_lite.__main__ import _options

    args = build_parser().parse_args(["translate", "--pretrained", "x", "--image", "x.png", "--out", "o", *flags])
    assert _options(args, SimpleNamespace(options=LITE_CLEANUPS)) == expected


def test_load_model_tells_every_format_apart_by_content(config, tmp_path):
    trainer = Trainer(config)
    trainer.fit()
    model_file = save_model(trainer.model, tmp_path / "model.pt", config, LITE_CLEANUPS)
    export_pretrained(trainer.model, config, "tiny", "cmd", 0.1, 2, {}, LITE_CLEANUPS, folder=tmp_path / "ship")
    official = tmp_path / "latest_net_G_A.pth"
    torch.save(official_state_dict("G"), official)
    assert load_model(trainer.checkpoint_path).options.clean_masks is False
    assert load_model(model_file).options == LITE_CLEANUPS
    assert load_model(tmp_path / "ship" / "tiny.pt").options == LITE_CLEANUPS
    assert load_model(official).config is None
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(Exception, match=r"other\.pt: not an instagan-lite checkpoint"):
        load_model(other)


def test_a_file_that_is_no_model_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "notes.pt"
    bad.write_text("hello")
    write_example(tmp_path)
    args = ["translate", "--checkpoint", str(bad), "--image", str(tmp_path / "x.png"), "--masks"]
    code, _, err = run_cli([*args, str(tmp_path / "x_0.png"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and err.count("\n") == 1 and "notes.pt" in err
    code, _, err = run_cli(["evaluate", "--pretrained", "no_such_model", "--no-learned"], capsys)
    assert code == 2 and "no shipped checkpoint 'no_such_model'" in err


def test_resume_refuses_a_conflicting_flag_and_prints_an_allowed_change(config, tmp_path, capsys):
    Trainer(config).fit()
    checkpoint = str(tmp_path / "run" / "checkpoint.pt")
    for flag, value in (("--data", "datasets/other"), ("--lr", "0.1")):
        code, _, err = run_cli(["train", "--resume", checkpoint, flag, value, "--max-iterations", "3"], capsys)
        assert code == 2 and f"{flag} {value}" in err and "cannot change" in err, err
    # the same value as the checkpoint's is no conflict; a budget may change and says so
    code, out, err = run_cli(["train", "--resume", checkpoint, "--size", "16", "--max-iterations", "3"], capsys)
    assert code == 0, err
    assert "resume: max_iterations 2 -> 3" in out and "stopped by iterations after 3 iterations" in out
    assert {"minutes", "max-iterations", "out-dir"} <= RUN_FLAGS and not {"data", "size", "lr"} & RUN_FLAGS


def test_progress_shows_a_direction_that_sat_out_never_nan():
    history = [{"G": 1.0, "D_A": 0.5}, {"G": 3.0, "D_A": 0.7}]  # D_B's direction had no instance
    shown = progress_postfix(history)
    assert shown == {"G": "2.000", "D_A": "0.600", "D_B": "-"}
    assert not any("nan" in v for v in shown.values())


def test_the_loss_log_leaves_a_direction_that_sat_out_empty(tmp_path):
    from instagan_lite import ImagePool, train_step
    from instagan_lite.step import loss_names
    from instagan_lite.train import LossLog
    from tests.helpers import make_batch

    model = TranslationModel.build("instagan", "lite", seed=0)
    a, ma = make_batch(4)  # 4 instances: two steps
    b, mb = make_batch(1)  # 1 instance: the B→A direction sits the second step out
    history = train_step(model, *model.optimizers(), (ImagePool(), ImagePool()), a, ma, b, mb)
    assert len(history) == 2 and "D_B" not in history[1] and "G_B/gan" not in history[1]
    log = LossLog(tmp_path / "losses.csv", loss_names("instagan"))
    log.write(1, 0, 0.5, history)
    log.close()
    rows = [line.split(",") for line in (tmp_path / "losses.csv").read_text().splitlines()]
    header, second = rows[0], rows[2]
    assert second[header.index("D_B")] == "" and second[header.index("D_A")] != ""
    assert "nan" not in (tmp_path / "losses.csv").read_text().lower()
    assert progress_postfix(history)["D_B"] != "-"  # averaged over the step that ran


def test_parser_builds_and_every_verb_is_documented():
    parser = build_parser()
    text = parser.format_help()
    assert all(verb in text for verb in ("train", "translate", "evaluate", "demo", "list"))
    assert re.search(r"--version", text)


README = Path(__file__).resolve().parent.parent / "README.md"
# What each verb gets appended so that a README command runs in seconds (later flags win in argparse).
TINY = {
    "train": ["--max-iterations", "2", "--no-progress", "--sample-every", "0", "--checkpoint-every", "0"],
    "train-new": ["--shapes-length", "8", "--batch-size", "2"],  # not for --resume: data cannot change
    "evaluate": ["--n", "4", "--no-learned"],
    "train-masks": ["--steps", "2"],
    "make-shapes": ["--n-train", "4", "--n-test", "4"],
}


def readme_commands() -> list[list[str]]:
    """Every ``python -m instagan_lite …`` command in the README's bash blocks, continuation lines joined."""
    text = README.read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for command in block.replace("\\\n", " ").splitlines():
            command = command.split("#", 1)[0].strip()
            if command.startswith("python -m instagan_lite"):
                commands.append(shlex.split(command)[3:])
    return commands


def test_every_documented_command_runs(tmp_path, capsys, monkeypatch):
    commands = readme_commands()
    verbs = {c[0] for c in commands if c and not c[0].startswith("-")}
    assert {"train", "translate", "evaluate", "list", "demo"} <= verbs, verbs
    monkeypatch.chdir(tmp_path)
    write_example(tmp_path)  # x.png with masks x_0.png … x_2.png, as the README's examples use
    for args in commands:
        verb = args[0] if args and not args[0].startswith("-") else None
        extra = list(TINY.get(verb, []))
        if verb == "train" and "--resume" not in args:
            extra += TINY["train-new"]
            data = args[args.index("--data") + 1] if "--data" in args else "shapes"
            if data != "shapes" and not Path(data).exists():  # a folder the README names: make a small one
                main(["make-shapes", "--out", data, "--n-train", "8", "--n-test", "4"])
        if verb == "train" and "--size" in args:
            extra += ["--size", "32" if "paper" in args else "16"]
        if verb == "demo":
            extra += ["--out", str(tmp_path / "demo")]
        if "--device" in args and args[args.index("--device") + 1] == "cuda" and not torch.cuda.is_available():
            extra += ["--device", "cpu"]  # a GPU recipe: its other flags still run here
        code, _, err = run_cli(args + extra, capsys)
        assert code == 0, f"README command failed: python -m instagan_lite {' '.join(args)}\n{err}"


def test_every_flag_of_every_verb_says_its_default_or_that_it_is_required():
    import argparse

    parser = build_parser()
    verbs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for verb, sub in verbs.items():
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            text = action.help or ""
            assert text, f"{verb} {action.option_strings}: no help"
            assert any(w in text for w in ("default", "required", "this or")), f"{verb} {action.option_strings}: {text}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--max-iterations", "0"], "max_iterations must be > 0, got 0"),
        (["train", "--max-iterations", "-5"], "max_iterations must be > 0, got -5"),
        (["train", "--minutes", "-1"], "minutes must be > 0, got -1.0"),
        (["train", "--lambda-ctx", "-10"], "the context weight λ must be >= 0 (0 turns the term off), got -10.0"),
        (["train", "--epochs", "0"], "epochs must be > 0, got 0"),
        (["train", "--pool-size", "-1"], "pool_size must be >= 0, got -1"),
        (["train", "--ema-decay", "1.5"], "ema_decay must be in [0, 1), got 1.5"),
        (
            ["train", "--device", "gpu", "--max-iterations", "1"],
            "device must be auto, cpu, cuda, cuda:N or mps, got 'gpu'",
        ),
        (["evaluate", "--no-learned", "--n", "0"], "--n must be >= 1 (test images per direction), got 0"),
        (["evaluate", "--no-learned", "--n", "-3"], "--n must be >= 1 (test images per direction), got -3"),
    ],
)
def test_bad_arguments_are_one_error_line_before_any_work(args, message, tmp_path, capsys):
    """Each bad value is refused with one `error:` line, exit code 2, and nothing written."""
    out = tmp_path / "run"
    extra = ["--out-dir", str(out)] if args[0] == "train" else []
    code, _, err = run_cli(args + extra, capsys)
    assert code == 2 and err.strip() == f"error: {message}"
    assert not out.exists() and "Traceback" not in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_on_a_machine_without_it_is_an_error_not_a_traceback(tmp_path, capsys):
    code, _, err = run_cli(["train", "--device", "cuda", "--out-dir", str(tmp_path / "r")], capsys)
    assert code == 2 and "error: device 'cuda': this machine has no CUDA GPU" in err


def small_run(out: Path, iterations: int) -> list[str]:
    return ["train", "--size", "16", "--shapes-length", "8", "--batch-size", "2", "--max-iterations", str(iterations),
            "--checkpoint-every", "0", "--sample-every", "0", "--no-progress", "--device", "cpu",
            "--out-dir", str(out)]  # fmt: skip


def test_train_refuses_an_out_dir_that_holds_a_run(tmp_path, capsys):
    run = tmp_path / "run"
    assert run_cli(small_run(run, 3), capsys)[0] == 0
    before = (run / "checkpoint.pt").read_bytes(), (run / "losses.csv").read_text()
    code, _, err = run_cli(small_run(run, 1), capsys)
    assert code == 2 and f"error: --out-dir {run}: holds a run" in err and "--overwrite" in err
    assert ((run / "checkpoint.pt").read_bytes(), (run / "losses.csv").read_text()) == before
    assert run_cli([*small_run(run, 1), "--overwrite"], capsys)[0] == 0
    assert Trainer.resume(run / "checkpoint.pt").iteration == 1


def test_resume_writes_next_to_the_checkpoint_or_to_out_dir(tmp_path, capsys, monkeypatch):
    import shutil

    monkeypatch.chdir(tmp_path)  # the checkpoint records the relative out-dir "run"
    assert run_cli(small_run(Path("run"), 2), capsys)[0] == 0
    shutil.copytree("run", "copy")
    original = Path("run/checkpoint.pt").read_bytes()
    code, out, _ = run_cli(["train", "--resume", "copy/checkpoint.pt", "--max-iterations", "3"], capsys)
    assert code == 0 and "output copy" in out
    assert Path("run/checkpoint.pt").read_bytes() == original
    assert Trainer.resume("copy/checkpoint.pt").iteration == 3
    code, _, _ = run_cli(
        ["train", "--resume", "run/checkpoint.pt", "--max-iterations", "4", "--out-dir", "elsewhere"], capsys
    )
    assert code == 0 and Trainer.resume("elsewhere/checkpoint.pt").iteration == 4
    assert Path("run/checkpoint.pt").read_bytes() == original
    code, _, err = run_cli(
        ["train", "--resume", "run/checkpoint.pt", "--max-iterations", "5", "--out-dir", "copy"], capsys
    )
    assert code == 2 and "--out-dir copy: holds a run" in err


def test_out_dir_that_cannot_be_written_is_one_error_line(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, _, err = run_cli(small_run(a_file / "run", 1), capsys)
    assert (
        code == 2
        and err.strip() == f"error: --out-dir {a_file / 'run'}: {a_file} is a file, so no folder can be made under it"
    )
    code, _, err = run_cli(small_run(a_file, 1), capsys)
    assert code == 2 and err.strip() == f"error: --out-dir {a_file}: is a file, not a folder"
    code, _, err = run_cli(["evaluate", "--no-learned", "--n", "2", "--out", str(tmp_path)], capsys)
    assert code == 2 and err.startswith(f"error: --out {tmp_path}: is a folder")


def test_a_read_only_out_dir_is_one_error_line(tmp_path):
    """A folder the user cannot write to is refused before any work. Root can write everywhere, so as root
    the command runs as the unprivileged user nobody (setpriv), as a user's would."""
    import shutil
    import subprocess
    import sys
    import tempfile

    hidden = tmp_path / "hidden"  # a folder the user may not look into
    hidden.mkdir(mode=0o700)
    visible = Path(tempfile.mkdtemp(dir=tempfile.gettempdir() if os.geteuid() == 0 else tmp_path))
    visible.chmod(0o755)  # pytest's own folders are private to their user
    read_only = visible / "read_only"
    read_only.mkdir()
    read_only.chmod(0o555)
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: every folder is writable")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    command = [*prefix, sys.executable, "-m", "instagan_lite", "train", "--out-dir", str(read_only / "run"),
               "--max-iterations", "1", "--size", "16"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"error: --out-dir {read_only / 'run'}: {read_only} is not writable"
    assert not (read_only / "run").exists()
    if prefix:  # as nobody, pytest's private tmp folder cannot even be looked into
        command[command.index("--out-dir") + 1] = str(hidden / "sub" / "run")
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and result.stderr.startswith("error: --out-dir "), result.stderr
        assert "cannot be read (permission denied)" in result.stderr
    shutil.rmtree(visible, ignore_errors=True)
