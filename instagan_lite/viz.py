"""Pictures: masks as coloured overlays and grids of translations. Pure functions returning arrays or
figures; the notebooks' widgets and the trainer's sample grids are thin shells over these."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

__all__ = ["PALETTE", "mask_overlay", "save_figure", "to_numpy_image", "translation_figure"]

PALETTE = np.array(
    [[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
     [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212]], dtype=np.float32,
) / 255  # fmt: skip


def to_numpy_image(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) in [-1, 1] -> (H, W, 3) float in [0, 1]."""
    return ((image.detach().cpu().float().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def mask_overlay(
    image: torch.Tensor, masks: torch.Tensor, alpha: float = 0.5, show: Sequence[bool] | None = None
) -> np.ndarray:
    """Blend each instance's colour over the image where its mask is on.

    Args:
        image: (3, H, W) in [-1, 1].
        masks: (K, H, W) in [-1, 1] (soft masks blend proportionally; absent slots add nothing).
        alpha: opacity of the overlay in [0, 1].
        show: optional K flags; hidden instances are not drawn.

    Returns: (H, W, 3) float in [0, 1]; slot k is drawn in ``PALETTE[k % 10]``.
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    out = to_numpy_image(image)
    weights = ((masks.detach().cpu().float() + 1) / 2).clamp(0, 1).numpy()
    for k, w in enumerate(weights):
        if show is not None and not show[k]:
            continue
        a = alpha * w[..., None]
        out = (1 - a) * out + a * PALETTE[k % len(PALETTE)]
    return out


def translation_figure(
    images: torch.Tensor,
    masks: torch.Tensor,
    translated: torch.Tensor,
    translated_masks: torch.Tensor,
    title: str = "",
    oracle: torch.Tensor | None = None,
):
    """A figure with one column per sample and rows: input, input masks, translation, translated masks
    (and the oracle if given). Images (B, 3, H, W), masks (B, K, H, W), all in [-1, 1]."""
    import matplotlib.pyplot as plt

    rows = [
        ("input", [to_numpy_image(x) for x in images]),
        ("input masks", [mask_overlay(x, m) for x, m in zip(images, masks)]),
        ("translation", [to_numpy_image(y) for y in translated]),
    ]
    if translated_masks.shape[1]:
        rows.append(("translated masks", [mask_overlay(y, m) for y, m in zip(translated, translated_masks)]))
    if oracle is not None:
        rows.append(("ideal (oracle)", [to_numpy_image(o) for o in oracle]))
    n = images.shape[0]
    fig, axes = plt.subplots(len(rows), n, figsize=(1.3 * n, 1.3 * len(rows)), squeeze=False)
    for r, (label, pictures) in enumerate(rows):
        for c, picture in enumerate(pictures):
            ax = axes[r, c]
            ax.imshow(picture, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def save_figure(fig, path: Path | str, dpi: int = 100) -> Path:
    """Save ``fig`` as PNG (creating folders) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
