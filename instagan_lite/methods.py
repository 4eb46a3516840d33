"""The three methods the library trains, and what tells them apart.

The paper compares InstaGAN with CycleGAN and with CycleGAN + Seg (CycleGAN whose networks also take the
union of the instance masks as one more channel). One :class:`Method` per name owns every decision that
depends on the method: which networks are built, which mask channels they take, whether training steps
through the instances and has the context term, and whether the instance-wise inference options apply.

    method = get_method("cyclegan_seg")
    method.instance_wise        # False: one call on the whole image, no L_ctx
    method.prepare_masks(masks, ins_max=4)   # (B, 1, H, W): the soft union
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .masks import merge_masks, select_instances

__all__ = ["CYCLEGAN", "CYCLEGAN_SEG", "INSTAGAN", "METHODS", "Method", "get_method"]


@dataclass(frozen=True)
class Method:
    """One method: its ``name`` (as in configs and checkpoints), its ``label`` in tables and what its
    networks take beside the image, ``masks``:

    - ``"instances"`` (InstaGAN): every selected instance as its own mask, read by the set generator and
      discriminator (:mod:`instagan_lite.set_networks`), a few instances per sequential step, with the
      context-preserving term L_ctx; the inference options (selective translation, paste-back, clean-ups)
      work instance by instance;
    - ``"none"`` (CycleGAN): no mask; a ResNet generator and a PatchGAN on the image alone;
    - ``"union"`` (CycleGAN + Seg): the soft union of the instances as one more channel of the same
      image-level networks, translated with the image.
    """

    name: str
    label: str
    masks: str

    @property
    def instance_wise(self) -> bool:
        """Set networks, sequential steps, L_ctx and the instance-wise inference options (InstaGAN)."""
        return self.masks == "instances"

    @property
    def mask_channels(self) -> int:
        """Mask channels the image-level networks take beside the image (0 or 1); 0 for InstaGAN, whose
        set networks take any number of instances."""
        return 1 if self.masks == "union" else 0

    def prepare_masks(
        self, masks: torch.Tensor, ins_max: int, order: str = "decreasing", generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Dataset masks (B, K, H, W) in [-1, 1] -> what this method's networks take: the ``ins_max``
        largest instances (B, ins_max, H, W) in ``order`` (InstaGAN), none (B, 0, H, W) (CycleGAN), or the
        soft union of all instances (B, 1, H, W) (CycleGAN + Seg)."""
        if self.masks == "instances":
            return select_instances(masks, ins_max, order, generator)[0]
        if self.masks == "none":
            return masks[:, :0]
        return merge_masks(masks)


INSTAGAN = Method("instagan", "InstaGAN", "instances")
CYCLEGAN = Method("cyclegan", "CycleGAN", "none")
CYCLEGAN_SEG = Method("cyclegan_seg", "CycleGAN + Seg", "union")
_BY_NAME = {m.name: m for m in (INSTAGAN, CYCLEGAN, CYCLEGAN_SEG)}
METHODS = tuple(_BY_NAME)
"""The method names: ``("instagan", "cyclegan", "cyclegan_seg")``."""


def get_method(name: str) -> Method:
    """The :class:`Method` called ``name``; a ValueError that lists the names for any other."""
    if name not in _BY_NAME:
        raise ValueError(f"method must be one of {METHODS}, got {name!r}")
    return _BY_NAME[name]
