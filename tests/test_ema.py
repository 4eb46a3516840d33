"""The exponential moving average of the generators: the update by hand, swapping in and out, resuming."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from instagan_lite.ema import ExponentialMovingAverage


def test_update_follows_the_formula_with_its_warm_up():
    net = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(0.0)
    ema = ExponentialMovingAverage([net], decay=0.9)
    for value in [1.0, 2.0, 3.0]:
        with torch.no_grad():
            net.weight.fill_(value)
        ema.update([net])
    # d_t = min(0.9, (1 + t) / (10 + t)): 0.1, 2/11, 3/12
    expected = 0.0
    for t, value in enumerate([1.0, 2.0, 3.0]):
        d = min(0.9, (1 + t) / (10 + t))
        expected = d * expected + (1 - d) * value
    assert ema.shadow[0].item() == pytest.approx(expected)
    assert ema.updates == 3


def test_applied_swaps_the_average_in_and_the_raw_weights_back():
    net = nn.Linear(2, 2)
    ema = ExponentialMovingAverage([net], decay=0.5)
    raw = [p.detach().clone() for p in net.parameters()]
    with torch.no_grad():
        for s in ema.shadow:
            s.fill_(7.0)
    with ema.applied([net]):
        assert all(torch.all(p == 7.0) for p in net.parameters())
    assert all(torch.equal(p, r) for p, r in zip(net.parameters(), raw))


def test_state_round_trip_and_bad_decay():
    net = nn.Linear(2, 2)
    ema = ExponentialMovingAverage([net], decay=0.99)
    ema.update([net])
    other = ExponentialMovingAverage([nn.Linear(2, 2)], decay=0.5)
    other.load_state_dict(ema.state_dict())
    assert other.decay == 0.99 and other.updates == 1
    assert all(torch.equal(a, b) for a, b in zip(other.shadow, ema.shadow))
    with pytest.raises(ValueError, match="decay"):
        ExponentialMovingAverage([net], decay=1.0)
