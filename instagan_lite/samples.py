"""Sample translations written during training: the first test images of each domain, as PNG grids."""

from __future__ import annotations

from pathlib import Path

import torch

from .data.sources import DataConfig, build_datasets
from .model import TranslationModel
from .translate import TranslateOptions, translate

__all__ = ["save_samples"]


@torch.no_grad()
def save_samples(
    model: TranslationModel,
    data: DataConfig,
    options: TranslateOptions,
    folder: Path,
    iteration: int,
    seed: int = 0,
    n: int = 6,
) -> list[Path]:
    """Translate the first ``n`` test images of each domain of ``data`` with ``model`` (on its device)
    and write ``<folder>/<AtoB|BtoA>_<iteration>.png`` (input, masks, translation, translated masks)."""
    from .viz import save_figure, translation_figure

    device = next(model.parameters()).device
    paths = []
    test_A, test_B = build_datasets(data, "test", seed)
    for direction, dataset in (("AtoB", test_A), ("BtoA", test_B)):
        items = [dataset[i] for i in range(min(n, len(dataset)))]
        x = torch.stack([it["image"] for it in items]).to(device)
        m = torch.stack([it["masks"] for it in items]).to(device)
        y, b = translate(model, x, m, direction, options)
        fig = translation_figure(x, m, y, b, title=f"{direction}, iteration {iteration}")
        paths.append(save_figure(fig, folder / f"{direction}_{iteration:06d}.png"))
    return paths
