"""What every notebook's first cells call: the fast switch, seeds, plotting defaults, and paths."""

from __future__ import annotations

import os
import random
import warnings
from pathlib import Path

import numpy as np
import torch

__all__ = ["FAST", "REPO", "fast_mode", "output_dir", "setup_notebook", "stable_text"]

REPO = Path(__file__).resolve().parent.parent


def fast_mode() -> bool:
    """True when ``INSTAGAN_LITE_FAST=1`` (CI and ``make notebooks``): tiny sizes and a few steps."""
    return os.environ.get("INSTAGAN_LITE_FAST") == "1"


FAST = fast_mode()


def stable_text(value: float, decimals: int = 3, tolerance: float = 1e-4) -> str:
    """``value`` rounded to ``decimals``, as text that every CPU prints alike.

    A float sum's last digits depend on the summation order (the CPU's vector width, the thread count, the
    convolution backend), so a compared notebook output must not print them. This rounds, and raises
    ``ValueError`` when ``value`` lies within ``tolerance`` of a rounding boundary: there another CPU could
    print the other digit. A value this accepts reads the same for every result within ± ``tolerance``.
    ``stable_text(18.3472)`` is ``"18.347"``; ``stable_text(18.3475)`` raises.
    """
    if tolerance <= 0:
        raise ValueError(f"tolerance must be > 0, got {tolerance}")

    def rounded(v: float) -> str:
        text = f"{v:.{decimals}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no "-0.000"

    text = rounded(value)
    if rounded(value - tolerance) != text or rounded(value + tolerance) != text:
        raise ValueError(
            f"{value!r} lies within {tolerance:g} of a rounding boundary at {decimals} decimals: its last "
            "digit depends on the CPU; print fewer decimals"
        )
    return text


def output_dir(name: str) -> Path:
    """Where a notebook writes (``$INSTAGAN_LITE_OUTPUTS`` or ``<repo>/outputs/notebooks``) / ``name``."""
    root = Path(os.environ.get("INSTAGAN_LITE_OUTPUTS", REPO / "outputs" / "notebooks"))
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup_notebook(seed: int = 0, threads: int | None = None) -> dict:
    """Seed Python, NumPy and torch; PNG figures at a moderate dpi; quiet known warnings.

    Returns a summary (versions, device, fast flag) that the notebook prints.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    from . import __version__
    from .device import pick_device

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "image.interpolation": "nearest"})
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except ImportError:  # outside IPython
        pass
    warnings.filterwarnings("ignore", category=UserWarning, module="torch")
    return {
        "instagan_lite": __version__,
        "torch": torch.__version__.split("+")[0],
        "matplotlib": matplotlib.__version__,
        "device": pick_device().type,
        "fast": fast_mode(),
    }
