"""Evaluate translations per direction: reference rows, one model, several models, on any test data.

* :func:`benchmark` — several named models and the two reference rows on the same test images:
  ``{direction: {row name: row}}``, the layout :func:`format_table` prints;
* :func:`evaluate_model` — one model's rows, always ``{"AtoB": row, "BtoA": row}``;
* :func:`reference_rows` — the identity (translate nothing) and the real target (the oracle: the same
  scene in the other domain, where it is known), per direction.

The test data is the built-in shapes benchmark by default (:func:`~instagan_lite.data.sources.shapes_test_sets`)
or any :class:`~instagan_lite.data.sources.EvaluationSet` per direction, e.g. a dataset folder's
(:func:`~instagan_lite.data.sources.folder_test_sets`). Ground-truth measures come from
:mod:`instagan_lite.metrics` as far as the data knows the right answer; with ``evaluators`` (see
:func:`instagan_lite.evaluators.load_evaluators`) the learned scores are added: classification score,
KID against real target-domain images, and crop shape success. ``docs/shapes_benchmark.md`` defines every
measure.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from .data.sources import EvaluationSet, shapes_test_sets
from .evaluators import Evaluators, classification_score, learned_metrics
from .metrics import evaluate_translations
from .model import TranslationModel
from .translate import TranslateOptions, translate

__all__ = [
    "GROUND_TRUTH_COLUMNS",
    "HEADLINE_COLUMNS",
    "LEARNED_COLUMNS",
    "PICTURE_COLUMNS",
    "REFERENCE_NAMES",
    "TABLE_COLUMNS",
    "benchmark",
    "evaluate_model",
    "format_table",
    "reference_rows",
]

REFERENCE_NAMES = {"identity": "identity", "oracle": "oracle (real target)"}
"""Row names of the two reference rows in a :func:`benchmark` table."""
PICTURE_COLUMNS = [
    "vacated_vs_identity",
    "grown_vs_identity",
    "objects_vs_identity",
    "background_l1",
    "colour_error",
]
"""What a learner sees: the three region scores (ratios to the identity), background L1 and colour error."""
HEADLINE_COLUMNS = ["crop_shape_success", "shape_success", *PICTURE_COLUMNS]
"""Every table's first columns: the image's shape (crop classifier), the masks' shape, then the picture."""
GROUND_TRUTH_COLUMNS = [
    "shape_success",
    *PICTURE_COLUMNS,
    "oracle_iou",
    "lost_instances",
    "centroid_shift_px",
    "background_l1_predicted",
    "vacated_l1",
    "change_iou",
    "oracle_l1",
    "object_l1",
]
LEARNED_COLUMNS = ["crop_shape_success", "classification_score", "kid_x100"]
TABLE_COLUMNS = ["crop_shape_success", *GROUND_TRUTH_COLUMNS, *LEARNED_COLUMNS[1:]]
"""The order of :func:`format_table`'s columns: the shape of the *image* (the crop classifier) first, the
mask's shape next to it, then the picture's region scores, background L1 and colour error."""


def _row(data: EvaluationSet, translated: torch.Tensor, masks: torch.Tensor, evaluators: Evaluators | None) -> dict:
    """Every measure of one direction's translations (N, 3, S, S) with their masks (N, K', S, S)."""
    row = evaluate_translations(
        data.images,
        data.masks,
        translated,
        masks,
        data.oracle,
        data.oracle_masks,
        data.target if data.shape_judge else None,
    ).as_dict()
    if evaluators is not None:
        row.update(learned_metrics(evaluators, translated, data.masks, data.real_target, data.target).as_dict())
    return row


def _reference_row(data: EvaluationSet, kind: str, evaluators: Evaluators | None) -> dict:
    if kind == "identity":
        return _row(data, data.images, data.masks, evaluators)
    if data.oracle is not None:
        return _row(data, data.oracle, data.oracle_masks, evaluators)
    # Without an oracle the stand-in is the real target images themselves (other scenes): only the
    # classification score says something (KID against themselves would be 0 by construction).
    row: dict = {"images": data.real_target.shape[0]}
    if evaluators is not None:
        row["classification_score"] = round(classification_score(evaluators.domain, data.real_target, data.target), 5)
    return row


@torch.no_grad()
def _translate_all(
    model: TranslationModel,
    options: TranslateOptions | None,
    data: EvaluationSet,
    direction: str,
    batch_size: int,
    device: str | torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    outs, out_masks = [], []
    model.eval()
    for start in range(0, data.images.shape[0], batch_size):
        x = data.images[start : start + batch_size].to(device)
        m = data.masks[start : start + batch_size].to(device)
        y, b = translate(model, x, m, direction, options)
        outs.append(y.cpu())
        out_masks.append(b.cpu())
    return torch.cat(outs), torch.cat(out_masks)


def benchmark(
    models: Mapping[str, tuple[TranslationModel, TranslateOptions | None]],
    tests: Mapping[str, EvaluationSet] | None = None,
    evaluators: Evaluators | None = None,
    device: str | torch.device = "cpu",
    batch_size: int = 50,
    references: bool = True,
    size: int = 32,
    n: int = 200,
    seed: int = 0,
) -> dict[str, dict[str, dict]]:
    """Several named models (each with its translation options) on the same test images:
    ``{direction: {row name: row}}`` with the reference rows first (unless ``references=False``).

    ``tests``: an :class:`~instagan_lite.data.sources.EvaluationSet` per direction; by default the shapes
    benchmark's ``n`` test images of ``size`` px from ``seed``."""
    tests = tests if tests is not None else shapes_test_sets(size, n, seed)
    tables: dict[str, dict[str, dict]] = {}
    for direction, data in tests.items():
        rows = {}
        if references:
            for kind, name in REFERENCE_NAMES.items():
                rows[name] = _reference_row(data, kind, evaluators)
        for name, (model, options) in models.items():
            rows[name] = _row(data, *_translate_all(model, options, data, direction, batch_size, device), evaluators)
        tables[direction] = rows
    return tables


def evaluate_model(
    model: TranslationModel,
    options: TranslateOptions | None = None,
    tests: Mapping[str, EvaluationSet] | None = None,
    evaluators: Evaluators | None = None,
    device: str | torch.device = "cpu",
    size: int = 32,
    n: int = 200,
    seed: int = 0,
) -> dict[str, dict]:
    """One model's measures per direction: ``{"AtoB": row, "BtoA": row}`` (test data as in :func:`benchmark`).

    ``options`` are InstaGAN's :class:`~instagan_lite.translate.TranslateOptions` (default: 2 instances
    per step, no clean-ups; the CycleGAN baselines ignore them)."""
    tables = benchmark(
        {"model": (model, options)}, tests, evaluators, device, references=False, size=size, n=n, seed=seed
    )
    return {direction: rows["model"] for direction, rows in tables.items()}


def reference_rows(
    tests: Mapping[str, EvaluationSet] | None = None,
    evaluators: Evaluators | None = None,
    size: int = 32,
    n: int = 200,
    seed: int = 0,
) -> dict[str, dict[str, dict]]:
    """The reference rows per direction: ``{"identity": {"AtoB": row, "BtoA": row}, "oracle": {...}}``.
    The identity scores 0 shape success by construction; the oracle is the ideal translation (a few of its
    instances fail the moment test where they are occluded)."""
    tables = benchmark({}, tests, evaluators, size=size, n=n, seed=seed)
    return {key: {direction: tables[direction][name] for direction in tables} for key, name in REFERENCE_NAMES.items()}


def format_table(rows: Mapping[str, dict]) -> str:
    """A markdown table of ``{row name: metrics dict}``: the columns some row has, in ``TABLE_COLUMNS``
    order (KID is shown ×100, "—" where a measure does not apply)."""
    present = {c for metrics in rows.values() for c, v in metrics.items() if v is not None}
    present |= {"kid_x100"} if "kid" in present else set()
    columns = [c for c in TABLE_COLUMNS if c in present]
    lines = ["| system | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, metrics in rows.items():
        values = {**metrics, "kid_x100": None if metrics.get("kid") is None else 100 * metrics["kid"]}
        cells = ["—" if values.get(c) is None else f"{values[c]:.3f}" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
