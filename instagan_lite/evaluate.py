"""Evaluate on the shapes benchmark's test set, per direction: reference rows, one model, several models.

* :func:`reference_rows` — the identity (translate nothing) and the oracle (the same scene rendered in
  the other domain: a real target image), per direction;
* :func:`evaluate_model` — one model's rows, always ``{"AtoB": row, "BtoA": row}``;
* :func:`benchmark` — several named models and the reference rows, rendered once:
  ``{direction: {row name: row}}``, the layout :func:`format_table` prints.

Ground-truth measures come from :mod:`instagan_lite.metrics`; with ``evaluators`` (see
:func:`instagan_lite.evaluators.load_evaluators`) the learned scores are added: classification score,
KID against the real target-domain test images, and crop shape success. ``docs/shapes_benchmark.md``
defines every measure.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from .data.sources import shapes_test_batch
from .evaluators import Evaluators, learned_metrics
from .metrics import evaluate_translations
from .model import TranslationModel
from .translate import TranslateOptions, translate

__all__ = [
    "DIRECTIONS",
    "GROUND_TRUTH_COLUMNS",
    "LEARNED_COLUMNS",
    "REFERENCE_NAMES",
    "benchmark",
    "evaluate_model",
    "format_table",
    "reference_rows",
]

DIRECTIONS = {"AtoB": ("A", "B"), "BtoA": ("B", "A")}
"""Each direction's (source domain, target domain)."""
REFERENCE_NAMES = {"identity": "identity", "oracle": "oracle (real target)"}
"""Row names of the two reference rows in a :func:`benchmark` table."""
GROUND_TRUTH_COLUMNS = [
    "shape_success",
    "oracle_iou",
    "lost_instances",
    "centroid_shift_px",
    "background_l1",
    "background_l1_predicted",
    "vacated_l1",
    "change_iou",
]
LEARNED_COLUMNS = ["crop_shape_success", "classification_score", "kid_x100"]


def _test_sets(size: int, n: int, seed: int, with_target: bool) -> dict[str, dict[str, torch.Tensor]]:
    """Per direction: the source test batch with its oracles, and (for KID) the real target images."""
    sets = {}
    for direction, (source, target) in DIRECTIONS.items():
        data = shapes_test_batch(source, size, n, seed)
        if with_target:
            data["real_target"] = shapes_test_batch(target, size, n, seed)["images"]
        sets[direction] = data
    return sets


def _row(
    data: dict[str, torch.Tensor],
    translated: torch.Tensor,
    translated_masks: torch.Tensor,
    target: str,
    evaluators: Evaluators | None,
) -> dict:
    """Every measure of one direction's translations of ``data``."""
    row = evaluate_translations(
        data["images"], data["masks"], translated, translated_masks, data["oracle"], data["oracle_masks"], target
    ).as_dict()
    if evaluators is not None:
        row.update(learned_metrics(evaluators, translated, data["masks"], data["real_target"], target).as_dict())
    return row


@torch.no_grad()
def _translate_all(
    model: TranslationModel,
    options: TranslateOptions | None,
    data: dict[str, torch.Tensor],
    direction: str,
    batch_size: int,
    device: str | torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    outs, out_masks = [], []
    model.eval()
    for start in range(0, data["images"].shape[0], batch_size):
        x = data["images"][start : start + batch_size].to(device)
        m = data["masks"][start : start + batch_size].to(device)
        y, b = translate(model, x, m, direction, options)
        outs.append(y.cpu())
        out_masks.append(b.cpu())
    return torch.cat(outs), torch.cat(out_masks)


def reference_rows(
    size: int = 32, n: int = 200, seed: int = 0, evaluators: Evaluators | None = None
) -> dict[str, dict[str, dict]]:
    """The reference rows on ``n`` test images per direction: ``{"identity": {"AtoB": row, "BtoA": row},
    "oracle": {...}}``. The identity scores 0 shape success by construction; the oracle is the ideal
    translation (a few of its instances fail the moment test where they are occluded)."""
    tables = benchmark({}, size, n, seed, evaluators=evaluators)
    return {key: {direction: tables[direction][name] for direction in tables} for key, name in REFERENCE_NAMES.items()}


def evaluate_model(
    model: TranslationModel,
    options: TranslateOptions | None = None,
    size: int = 32,
    n: int = 200,
    seed: int = 0,
    batch_size: int = 50,
    device: str | torch.device = "cpu",
    evaluators: Evaluators | None = None,
) -> dict[str, dict]:
    """One model's measures on ``n`` test images per direction: ``{"AtoB": row, "BtoA": row}``.

    ``options`` are InstaGAN's :class:`~instagan_lite.translate.TranslateOptions` (default: 2 instances
    per step, no clean-ups; the CycleGAN baselines ignore them). With ``evaluators`` each row also gets
    the learned scores (:class:`~instagan_lite.evaluators.LearnedMetrics`).
    """
    tables = benchmark({"model": (model, options)}, size, n, seed, batch_size, device, evaluators, references=False)
    return {direction: rows["model"] for direction, rows in tables.items()}


def benchmark(
    models: Mapping[str, tuple[TranslationModel, TranslateOptions | None]],
    size: int = 32,
    n: int = 200,
    seed: int = 0,
    batch_size: int = 50,
    device: str | torch.device = "cpu",
    evaluators: Evaluators | None = None,
    references: bool = True,
) -> dict[str, dict[str, dict]]:
    """Several named models (each with its translation options) on the same test images:
    ``{direction: {row name: row}}`` with the reference rows first (unless ``references=False``)."""
    sets = _test_sets(size, n, seed, evaluators is not None)
    tables: dict[str, dict[str, dict]] = {}
    for direction, data in sets.items():
        target = DIRECTIONS[direction][1]
        rows = {}
        if references:
            rows[REFERENCE_NAMES["identity"]] = _row(data, data["images"], data["masks"], target, evaluators)
            rows[REFERENCE_NAMES["oracle"]] = _row(data, data["oracle"], data["oracle_masks"], target, evaluators)
        for name, (model, options) in models.items():
            translated = _translate_all(model, options, data, direction, batch_size, device)
            rows[name] = _row(data, *translated, target, evaluators)
        tables[direction] = rows
    return tables


def format_table(rows: Mapping[str, dict]) -> str:
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
