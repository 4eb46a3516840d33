"""Translation at inference: the sequential loop without losses (the authors' ``test``), selective
translation, and the optional clean-ups, all described by one :class:`TranslateOptions`.

    y, b = translate(model, images, masks, "AtoB", TranslateOptions(SequentialConfig.inference(ins_per=2)))
    y, b = translate(model, images, masks, "AtoB", LITE_CLEANUPS)      # the lite recipe's clean-ups
    y, b = sequential_translate(G, images, masks, instances=[1])        # only instance 1; the rest kept
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .masks import check_masks, instance_validity, largest_component, select_instances
from .model import TranslationModel
from .sequence import SequentialConfig, active_samples

__all__ = [
    "LITE_CLEANUPS",
    "TranslateOptions",
    "fill_vacated",
    "keep_overlap",
    "paste_back",
    "sequential_translate",
    "translate",
]


_SEQUENCE_KEYS = ("ins_max", "ins_per", "order")
"""The sequential keys that files written before :class:`SequentialConfig` was shared kept at the top level."""


@dataclass(frozen=True)
class TranslateOptions:
    """How a set generator translates at inference.

    Attributes:
        sequential: the sequential spec (:class:`~instagan_lite.sequence.SequentialConfig`, as
            ``TrainConfig.sequential``); by default every instance, 2 per step (as the authors translate),
            in decreasing area, the last partial step kept. A trained model's is
            ``config.sequential.for_inference()``; a spec that drops the last partial step (training's)
            is refused.
        paste_back: keep the input pixels outside the union of each step's input and generated masks
            (:func:`paste_back`). Selective translation always pastes back.
        clean_masks: keep only the largest 4-connected region of each generated mask
            (:func:`~instagan_lite.masks.largest_component`); the image is not changed.
        fill_background: repaint the area each step's instances vacated from the pixels around it
            (:func:`fill_vacated`).
        keep_overlap: after the last step, keep the input pixels where a translated instance's input mask
            and its own generated mask overlap: the part of the object that is already right
            (:func:`keep_overlap`).

    The last four are not in the authors' code; off by default. The CycleGAN baselines translate the
    whole image in one call and ignore every option.
    """

    sequential: SequentialConfig = field(default_factory=SequentialConfig.inference)
    paste_back: bool = False
    clean_masks: bool = False
    fill_background: bool = False
    keep_overlap: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.sequential, SequentialConfig):
            raise TypeError(
                f"sequential must be a SequentialConfig (e.g. SequentialConfig.inference(ins_per=2)), "
                f"got {type(self.sequential).__name__}"
            )
        if self.sequential.drop_last:
            raise ValueError(
                "translation translates every instance asked for, so its spec keeps the last partial step: "
                "use config.sequential.for_inference() or SequentialConfig.inference(ins_per=...), not the "
                "training spec"
            )

    def as_dict(self) -> dict:
        """The options as a JSON-friendly dict (what checkpoints and registries record)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TranslateOptions:
        """Inverse of :meth:`as_dict`; unknown keys are an error. Older files kept ``ins_per``,
        ``ins_max`` and ``order`` at the top level: those are read into ``sequential`` (an ``ins_per``
        above ``ins_max``, which they allowed, translates ``ins_max`` in one step, as it did)."""
        values = dict(values)
        flat = {k: values.pop(k) for k in _SEQUENCE_KEYS if k in values}
        if "sequential" not in values:
            if flat.get("ins_max") is not None and flat.get("ins_per", 2) > flat["ins_max"]:
                flat["ins_per"] = flat["ins_max"]
            return cls(sequential=SequentialConfig.inference(**flat), **values)
        if flat:
            raise ValueError(f"translate options give both 'sequential' and {sorted(flat)}")
        return cls(sequential=SequentialConfig(**values.pop("sequential")), **values)


LITE_CLEANUPS = TranslateOptions(clean_masks=True, fill_background=True)
"""The lite recipe's two inference clean-ups (largest mask component, repaint of the vacated area),
each a documented deviation from the authors' code with its own ablation row."""


def paste_back(
    images: torch.Tensor, translated: torch.Tensor, input_masks: torch.Tensor, output_masks: torch.Tensor
) -> torch.Tensor:
    """Hard paste-back: keep ``images`` outside the union of the input and generated instances
    (mask > 0), take ``translated`` inside it. (B, 3, H, W) × 2, (B, K, H, W) × 2 -> (B, 3, H, W).

    The inference-time, hard counterpart of :class:`~instagan_lite.model.BlendGenerator`'s soft blend."""
    region = ((input_masks > 0) | (output_masks > 0)).any(1, keepdim=True)
    return torch.where(region, translated, images)


def fill_vacated(
    images: torch.Tensor, input_masks: torch.Tensor, output_masks: torch.Tensor, smoothing: int = 20
) -> torch.Tensor:
    """Repaint the area an instance vacated, (∪ a) \\ (∪ b'), from the background around it.

    images (B, 3, H, W); input_masks a and output_masks b' (B, K, H, W), all in [-1, 1]. The sources are
    the pixels outside every input and generated instance. Vacated pixels are filled "onion-peel"
    fashion, each ring the mean of its already-known 8-neighbours, then relaxed by ``smoothing`` Jacobi
    steps (the mean of the known 3×3 neighbourhood) with the sources held fixed. All other pixels,
    the new instances' included, are returned unchanged. This is a classical inpainting of the
    background, not a learned one: a documented lite-recipe option that removes the ghosts of the old
    shape a briefly trained generator leaves behind.
    """
    inside, outside = (input_masks > 0).any(1, keepdim=True), (output_masks > 0).any(1, keepdim=True)
    vacated = inside & ~outside
    known = (~(inside | outside)).to(images.dtype)
    out = images * known
    kernel = torch.ones(1, 1, 3, 3, dtype=images.dtype, device=images.device)

    def box_sum(x: torch.Tensor) -> torch.Tensor:  # 3×3 sum per channel, zero outside the image
        return torch.nn.functional.conv2d(x.reshape(-1, 1, *x.shape[-2:]), kernel, padding=1).reshape(x.shape)

    while True:
        count = box_sum(known)
        ring = vacated & (known == 0) & (count > 0)
        if not ring.any():  # done, or what is left is walled in by new instances: left as it was
            break
        out = torch.where(ring, box_sum(out) / count.clamp(min=1), out)
        known = known + ring.to(images.dtype)
    filled = vacated & (known > 0)
    for _ in range(smoothing):
        out = torch.where(filled, box_sum(out * known) / box_sum(known).clamp(min=1), out)
    return torch.where(filled, out, images)


def keep_overlap(
    images: torch.Tensor, translated: torch.Tensor, input_masks: torch.Tensor, output_masks: torch.Tensor
) -> torch.Tensor:
    """Keep ``images`` where an instance overlaps its own translation, ∪_k (a_k ∩ b'_k), and take
    ``translated`` elsewhere. (B, 3, H, W) × 2, (B, K, H, W) × 2 slot-aligned masks in [-1, 1] ->
    (B, 3, H, W).

    Where the old and the new shape of the same instance overlap, the input already shows that object in
    its colour and texture, and the right translation leaves it alone; a generator that repaints it there
    can only lose the texture or shift the colour (``benchmarks/results/objects_breakdown.md``). Slot by
    slot, not union against union: where one instance's new shape grows under another's old pixels, the
    other object is on top in the input, and that pixel must change. An opt-in inference option (not in
    :data:`LITE_CLEANUPS`, not in the authors' code); :func:`sequential_translate` applies it once, after
    the last step, to the chosen slots (a slot left untranslated keeps its input mask, so its input
    pixels are kept whole).
    """
    overlap = ((input_masks > 0) & (output_masks > 0)).any(1, keepdim=True)
    return torch.where(overlap, images, translated)


def _chosen_slots(instances: torch.Tensor | Sequence[int] | None, b: int, k: int, device) -> torch.Tensor:
    """bool (B, K): which slots to translate (all of them when ``instances`` is None)."""
    chosen = torch.ones(b, k, dtype=torch.bool, device=device)
    if instances is None:
        return chosen
    if isinstance(instances, torch.Tensor) and instances.dtype == torch.bool:
        if instances.shape != (b, k):
            raise ValueError(f"instances mask must be (B, K) = {(b, k)}, got {tuple(instances.shape)}")
        return instances.to(device)
    index = torch.as_tensor(instances, dtype=torch.long).reshape(-1)
    if index.numel() and (index.min() < 0 or index.max() >= k):
        raise ValueError(f"instance indices must lie in [0, {k}), got {index.tolist()}")
    chosen = torch.zeros_like(chosen)
    chosen[:, index] = True
    return chosen


def warn_if_masks_look_unsigned(masks: torch.Tensor) -> bool:
    """Warn (and return True) when a present slot of ``masks`` (B, K, H, W) has no background pixel
    (nothing below 0): masks in [0, 1] instead of [-1, 1], or an all-zero mask, which the networks read as
    an instance covering the whole image."""
    unsigned = instance_validity(masks) & (masks.flatten(2).amin(-1) >= 0)  # (B, K)
    if bool(unsigned.any()):
        warnings.warn(
            f"{int(unsigned.sum())} mask slot(s) have no background pixel (every value >= 0): masks must be in "
            "[-1, 1] with -1 for background and for an absent slot (from [0, 1]: m * 2 - 1)",
            UserWarning,
            stacklevel=3,
        )
    return bool(unsigned.any())


@torch.no_grad()
def sequential_translate(
    G: nn.Module,
    images: torch.Tensor,
    masks: torch.Tensor,
    options: TranslateOptions | None = None,
    instances: torch.Tensor | Sequence[int] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Translate with a set generator ``options.sequential.ins_per`` instances at a time (the authors' ``test``).

    Args:
        G: a generator called ``G(images, masks) -> (images, masks)``.
        images: (B, 3, H, W) in [-1, 1].
        masks: (B, K, H, W) in [-1, 1], absent slots -1.
        options: see :class:`TranslateOptions` (default: 2 per step, decreasing area, no clean-ups).
        instances: translate only these slots (selective translation): slot indices shared by the
            batch, or a bool (B, K) tensor. The other instances are left as they are and treated as
            background; the input is pasted back outside the translated ones.

    Returns:
        images: (B, 3, H, W), the image after the last step.
        masks: (B, K, H, W), each translated slot replaced by its generated mask, the others unchanged.
    """
    options = options or TranslateOptions()
    check_masks(images, masks)
    warn_if_masks_look_unsigned(masks)
    b, k = masks.shape[:2]
    chosen = _chosen_slots(instances, b, k, masks.device)
    if k == 0:
        return images.clone(), masks.clone()
    pasting = options.paste_back or instances is not None
    candidates = torch.where(chosen[..., None, None], masks, torch.full_like(masks, -1.0))
    sequential = options.sequential
    n_keep = sequential.slots(k)
    ordered, slot = select_instances(candidates, n_keep, sequential.order)  # (B, n, H, W), (B, n)
    out_images, out_masks = images.clone(), masks.clone()
    for sl in sequential.slices(n_keep):
        a_m, slot_m = ordered[:, sl], slot[:, sl]
        active = active_samples(a_m)
        if not active.any():
            break
        x = out_images[active]
        y, b_m = G(x, a_m[active])  # (y'_m, b'_m) = G(x_m, a_m)
        if options.clean_masks:
            b_m = largest_component(b_m)
        y = paste_back(x, y, a_m[active], b_m) if pasting else y
        out_images[active] = fill_vacated(y, a_m[active], b_m) if options.fill_background else y
        # Scatter the generated masks back to their original slots (padding slots are -1: skip them).
        rows, cols = (slot_m[active] >= 0).nonzero(as_tuple=True)
        out_masks[active.nonzero()[:, 0][rows], slot_m[active][rows, cols]] = b_m[rows, cols]
    if options.keep_overlap:  # after the last step: later steps repaint what earlier ones kept
        out_images = keep_overlap(images, out_images, candidates, out_masks)
    return out_images, out_masks


@torch.no_grad()
def translate(
    model: TranslationModel,
    images: torch.Tensor,
    masks: torch.Tensor,
    direction: str = "AtoB",
    options: TranslateOptions | None = None,
    instances: torch.Tensor | Sequence[int] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Translate with any method's generator: ``"AtoB"`` uses G_A, ``"BtoA"`` G_B.

    images (B, 3, H, W) and dataset masks (B, K, H, W) in [-1, 1] -> (images (B, 3, H, W), masks). For
    InstaGAN this is :func:`sequential_translate` and the masks keep the input's K slots; the CycleGAN
    baselines translate the image in one call (``options`` and ``instances`` do not apply) and return
    their own mask channels (none for CycleGAN, the translated union for CycleGAN + Seg).
    """
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
    G = model.G_A if direction == "AtoB" else model.G_B
    if model.method_spec.instance_wise:
        return sequential_translate(G, images, masks, options, instances)
    ignored = [name for name, given in _instance_options(options, instances).items() if given]
    if ignored:
        warnings.warn(
            f"{model.method} translates the whole image in one call: {', '.join(ignored)} do(es) not apply and "
            "pixels outside the instances may change (InstaGAN translates instance by instance)",
            UserWarning,
            stacklevel=2,
        )
    return G(images, model.prepare_masks(masks, 1))


def _instance_options(options: TranslateOptions | None, instances) -> dict[str, bool]:
    """The instance-wise options that a CycleGAN baseline cannot honour, and whether each was asked for."""
    options = options or TranslateOptions()
    return {
        "instances (selective translation)": instances is not None,
        "paste_back": bool(options.paste_back),
        "fill_background": bool(options.fill_background),
        "clean_masks": bool(options.clean_masks),
        "keep_overlap": bool(options.keep_overlap),
    }
