"""Training, checkpoints and the command line."""

from __future__ import annotations

import os
import signal
from dataclasses import replace

import pytest
import torch

from instagan_lite.checkpoint import CheckpointError, load_checkpoint
from instagan_lite.data.sources import DataConfig
from instagan_lite.pretrained import load_model, save_model
from instagan_lite.sequence import SequentialConfig
from instagan_lite.train import TrainConfig, Trainer, resume_conflicts
from tests.helpers import assert_same_parameters


@pytest.fixture
def config(tmp_path) -> TrainConfig:
    return TrainConfig(
        data=DataConfig(size=16, shapes_length=8),
        sequential=SequentialConfig(ins_max=4, ins_per=2, order="random"),
        batch_size=2,
        max_iterations=4,
        checkpoint_every=0,
        sample_every=0,
        progress=False,
        out_dir=str(tmp_path / "run"),
        device="cpu",
    )


def test_resume_from_python_refuses_a_recipe_change_and_allows_a_budget(config, tmp_path):
    checkpoint = Trainer(replace(config, max_iterations=1)).fit().checkpoint
    expected = r"cannot change lr to 0\.1 \(recorded: 0\.0002\).*It may change: channels_last"
    with pytest.raises(ValueError, match=expected):
        Trainer.resume(checkpoint, lr=0.1)
    assert Trainer.resume(checkpoint, lr=2e-4, max_iterations=3).config.max_iterations == 3  # the same lr is fine
    recorded = Trainer.resume(checkpoint).config
    assert resume_conflicts(recorded, {"weights.cycle": 5.0, "minutes": 2.0, "data.size": 16}) == {
        "weights.cycle": (5.0, 10.0)
    }


def test_resume_after_interruption_is_bitwise_identical(config, tmp_path):
    straight = Trainer(config)
    result = straight.fit()
    assert result.iterations == 4 and result.stopped_by == "iterations"

    interrupted = Trainer(replace(config, out_dir=str(tmp_path / "b")))
    original = interrupted.train_iteration

    def iteration_then_ctrl_c():
        history = original()
        if interrupted.iteration == 2:
            os.kill(os.getpid(), signal.SIGINT)  # as a user pressing Ctrl-C mid-run
        return history

    interrupted.train_iteration = iteration_then_ctrl_c
    result = interrupted.fit()
    assert result.stopped_by == "interrupt" and result.iterations == 2
    resumed = Trainer.resume(result.checkpoint)
    assert resumed.iteration == 2
    assert resumed.fit().iterations == 4
    assert_same_parameters(straight.model, resumed.model)
    for p1, p2 in zip(straight.pools, resumed.pools):
        assert all(torch.equal(a, b) for a, b in zip(p1.items, p2.items))
    rows = (tmp_path / "b" / "losses.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == [str(i) for i in range(1, 5) for _ in range(2)]


def test_crash_while_saving_keeps_the_previous_checkpoint(config, monkeypatch, tmp_path):
    trainer = Trainer(config)
    trainer.train_iteration()
    path = trainer.save()
    trainer.train_iteration()

    def broken_save(obj, f):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        trainer.save()
    monkeypatch.undo()
    assert Trainer.resume(path).iteration == 1
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_truncated_checkpoint_gives_a_clear_error(config, tmp_path):
    trainer = Trainer(config)
    path = trainer.save()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match=r"truncated\.pt: corrupt or truncated checkpoint"):
        Trainer.resume(truncated)
    assert Trainer.resume(path).iteration == 0


class Payload:
    """Stands for any pickled object, e.g. one whose unpickling would run code."""

    def __reduce__(self):
        return (print, ("this ran while loading",))


def test_checkpoint_with_an_arbitrary_pickled_object_is_refused(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"format": "instagan-lite", "version": 1, "kind": "model", "hook": Payload()}, path)
    with pytest.raises(CheckpointError, match=r"evil\.pt: refused"):
        load_checkpoint(path)
    assert "this ran" not in capsys.readouterr().out
    other = tmp_path / "other.pt"
    torch.save({"weight": torch.zeros(2)}, other)
    with pytest.raises(CheckpointError, match="not an instagan-lite checkpoint"):
        load_model(other)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_model_checkpoint_round_trip_and_cannot_resume(config, tmp_path):
    trainer = Trainer(config)
    path = save_model(trainer.model, tmp_path / "model.pt", config)
    model, loaded_config, options = load_model(path)
    assert loaded_config == config and options.sequential == SequentialConfig.inference(ins_per=2)
    assert_same_parameters(trainer.model, model)
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        Trainer.resume(path)


def test_ema_and_discriminator_lr_resume_bitwise_and_the_average_is_what_translates(config, tmp_path):
    config = config.with_changes({"ema_decay": 0.9, "lr_discriminator": 1e-3, "model.image_output": "direct"})
    straight = Trainer(config)
    straight.fit()
    assert straight.opt_D.param_groups[0]["lr"] == 1e-3 and straight.opt_G.param_groups[0]["lr"] == 2e-4
    half = Trainer(config.with_changes({"max_iterations": 2, "out_dir": str(tmp_path / "half")}))
    half.fit()
    resumed = Trainer.resume(half.checkpoint_path, max_iterations=4)
    resumed.fit()
    assert_same_parameters(straight.model, resumed.model)
    assert all(torch.equal(a, b) for a, b in zip(straight.ema.shadow, resumed.ema.shadow, strict=True))
    loaded = load_model(straight.checkpoint_path).model
    generator_params = [p for g in loaded.generators for p in g.parameters()]
    assert all(torch.equal(p, s) for p, s in zip(generator_params, straight.ema.shadow, strict=True))
    assert not all(torch.equal(p, q) for p, q in zip(generator_params, straight.model.G_A.parameters()))


def test_with_changes_reaches_sub_configs_and_rejects_unknown_settings(config):
    changed = config.with_changes({"model.image_output": "residual", "weights.context": 0.0, "batch_size": 3})
    assert changed.model.image_output == "residual" and changed.weights.context == 0 and changed.batch_size == 3
    assert changed.data == config.data
    with pytest.raises(ValueError, match=r"unknown training setting 'model\.colour'"):
        config.with_changes({"model.colour": 1})


@pytest.mark.parametrize("load", ["resume", "official"])
def test_empty_checkpoint_file_gives_a_clear_error(tmp_path, load):
    """A 0-byte file: torch raises with an empty message, which the error handler used to index."""
    from instagan_lite.official import load_official_checkpoint

    empty = tmp_path / "empty.pt"
    empty.touch()
    with pytest.raises(CheckpointError, match=r"empty\.pt: corrupt or truncated checkpoint \(\w+"):
        Trainer.resume(empty) if load == "resume" else load_official_checkpoint(empty, "G")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_saves_a_checkpoint_that_resumes(tmp_path, signum):
    """Kill test: `kill` (SIGTERM) or Ctrl-C (SIGINT) on a CLI run stops it after the current iteration
    with a checkpoint, no temporary file is left, and the run resumes where it stopped."""
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    args = ["--size", "16", "--shapes-length", "8", "--batch-size", "2", "--checkpoint-every", "0",
            "--sample-every", "0", "--no-progress", "--device", "cpu"]  # fmt: skip
    command = [sys.executable, "-m", "instagan_lite", "train", *args, "--max-iterations", "100000"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([*command, "--out-dir", str(out)], env=env, stdout=subprocess.PIPE, text=True)
    log = out / "losses.csv"
    deadline = time.monotonic() + 120
    while not (log.exists() and len(log.read_text().splitlines()) > 6):  # a few iterations done
        assert process.poll() is None and time.monotonic() < deadline, "the run did not start"
        time.sleep(0.2)
    process.send_signal(signum)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 0 and "stopped by interrupt" in stdout, stdout
    stopped = Trainer.resume(out / "checkpoint.pt")
    assert stopped.iteration >= 3
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []
    resumed = Trainer.resume(out / "checkpoint.pt", max_iterations=stopped.iteration + 1)
    assert resumed.fit().iterations == stopped.iteration + 1


def test_orphan_temporary_files_are_removed_on_the_next_start(config):
    """SIGKILL during a checkpoint write leaves `.checkpoint.pt.<random>.tmp` (nothing can catch it)."""
    out = Trainer(config).out_dir
    out.mkdir(parents=True)
    orphans = [out / ".checkpoint.pt.k2j3h4.tmp", out / ".checkpoint.pt.zz81ab.tmp"]
    for orphan in orphans:
        orphan.write_bytes(b"PK half")
    keep = out / "notes.tmp"  # not one of ours
    keep.write_text("mine")
    Trainer(config).fit()
    assert not any(p.exists() for p in orphans) and keep.exists()


def test_a_corrupt_dataset_file_stops_the_run_before_its_first_iteration(tmp_path):
    """Every file is decoded up front: the error names the file, and no iteration has run."""
    from instagan_lite.data.dataset import generate_shapes_dataset
    from instagan_lite.data.layout import DatasetError

    root = generate_shapes_dataset(tmp_path / "data", size=16, n_train=6, n_test=2, n_evaluator=0, progress=False)
    broken = sorted((root / "trainB").glob("*.png"))[4]
    broken.write_bytes(broken.read_bytes()[:40])  # a truncated PNG
    config = TrainConfig(
        data=DataConfig(source=str(root), size=16),
        batch_size=2,
        max_iterations=5,
        sample_every=0,
        progress=False,
        out_dir=str(tmp_path / "run"),
    )
    trainer = Trainer(config)
    with pytest.raises(DatasetError, match=broken.name):
        trainer.fit()
    assert trainer.iteration == 0 and not (tmp_path / "run" / "checkpoint.pt").exists()


def test_an_exception_inside_an_iteration_saves_the_completed_ones_first(config, monkeypatch, capsys):
    trainer = Trainer(config)
    real = trainer.train_iteration

    def failing():
        if trainer.iteration == 2:
            raise RuntimeError("out of memory (simulated)")
        return real()

    monkeypatch.setattr(trainer, "train_iteration", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        trainer.fit()
    assert load_checkpoint(trainer.checkpoint_path)["counters"]["iteration"] == 2
    assert "error at iteration 3: saved" in capsys.readouterr().err
    resumed = Trainer.resume(trainer.checkpoint_path)
    assert resumed.iteration == 2


def test_resuming_a_checkpoint_whose_weights_do_not_fit_its_config_is_a_clear_error(config, tmp_path):
    """A network changed by hand after building is not in the config: resuming says so instead of raising
    torch's raw RuntimeError; an architecture described in ModelConfig resumes."""
    trainer = Trainer(config.with_changes({"model.generator_width": 8}))
    trainer.train_iteration()
    trainer.save()
    assert Trainer.resume(trainer.checkpoint_path).model.G_A.encoder_img[1].out_channels == 8
    state = load_checkpoint(trainer.checkpoint_path)
    state["config"]["model"]["generator_width"] = None  # as if the width had been changed by hand
    torch.save(state, tmp_path / "edited.pt")
    with pytest.raises(CheckpointError, match="do not fit the model its config describes"):
        Trainer.resume(tmp_path / "edited.pt")


def test_demo_retrain_shows_the_moving_average_that_the_recipe_evaluates(tmp_path):
    """`demo --retrain` translates with the EMA generators (what `evaluate` and the shipped models use),
    not the raw weights being trained."""
    from instagan_lite.demo import _train

    loaded, run = _train(0.01, torch.device("cpu"), tmp_path)
    assert run["iterations"] >= 1
    averaged = load_model(run["source"]).model  # a training checkpoint loads its EMA
    assert_same_parameters(loaded.model.G_A, averaged.G_A)
    raw = load_checkpoint(run["source"])["model"]
    assert any(not torch.equal(p, raw[f"G_A.{n}"]) for n, p in loaded.model.G_A.named_parameters())


def test_configs_recorded_before_the_dropped_options_were_removed_still_load():
    """The shipped checkpoints record gate_start 0.5 and residual_scale 0.0 (options measured and removed):
    those neutral values load; any other value names the setting."""
    old = TrainConfig().as_dict()
    old["model"] = {**old["model"], "gate_start": 0.5, "residual_scale": 0.0}
    assert TrainConfig.from_dict(old) == TrainConfig()
    old["model"]["gate_start"] = 0.018
    with pytest.raises(ValueError, match=r"'gate_start' = 0\.018 belongs to a removed option"):
        TrainConfig.from_dict(old)


def test_training_needs_ins_max_and_a_size_the_downsampling_divides():
    with pytest.raises(ValueError, match=r"sequential\.ins_max must be a number for training"):
        TrainConfig(sequential=SequentialConfig(ins_max=None))
    with pytest.raises(ValueError, match=r"size must be a multiple of 8 \(the generators' downsampling\), got 36"):
        TrainConfig(data=DataConfig(size=36)).with_changes({"model.generator_downsampling": 3})
    assert TrainConfig(data=DataConfig(size=36)).with_changes({"model.generator_downsampling": 1}).data.size == 36


def test_resume_names_an_unknown_setting(config):
    checkpoint = Trainer(replace(config, max_iterations=1)).fit().checkpoint
    with pytest.raises(ValueError, match="unknown training setting 'minutez'"):
        Trainer.resume(checkpoint, minutez=3)


def test_long_run_note_is_given_only_where_the_defaults_can_pass_their_collapse():
    from instagan_lite.model import ModelConfig
    from instagan_lite.train import COLLAPSE_ITERATIONS, PICTURE_RECIPE_FLAGS, long_run_note

    lite = TrainConfig.lite()
    note = long_run_note(lite, "cpu")  # no budget: the lite defaults run 1000 epochs
    assert note is not None and PICTURE_RECIPE_FLAGS in note and "5,000" in note
    assert long_run_note(lite.with_changes({"minutes": 60}), "cpu") == note
    assert long_run_note(lite.with_changes({"max_iterations": COLLAPSE_ITERATIONS + 1}), "cpu") == note
    # a learner's 15 minutes on a CPU, or a bound of 5,000 iterations, stays before the collapse
    assert long_run_note(lite.with_changes({"minutes": 15}), "cpu") is None
    assert long_run_note(lite.with_changes({"minutes": 20}), "cpu") is None
    assert long_run_note(lite.with_changes({"max_iterations": COLLAPSE_ITERATIONS}), "cuda") is None
    # ... but 15 minutes on an accelerator can be many more iterations
    assert long_run_note(lite.with_changes({"minutes": 15}), "cuda") == note
    # the picture recipe (any of its three changes), the baselines and the authors' recipe get no note
    for change in (
        {"lr_discriminator": 5e-5},
        {"model.generator_downsampling": 1},
        {"model.image_output": "layered"},
        {"model.image_output": "direct"},
        {"model.method": "cyclegan"},
    ):
        assert long_run_note(lite.with_changes(change), "cpu") is None, change
    assert long_run_note(TrainConfig(model=ModelConfig(preset="paper")), "cpu") is None
