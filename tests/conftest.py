"""Shared fixtures. Library tests run single-threaded-deterministic on CPU with a headless backend."""

from __future__ import annotations

import os

import matplotlib
import pytest
import torch

matplotlib.use("Agg")
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)  # workers share 2 cores; oversubscribed torch threads slow everything down


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)
