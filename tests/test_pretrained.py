"""Shipped checkpoints: export, hash-checked loading, refusal of a tampered file."""

from __future__ import annotations

import pytest
import torch

from instagan_lite.checkpoint import CheckpointError
from instagan_lite.data.sources import DataConfig
from instagan_lite.model import ModelConfig, TranslationModel
from instagan_lite.pretrained import export_pretrained, load_pretrained, registry
from instagan_lite.train import TrainConfig
from instagan_lite.translate import LITE_CLEANUPS, TranslateOptions, translate


def test_export_then_load_round_trip_in_half_precision(tmp_path):
    config = TrainConfig(data=DataConfig(size=16))
    model = TranslationModel.build("instagan", "lite", seed=0)
    command = "python -m instagan_lite train …"
    export_pretrained(model, config, "tiny", command, 1.5, 10, {"AtoB": {}}, LITE_CLEANUPS, folder=tmp_path)
    entry = registry(tmp_path)["tiny"]
    assert entry["iterations"] == 10 and entry["config"]["data"]["size"] == 16 and len(entry["sha256"]) == 64
    loaded, loaded_config, options = load_pretrained("tiny", folder=tmp_path)
    assert loaded_config == config and options == LITE_CLEANUPS
    for name, value in model.G_A.state_dict().items():
        torch.testing.assert_close(loaded.G_A.state_dict()[name], value.half().float())
    n_generator_params = sum(p.numel() for g in model.generators for p in g.parameters())
    assert (tmp_path / "tiny.pt").stat().st_size < 2 * n_generator_params * 1.1  # 2 bytes per weight


def test_tampered_checkpoint_is_refused(tmp_path):
    export_pretrained(
        TranslationModel.build("cyclegan", "lite"),
        TrainConfig(model=ModelConfig(method="cyclegan")),
        "c",
        "cmd",
        1,
        1,
        {},
        TranslateOptions(),
        folder=tmp_path,
    )
    data = bytearray((tmp_path / "c.pt").read_bytes())
    data[-100] ^= 0xFF
    (tmp_path / "c.pt").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"sha256 .* does not match the registry"):
        load_pretrained("c", folder=tmp_path)
    with pytest.raises(CheckpointError, match=r"no shipped checkpoint 'x' \(shipped: c\)"):
        load_pretrained("x", folder=tmp_path)


@pytest.mark.parametrize("name", sorted(registry()))
def test_shipped_checkpoints_load_and_translate(name):
    model, config, options = load_pretrained(name)
    size = config.data.size
    images = torch.zeros(1, 3, size, size)
    masks = -torch.ones(1, 4, size, size)
    masks[0, 0, 4:12, 4:20] = 1
    y, _ = translate(model, images, masks, "AtoB", options)
    assert y.shape == images.shape and torch.isfinite(y).all()


@pytest.mark.parametrize("name", sorted(registry()))
def test_a_shipped_file_loaded_by_path_has_the_options_its_registry_entry_records(name):
    """The shipped files record their options in the older flat form (ins_per, ins_max, order at the top);
    load_model reads them into the same TranslateOptions as the registry's entry."""
    from instagan_lite.pretrained import CHECKPOINTS, load_model

    entry = registry()[name]
    by_path = load_model(CHECKPOINTS / entry["file"])
    assert by_path.options == TranslateOptions.from_dict(entry["translate_options"]) == load_pretrained(name).options
