"""The instance-mask convention and the helpers every other module uses.

Convention (the authors'): an image is (B, 3, H, W) in [-1, 1]; its instances are masks (B, K, H, W) in
[-1, 1], one channel ("slot") per instance, foreground +1, background -1, possibly soft. A slot that
holds no instance is **exactly -1 everywhere**.
"""

from __future__ import annotations

import torch

__all__ = [
    "check_images",
    "check_masks",
    "check_values",
    "component_labels",
    "context_weight",
    "instance_validity",
    "largest_component",
    "mask_area",
    "merge_masks",
    "pad_masks",
    "select_instances",
]

ORDERS = ("decreasing", "random")


FLOAT_DTYPES = (torch.float32, torch.bfloat16, torch.float16)


def check_values(tensor: torch.Tensor, name: str) -> None:
    """Raise ``TypeError`` unless ``tensor`` is a float32 (or bf16 / fp16) tensor, and ``ValueError`` if it
    holds NaN or inf: one bad pixel would turn a whole output, or in training every weight, into NaN."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dtype not in FLOAT_DTYPES:
        hint = " (uint8 pixels: x.float() / 127.5 - 1)" if tensor.dtype == torch.uint8 else " (x.float())"
        raise TypeError(f"{name} must be float32 (or bfloat16 / float16) in [-1, 1], got {tensor.dtype}{hint}")
    if not bool(torch.isfinite(tensor).all()):
        bad = int((~torch.isfinite(tensor)).sum())
        raise ValueError(f"{name} holds {bad} NaN or inf value(s); expected finite values in [-1, 1]")


def _check_4d(tensor: torch.Tensor, name: str, axes: str) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dim() != 4:
        raise ValueError(f"{name} must be 4-D {axes}, got shape {tuple(tensor.shape)}")


def check_images(images: torch.Tensor, channels: int | None = 3, multiple: int = 1, name: str = "images") -> None:
    """Raise ``ValueError`` unless ``images`` is (B, channels, H, W) with H and W multiples of ``multiple``,
    finite and float (see :func:`check_values`)."""
    _check_4d(images, name, "(B, C, H, W)")
    check_values(images, name)
    if channels is not None and images.shape[1] != channels:
        raise ValueError(f"{name} must have {channels} channels, got shape {tuple(images.shape)}")
    h, w = images.shape[-2:]
    if h % multiple or w % multiple:
        raise ValueError(f"{name} height and width must be multiples of {multiple}, got {h}×{w}")


MASK_RANGE_TOLERANCE = 1e-3
"""How far outside [-1, 1] a mask value may lie (float rounding) before :func:`check_masks` refuses it."""


def check_masks(images: torch.Tensor, masks: torch.Tensor) -> None:
    """Raise ``ValueError`` unless ``masks`` is (B, K, H, W), finite, float and in [-1, 1], matching ``images``
    (B, C, H, W). The images' rank is checked first, so a wrong image is not blamed on the masks; their
    values are checked by :func:`check_images`, which every network's forward pass calls."""
    _check_4d(images, "images", "(B, C, H, W)")
    _check_4d(masks, "masks", "(B, K, H, W)")
    check_values(masks, "masks")
    if masks.numel():
        low, high = (float(v) for v in torch.aminmax(masks.detach()))
        if low < -1 - MASK_RANGE_TOLERANCE or high > 1 + MASK_RANGE_TOLERANCE:
            raise ValueError(
                f"masks must lie in [-1, 1] (-1 background and absent slots, 1 instance), got values in "
                f"[{low:.3g}, {high:.3g}]" + (" (uint8 masks: m.float() / 127.5 - 1)" if high > 1.5 else "")
            )
    if masks.shape[0] != images.shape[0] or masks.shape[-2:] != images.shape[-2:]:
        raise ValueError(
            f"masks {tuple(masks.shape)} do not match images {tuple(images.shape)}: "
            "expected the same batch size, height and width"
        )


def instance_validity(masks: torch.Tensor) -> torch.Tensor:
    """Which slots hold an instance: (B, K, H, W) in [-1, 1] -> bool (B, K).

    A slot is valid when any of its pixels is above -1 (the authors' test, ``mean(m + 1) > 0``, but per
    sample and per instance instead of over the whole batch).
    """
    return (masks > -1).flatten(2).any(-1)


def mask_area(masks: torch.Tensor) -> torch.Tensor:
    """Soft area of each slot as a fraction of the image: (B, K, H, W) -> (B, K) in [0, 1].

    Equals the mean of (m + 1) / 2; an empty slot has area 0. Ranking by it is the same as the
    authors' ranking by the spatial mean of m.
    """
    return ((masks + 1) / 2).flatten(2).mean(-1)


def merge_masks(masks: torch.Tensor) -> torch.Tensor:
    """Soft union of a set of masks: (B, K, H, W) in [-1, 1] -> (B, 1, H, W) in [-1, 1].

    merge(S) = 2 · clamp(Σ_k (s_k + 1) / 2, 0, 1) − 1. With K = 0 the union is empty (all -1).
    """
    return 2 * ((masks + 1) / 2).sum(1, keepdim=True).clamp(0, 1) - 1


def context_weight(input_masks: torch.Tensor, generated_masks: torch.Tensor, detach: bool = False) -> torch.Tensor:
    """w(a, b') = 1 − clamp(Σ_k (a_k + 1)/2 + Σ_k (b'_k + 1)/2, 0, 1): (B, 1, H, W) in [0, 1].

    The complement of the soft union of the step's input masks a (B, K, H, W) and generated masks b'
    (B, K', H, W), both in [-1, 1]: 1 where both say background, 0 inside any instance (paper Eq. 6; the
    authors' code, whose union the paper's text describes). As in their code the gradient flows into b'
    unless ``detach``.
    """
    if detach:
        generated_masks = generated_masks.detach()
    # merge() maps the clamped sum to [-1, 1]; (1 − merge) / 2 = 1 − clamp(Σ, 0, 1).
    return (1 - merge_masks(torch.cat([input_masks, generated_masks], 1))) / 2


def pad_masks(masks: torch.Tensor, slots: int) -> torch.Tensor:
    """Append -1 planes so that ``masks`` (B, K, H, W) has ``slots`` >= K channels."""
    if slots < masks.shape[1]:
        raise ValueError(f"cannot pad {masks.shape[1]} masks down to {slots} slots")
    b, k, h, w = masks.shape
    pad = masks.new_full((b, slots - k, h, w), -1.0)
    return torch.cat([masks, pad], 1)


def select_instances(
    masks: torch.Tensor,
    k: int,
    order: str = "decreasing",
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the ``k`` largest instances of each sample (the authors' ``select_masks``).

    Args:
        masks: (B, K, H, W) in [-1, 1], absent slots -1.
        k: how many slots to keep (``ins_max``); if K < k the result is padded with -1 planes.
        order: ``"decreasing"`` (largest first, the authors' default) or ``"random"`` (the same top-k,
            valid ones shuffled, empty slots still last).
        generator: RNG for ``"random"``.

    Returns:
        selected: (B, k, H, W) masks, valid slots first.
        index: (B, k) long, the input slot of each selected mask, -1 for padding.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    b = masks.shape[0]
    valid = instance_validity(masks)
    # Empty slots rank below every valid one, whatever the soft area says.
    score = torch.where(valid, mask_area(masks), torch.full_like(valid, -1.0, dtype=masks.dtype))
    # Stable sort so that equal areas keep slot order (deterministic tests).
    index = torch.sort(score, dim=1, descending=True, stable=True).indices[:, :k]
    if order == "random":
        # Shuffle the valid members of the top-k; empty slots stay last.
        top_valid = torch.gather(valid, 1, index)
        noise = torch.rand(index.shape, generator=generator).to(masks.device)
        shuffled = torch.sort(torch.where(top_valid, noise, -1.0), dim=1, descending=True).indices
        index = torch.gather(index, 1, shuffled)
    keep = torch.gather(valid, 1, index)
    index = torch.where(keep, index, torch.full_like(index, -1))
    gathered = torch.gather(masks, 1, index.clamp(min=0)[..., None, None].expand(-1, -1, *masks.shape[-2:]))
    selected = torch.where(keep[..., None, None], gathered, torch.full_like(gathered, -1.0))
    if index.shape[1] < k:
        selected = pad_masks(selected, k)
        index = torch.cat([index, index.new_full((b, k - index.shape[1]), -1)], 1)
    return selected, index


def component_labels(foreground: torch.Tensor) -> torch.Tensor:
    """4-connected components of a bool (..., H, W) map: a long tensor of the same shape, 0 for background
    and, per map, a distinct positive label for every component (the largest raster index of its pixels
    plus one, so labels are not consecutive).

    Flood fill by label propagation: every foreground pixel starts with its own label and repeatedly takes
    the largest label among itself and its 4 neighbours until nothing changes.
    """
    h, w = foreground.shape[-2:]
    flat = foreground.reshape(-1, h, w)
    labels = torch.arange(1, h * w + 1, device=foreground.device).reshape(1, h, w).expand_as(flat)
    labels = torch.where(flat, labels, 0)
    while True:
        p = torch.nn.functional.pad(labels, (1, 1, 1, 1))
        neighbours = torch.stack([labels, p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]])
        spread = torch.where(flat, neighbours.amax(0), 0)
        if torch.equal(spread, labels):
            return labels.reshape(foreground.shape)
        labels = spread


def largest_component(masks: torch.Tensor) -> torch.Tensor:
    """Keep only the largest 4-connected region of pixels > 0 in every mask; the rest becomes -1.

    ``masks`` (..., H, W) in [-1, 1] -> same shape; values inside the kept region are unchanged, an
    empty mask stays empty, ties keep the region whose last pixel comes first in raster order. Used to
    remove the one-pixel specks a generated mask can have (``TranslateOptions(clean_masks=True)``).
    """
    h, w = masks.shape[-2:]
    flat = masks.reshape(-1, h, w)
    foreground = flat > 0
    labels = component_labels(foreground)
    counts = torch.zeros(flat.shape[0], h * w + 1, dtype=torch.long, device=masks.device)
    counts.scatter_add_(1, labels.reshape(flat.shape[0], -1), torch.ones_like(labels).reshape(flat.shape[0], -1))
    counts[:, 0] = 0
    best = counts.argmax(1)
    keep = (labels == best[:, None, None]) & foreground
    return torch.where(keep, flat, torch.full_like(flat, -1.0)).reshape(masks.shape)
