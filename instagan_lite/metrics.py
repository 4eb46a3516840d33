"""Ground-truth measures of a translation on the shapes benchmark (no learned evaluator involved).

For each test image we know the ideal translation (the oracle: the same scene rendered with the other
shape), so we can ask: did each instance get the target shape (from its mask's moments), does it sit
where the oracle's does, did the background stay put, and did the pixels that changed match the pixels
that should have changed? See ``docs/shapes_benchmark.md`` in the repository.

All functions take single images (3, H, W) and masks (K, H, W) in [-1, 1], slots aligned: slot k of
the translated and oracle masks belongs to input instance k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = [
    "TranslationMetrics",
    "background_l1",
    "centroid",
    "change_iou",
    "colour_errors",
    "evaluate_translations",
    "is_target_shape",
    "mask_iou",
    "object_l1",
    "objects_error_split",
    "oracle_l1",
    "region_errors",
    "vacated_l1",
]

REGIONS = ("vacated", "grown", "objects")
"""The picture's regions, each scored as a ratio to the identity's error there (:func:`region_errors`)."""

RECTANGULARITY = 0.85  # area / bounding-box area above this is a rectangle (an ellipse fills π/4 ≈ 0.785)


def centroid(mask: torch.Tensor) -> torch.Tensor | None:
    """(y, x) centre of the pixels of ``mask`` (H, W) above 0, or None if it is empty."""
    ys, xs = torch.nonzero(mask > 0, as_tuple=True)
    if ys.numel() == 0:
        return None
    return torch.stack([ys.float().mean(), xs.float().mean()])


def is_target_shape(mask: torch.Tensor, target_domain: str) -> bool:
    """Does ``mask`` (H, W) look like a domain-B tall rectangle (``"B"``) or a domain-A wide ellipse (``"A"``)?

    Tall means Var(y) > Var(x) of the mask's pixels; a rectangle fills > 0.85 of its bounding box. An
    empty mask is never the target shape.
    """
    ys, xs = torch.nonzero(mask > 0, as_tuple=True)
    if ys.numel() < 2:
        return False
    tall = ys.float().var() > xs.float().var()
    box = (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)
    rectangle = ys.numel() / box.item() > RECTANGULARITY
    if target_domain == "B":
        return bool(tall and rectangle)
    if target_domain == "A":
        return bool(not tall and not rectangle)
    raise ValueError(f"target_domain must be 'A' or 'B', got {target_domain!r}")


def mask_iou(a: torch.Tensor, b: torch.Tensor) -> float:
    """IoU of the pixels above 0 of two masks (H, W); 1 if both are empty."""
    a, b = a > 0, b > 0
    union = (a | b).sum().item()
    return 1.0 if union == 0 else (a & b).sum().item() / union


def background_l1(image: torch.Tensor, translated: torch.Tensor, *masks: torch.Tensor) -> float:
    """Mean |x − y'| over pixels that are background (≤ 0) in every one of ``masks`` (each (K, H, W)).

    With the input's and the oracle's masks this is the benchmark's background L1: a method cannot
    shrink the region it is judged on by predicting huge masks. NaN if no background pixel is left.
    """
    background = torch.ones(image.shape[-2:], dtype=torch.bool, device=image.device)
    for m in masks:
        background &= ~(m > 0).any(0)
    if not background.any():
        return math.nan
    return (image - translated).abs().mean(0)[background].mean().item()


def vacated_l1(
    translated: torch.Tensor, oracle: torch.Tensor, masks: torch.Tensor, oracle_masks: torch.Tensor
) -> float:
    """Mean |y' − x*| over the pixels the objects vacate: inside an input instance (``masks`` (K, H, W))
    and outside every oracle instance. Ghosts of the old shape left there raise it. NaN if no pixel is
    vacated."""
    vacated = (masks > 0).any(0) & ~(oracle_masks > 0).any(0)
    if not vacated.any():
        return math.nan
    return (translated - oracle).abs().mean(0)[vacated].mean().item()


def oracle_l1(translated: torch.Tensor, oracle: torch.Tensor) -> float:
    """Mean |y' − x*| over every pixel and channel of one image (3, H, W): how far the whole translation
    is from the right answer."""
    return (translated - oracle).abs().mean().item()


def object_l1(translated: torch.Tensor, oracle: torch.Tensor, oracle_masks: torch.Tensor) -> float:
    """Mean |y' − x*| over the pixels inside any oracle instance (``oracle_masks`` (K, H, W)): how well the
    new objects are painted (shape, colour and texture). NaN if the oracle has no object pixel."""
    inside = (oracle_masks > 0).any(0)
    if not inside.any():
        return math.nan
    return (translated - oracle).abs().mean(0)[inside].mean().item()


def region_errors(
    image: torch.Tensor,
    translated: torch.Tensor,
    oracle: torch.Tensor,
    masks: torch.Tensor,
    oracle_masks: torch.Tensor,
) -> dict[str, tuple[float, float]]:
    """Per region of the picture, (Σ |y' − x*|, Σ |x − x*|): the translation's error and the identity's
    (translating nothing), summed over the region's pixels, channels averaged. Images (3, H, W) in [-1, 1],
    masks (K, H, W) in [-1, 1] (input a, oracle m*). The regions:

    - ``vacated``: inside an input instance and outside every oracle instance (must become background);
    - ``grown``: inside an oracle instance and outside every input instance (must take the object's colour);
    - ``objects``: inside the oracle instances (must match the translated objects).

    A region with no pixel in this image is left out. The benchmark's scores pool the sums over every
    test image and divide the translation's by the identity's: 1 is "translated nothing", 0 is the oracle.
    """
    inside_input, inside_oracle = (masks > 0).any(0), (oracle_masks > 0).any(0)
    regions = {
        "vacated": inside_input & ~inside_oracle,
        "grown": inside_oracle & ~inside_input,
        "objects": inside_oracle,
    }
    error = (translated - oracle).abs().mean(0)  # |y' − x*|, (H, W)
    identity_error = (image - oracle).abs().mean(0)  # |x − x*|
    return {
        name: (error[pixels].sum().item(), identity_error[pixels].sum().item())
        for name, pixels in regions.items()
        if pixels.any()
    }


def objects_error_split(
    image: torch.Tensor, translated: torch.Tensor, oracle: torch.Tensor, oracle_masks: torch.Tensor
) -> dict[str, float]:
    """The ``objects`` region of :func:`region_errors` split by what the identity already has right.

    Inside the oracle's instances m* (K, H, W), a pixel is *kept* where the input already equals the
    oracle (x = x*: the old and the new object overlap, same object on top) and *changed* elsewhere (the
    new shape grows there, or a different object is now on top). Images (3, H, W) in [-1, 1]. Returns sums
    over pixels of |y' − x*| (channels averaged) in each part, the identity's |x − x*| over the whole
    region (which is 0 on kept pixels by definition) and the two pixel counts:
    ``{"kept", "changed", "identity", "kept_pixels", "changed_pixels"}``. The objects score
    Σ (kept + changed) / Σ identity is the sum of the two parts' shares: ``kept / identity`` is what a
    translation loses by touching pixels that should stay as they are.
    """
    inside = (oracle_masks > 0).any(0)
    identity_error = (image - oracle).abs().mean(0)  # |x − x*|, (H, W)
    kept = inside & (identity_error == 0)
    changed = inside & ~kept
    error = (translated - oracle).abs().mean(0)  # |y' − x*|
    return {
        "kept": error[kept].sum().item(),
        "changed": error[changed].sum().item(),
        "identity": identity_error[inside].sum().item(),
        "kept_pixels": int(kept.sum().item()),
        "changed_pixels": int(changed.sum().item()),
    }


def colour_errors(translated: torch.Tensor, oracle: torch.Tensor, oracle_masks: torch.Tensor) -> list[float]:
    """Per oracle instance k: the mean over channels of |mean of y' inside m*_k − mean of x* inside m*_k|.

    One value per non-empty oracle mask of ``oracle_masks`` (K, H, W): did each translated object come out
    in the right colour, whatever its exact shape?"""
    errors = []
    for mask in oracle_masks:
        inside = mask > 0
        if inside.any():
            errors.append((translated[:, inside].mean(1) - oracle[:, inside].mean(1)).abs().mean().item())
    return errors


def change_iou(image: torch.Tensor, translated: torch.Tensor, oracle: torch.Tensor, threshold: float = 0.1) -> float:
    """IoU of the pixels the translation changed (|y' − x| > t in any channel) with those the oracle
    changed (|x* − x| > t): "changed the right things and nothing else"."""
    changed = ((translated - image).abs() > threshold).any(0)
    should = ((oracle - image).abs() > threshold).any(0)
    union = (changed | should).sum().item()
    return 1.0 if union == 0 else (changed & should).sum().item() / union


@dataclass
class TranslationMetrics:
    """Measures of one direction, averaged over test images (instance measures over instances).

    ``vacated_vs_identity``, ``grown_vs_identity`` and ``objects_vs_identity`` are the picture's scores
    (:func:`region_errors`): the translation's error summed over that region's pixels in every image,
    divided by the identity's summed over the same pixels (1: nothing changed, 0: the oracle).

    The mask measures are None for methods that produce no instance masks; the oracle measures are None
    without an oracle; ``shape_success`` is None without a shape judge (only the benchmark's ellipses and
    rectangles have one). Pixel differences are in the images' own [-1, 1] units (halve them for [0, 1]).
    """

    images: int
    instances: int
    shape_success: float | None
    oracle_iou: float | None
    oracle_iou_above_half: float | None
    lost_instances: float | None
    centroid_shift_px: float | None
    background_l1: float | None
    background_l1_predicted: float | None
    vacated_l1: float | None
    change_iou: float | None
    oracle_l1: float | None
    object_l1: float | None
    colour_error: float | None
    vacated_vs_identity: float | None = None
    grown_vs_identity: float | None = None
    objects_vs_identity: float | None = None

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _mean(values: list) -> float | None:
    values = [float(v) for v in values if not (isinstance(v, float) and math.isnan(v))]
    return sum(values) / len(values) if values else None


def evaluate_translations(
    images: torch.Tensor,
    masks: torch.Tensor,
    translated: torch.Tensor,
    translated_masks: torch.Tensor | None,
    oracle: torch.Tensor | None = None,
    oracle_masks: torch.Tensor | None = None,
    target_domain: str | None = None,
) -> TranslationMetrics:
    """Every measure that the data allows, for a batch: images / translated / oracle (N, 3, H, W);
    masks, oracle_masks and translated_masks (N, K, H, W), slot-aligned.

    ``translated_masks`` is None for mask-free methods; ``oracle`` / ``oracle_masks`` None when the right
    answer is unknown; ``target_domain`` ("A" or "B") turns on the benchmark's shape judge
    (:func:`is_target_shape`), None leaves ``shape_success`` out.
    """
    has_masks = translated_masks is not None and translated_masks.shape[1] == masks.shape[1]
    has_oracle = oracle is not None and oracle_masks is not None
    success, ious, lost, shifts, bg, bg_pred, vacated, change = [], [], [], [], [], [], [], []
    whole, objects, colours = [], [], []
    regions: dict[str, list[tuple[float, float]]] = {name: [] for name in REGIONS}
    for i in range(images.shape[0]):
        if has_oracle:
            for name, errors in region_errors(images[i], translated[i], oracle[i], masks[i], oracle_masks[i]).items():
                regions[name].append(errors)
            bg.append(background_l1(images[i], translated[i], masks[i], oracle_masks[i]))
            change.append(change_iou(images[i], translated[i], oracle[i]))
            vacated.append(vacated_l1(translated[i], oracle[i], masks[i], oracle_masks[i]))
            whole.append(oracle_l1(translated[i], oracle[i]))
            objects.append(object_l1(translated[i], oracle[i], oracle_masks[i]))
            colours.extend(colour_errors(translated[i], oracle[i], oracle_masks[i]))
        if not has_masks:
            continue
        bg_pred.append(background_l1(images[i], translated[i], masks[i], translated_masks[i]))
        for k in range(masks.shape[1]):
            if not (masks[i, k] > 0).any():
                continue
            out = translated_masks[i, k]
            if target_domain is not None:
                success.append(is_target_shape(out, target_domain))
            lost.append(not (out > 0).any())
            if has_oracle and (oracle_masks[i, k] > 0).any():
                ious.append(mask_iou(out, oracle_masks[i, k]))
            c_in, c_out = centroid(masks[i, k]), centroid(out)
            if c_out is not None:
                shifts.append((c_in - c_out).norm().item())
    return TranslationMetrics(
        images=images.shape[0],
        instances=int((masks > 0).flatten(2).any(-1).sum().item()),
        shape_success=_mean(success),
        oracle_iou=_mean(ious),
        oracle_iou_above_half=_mean([v > 0.5 for v in ious]),
        lost_instances=_mean(lost),
        centroid_shift_px=_mean(shifts),
        background_l1=_mean(bg),
        background_l1_predicted=_mean(bg_pred),
        vacated_l1=_mean(vacated),
        change_iou=_mean(change),
        oracle_l1=_mean(whole),
        object_l1=_mean(objects),
        colour_error=_mean(colours),
        **{f"{name}_vs_identity": _ratio(pairs) for name, pairs in regions.items()},
    )


def _ratio(pairs: list[tuple[float, float]]) -> float | None:
    """Σ translation's errors / Σ identity's errors over images; None without a region or when the
    identity's error there is 0."""
    identity = sum(p[1] for p in pairs)
    return sum(p[0] for p in pairs) / identity if pairs and identity > 0 else None
