"""Evaluate a model on the shapes benchmark's test set, per direction, with reference rows.

Ground-truth measures come from :mod:`instagan_lite.metrics`; with ``evaluators`` (see
:func:`instagan_lite.evaluators.load_evaluators`) the learned scores are added: classification score,
KID against the real target-domain test images, and crop shape success.
"""

from __future__ import annotations

import torch

from .data.dataset import ShapesDataset
from .evaluators import Evaluators, learned_metrics
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
    device: str | torch.device = "cpu",
    evaluators: Evaluators | None = None,
    **options,
) -> dict[str, dict]:
    """Benchmark measures per direction ("AtoB", "BtoA") on ``n`` test images.

    With ``model=None`` the reference rows are returned instead: ``identity`` (no change) and
    ``oracle`` (the ideal translation, a real target-domain image of the same scene), each per
    direction. ``options`` (``ins_per``, default 2, ``paste_back``, ``clean_masks``,
    ``fill_background``) go to InstaGAN's :func:`~instagan_lite.sequential.sequential_translate`.
    With ``evaluators`` each row also gets the learned scores
    (:class:`~instagan_lite.evaluators.LearnedMetrics`).
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
            kwargs = {"ins_per": 2, **options} if model.method == "instagan" else {}
            y, b = translate(model.eval(), x, m, direction, **kwargs)
            outs.append(y.cpu())
            out_masks.append(b.cpu())
        y, b = torch.cat(outs), torch.cat(out_masks)
        real_target = shapes_test_batch(target, size, n, seed)["images"] if evaluators is not None else None
        if model is None:
            results[f"identity/{direction}"] = _metrics(data, y, b, target, evaluators, real_target)
            results[f"oracle/{direction}"] = _metrics(
                data, data["oracle"], data["oracle_masks"], target, evaluators, real_target
            )
        else:
            results[direction] = _metrics(data, y, b, target, evaluators, real_target)
    return results


def _metrics(
    data: dict,
    translated: torch.Tensor,
    translated_masks: torch.Tensor,
    target: str,
    evaluators: Evaluators | None,
    real_target: torch.Tensor | None,
) -> dict:
    measures: ShapeMetrics = evaluate_translations(
        data["images"], data["masks"], translated, translated_masks, data["oracle"], data["oracle_masks"], target
    )
    row = measures.as_dict()
    if evaluators is not None and real_target is not None:
        row.update(learned_metrics(evaluators, translated, data["masks"], real_target, target).as_dict())
    return row


GROUND_TRUTH_COLUMNS = ["shape_success", "oracle_iou", "lost_instances", "centroid_shift_px", "background_l1",
                        "background_l1_predicted", "vacated_l1", "change_iou"]  # fmt: skip
LEARNED_COLUMNS = ["crop_shape_success", "classification_score", "kid_x100"]


def format_table(rows: dict[str, dict]) -> str:
    """A markdown table of ``{row name: metrics dict}``; the learned columns appear when any row has them
    (KID is shown ×100, "—" where a measure does not apply)."""
    learned = any("kid" in metrics for metrics in rows.values())
    columns = GROUND_TRUTH_COLUMNS + (LEARNED_COLUMNS if learned else [])
    lines = ["| system | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, metrics in rows.items():
        values = {**metrics, "kid_x100": None if metrics.get("kid") is None else 100 * metrics["kid"]}
        cells = ["—" if values.get(c) is None else f"{values[c]:.3f}" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
