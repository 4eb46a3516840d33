"""Evaluate a model on the shapes benchmark's test set, per direction, with reference rows."""

from __future__ import annotations

import torch

from .data.dataset import ShapesDataset
from .metrics import ShapeMetrics, evaluate_translations
from .model import TranslationModel
from .sequential import translate

__all__ = ["evaluate_model", "format_table", "shapes_test_batch"]


def shapes_test_batch(domain: str, size: int, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """The first ``n`` shapes test items of ``domain`` with their oracles, stacked:
    images, masks, oracle, oracle_masks."""
    data = ShapesDataset(domain, "test", size, n, seed)
    items = [data[i] for i in range(n)]
    oracles = [data.oracle(i) for i in range(n)]
    return {
        "images": torch.stack([it["image"] for it in items]),
        "masks": torch.stack([it["masks"] for it in items]),
        "oracle": torch.stack([o["image"] for o in oracles]),
        "oracle_masks": torch.stack([o["masks"] for o in oracles]),
    }


@torch.no_grad()
def evaluate_model(
    model: TranslationModel | None,
    size: int = 32,
    n: int = 200,
    seed: int = 0,
    batch_size: int = 50,
    ins_per: int = 2,
    paste_back: bool = False,
    device: str | torch.device = "cpu",
) -> dict[str, dict]:
    """Benchmark measures per direction ("AtoB", "BtoA") on ``n`` test images.

    With ``model=None`` the reference rows are returned instead: ``identity`` (no change) and
    ``oracle`` (the ideal translation), each per direction.
    """
    results: dict[str, dict] = {}
    for direction, source, target in (("AtoB", "A", "B"), ("BtoA", "B", "A")):
        data = shapes_test_batch(source, size, n, seed)
        outs, out_masks = [], []
        for start in range(0, n, batch_size):
            x = data["images"][start : start + batch_size].to(device)
            m = data["masks"][start : start + batch_size].to(device)
            if model is None:
                outs.append(x.cpu())
                out_masks.append(m.cpu())
                continue
            options = {"ins_per": ins_per, "paste_back": paste_back} if model.method == "instagan" else {}
            y, b = translate(model.eval(), x, m, direction, **options)
            outs.append(y.cpu())
            out_masks.append(b.cpu())
        y, b = torch.cat(outs), torch.cat(out_masks)
        if model is None:
            results[f"identity/{direction}"] = _metrics(data, y, b, target).as_dict()
            results[f"oracle/{direction}"] = _metrics(data, data["oracle"], data["oracle_masks"], target).as_dict()
        else:
            results[direction] = _metrics(data, y, b, target).as_dict()
    return results


def _metrics(data: dict, translated: torch.Tensor, translated_masks: torch.Tensor, target: str) -> ShapeMetrics:
    return evaluate_translations(
        data["images"], data["masks"], translated, translated_masks, data["oracle"], data["oracle_masks"], target
    )


def format_table(rows: dict[str, dict]) -> str:
    """A markdown table of ``{row name: metrics dict}``."""
    columns = ["shape_success", "oracle_iou", "lost_instances", "centroid_shift_px", "background_l1",
               "background_l1_predicted", "change_iou"]  # fmt: skip
    lines = ["| system | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, metrics in rows.items():
        cells = ["—" if metrics.get(c) is None else f"{metrics[c]:.3f}" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
