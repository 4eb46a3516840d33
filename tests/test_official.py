"""Loading the authors' checkpoints: a state dict built from their layout converts and loads exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from instagan_lite import load_official_checkpoint
from instagan_lite.checkpoint import CheckpointError
from instagan_lite.official import convert_official_state_dict

LAYOUT = Path(__file__).parent / "data" / "official_checkpoint_layout.txt"


def official_state_dict(net: str, legacy_norm: bool = False) -> dict[str, torch.Tensor]:
    """Random tensors with the names and shapes of the authors' checkpoint (``net`` "G" or "D")."""
    g = torch.Generator().manual_seed(0)
    state = {}
    for line in LAYOUT.read_text().splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[0] != net:
            continue
        shape = [int(v) for v in parts[2].split("x")]
        state[parts[1]] = torch.randn(shape, generator=g)
        if parts[1].endswith("weight_u") or parts[1].endswith("weight_v"):
            state[parts[1]] = state[parts[1]] / state[parts[1]].norm()
    if legacy_norm:
        state["encoder_img.2.running_mean"] = torch.zeros(64)
        state["encoder_img.2.num_batches_tracked"] = torch.tensor(0)
    return state


@pytest.mark.parametrize("net", ["G", "D"])
def test_layout_converts_and_loads_with_every_tensor_equal(net, tmp_path):
    source = official_state_dict(net, legacy_norm=(net == "G"))
    path = tmp_path / f"latest_net_{net}_A.pth"
    torch.save({("module." + k if net == "G" else k): v for k, v in source.items()}, path)  # DataParallel prefix
    module = load_official_checkpoint(path, net)
    ours = module.state_dict()
    mapped = convert_official_state_dict(source, net)
    assert set(mapped) == set(ours)
    for theirs, value in source.items():
        if "running_mean" in theirs or "num_batches" in theirs:
            continue
        key = next(k for k, v in mapped.items() if v is value)
        assert torch.equal(ours[key], value), theirs
    n_trainable = sum(p.numel() for p in module.parameters())
    assert n_trainable == (26_815_108 if net == "G" else 9_721_729)


def test_discriminator_sigma_uses_the_stored_power_iteration_vectors(tmp_path):
    source = official_state_dict("D")
    path = tmp_path / "d.pth"
    torch.save(source, path)
    d = load_official_checkpoint(path, "D")
    w = source["classifier.0.module.weight_bar"]
    u, v = source["classifier.0.module.weight_u"], source["classifier.0.module.weight_v"]
    sigma = torch.dot(u, w.reshape(w.shape[0], -1) @ v)  # the authors' σ = u · (W v)
    torch.testing.assert_close(d.classifier[0].weight, w / sigma)


def test_generator_runs_on_a_batch(tmp_path):
    path = tmp_path / "g.pth"
    torch.save(official_state_dict("G"), path)
    g = load_official_checkpoint(path, "G")
    with torch.no_grad():
        y, b = g(torch.zeros(2, 3, 16, 16), -torch.ones(2, 2, 16, 16))
    assert y.shape == (2, 3, 16, 16) and torch.equal(b, -torch.ones(2, 2, 16, 16))


def test_wrong_checkpoint_lists_missing_and_unexpected_keys(tmp_path):
    path = tmp_path / "d_as_g.pth"
    torch.save(official_state_dict("D"), path)
    with pytest.raises(CheckpointError, match=r"missing \(\d+\): decoder_img.*unexpected \(\d+\): classifier"):
        load_official_checkpoint(path, "G")
    lite = tmp_path / "lite.pth"
    from instagan_lite import SetGenerator

    torch.save(SetGenerator.lite().state_dict(), lite)
    with pytest.raises(CheckpointError, match=r"wrong shape \(\d+\): decoder_img.0.bias"):
        load_official_checkpoint(lite, "G")


def test_truncated_or_missing_checkpoint_is_a_clear_error(tmp_path):
    path = tmp_path / "g.pth"
    torch.save(official_state_dict("G"), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_official_checkpoint(path, "G")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_official_checkpoint(tmp_path / "none.pth", "G")
    with pytest.raises(ValueError, match="kind must be"):
        convert_official_state_dict({}, "X")
