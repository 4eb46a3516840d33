"""Training, checkpoints and the command line."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image

from instagan_lite.__main__ import main
from instagan_lite.checkpoint import CheckpointError, load_checkpoint
from instagan_lite.data.sources import DataConfig
from instagan_lite.pretrained import load_model, save_model
from instagan_lite.step import SequentialConfig
from instagan_lite.train import TrainConfig, Trainer
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
    assert loaded_config == config and options.ins_per == 2
    assert_same_parameters(trainer.model, model)
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        Trainer.resume(path)


def test_translate_only_instance_2_leaves_the_rest_unchanged(config, tmp_path, capsys):
    trainer = Trainer(config)
    ckpt = save_model(trainer.model, tmp_path / "model.pt", config)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / "x.png")
    masks = []
    for k, (y, x) in enumerate([(2, 2), (18, 4), (8, 18)]):
        m = np.zeros((32, 32), np.uint8)
        m[y : y + 10, x : x + 10] = 255
        Image.fromarray(m).save(tmp_path / f"x_{k}.png")
        masks.append(m)
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
    assert "A → B, 4 test images of 16 px" in text and "B → A, 4 test images" in text
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
