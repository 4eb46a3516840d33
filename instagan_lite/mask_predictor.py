"""Instance masks from a model, for images that come without them.

InstaGAN needs the instance masks of the image it translates. The authors' answer for photos without
masks was a separately trained mask predictor (their issues #8, #32), with the warning that InstaGAN is
sensitive to mask quality (#15). This module is such a predictor, small enough to train on a CPU in a
minute or two on a dataset's own images and masks:

* :class:`MaskPredictor`, a small U-Net: image (B, 3, S, S) → logits (B, 3, S, S) over three classes per
  pixel — background, instance interior, instance edge. Predicting the edge of every instance (a pixel
  whose 4-neighbour belongs to another instance or the background) lets touching instances be told apart;
* :func:`masks_from_logits`: the instances are the 4-connected components of the interior, grown back
  over the edge pixels next to them, sorted by decreasing area — masks (B, K, S, S) in [-1, 1], absent
  slots -1, as every other part of the library expects;
* :func:`train_mask_predictor`, :func:`save_mask_predictor` / :func:`load_mask_predictor`, and
  :func:`mask_quality`: instance IoU against the true masks and instances found / missed / split / merged.

A predictor records the dataset and the domains it was trained on; asking it for masks of another domain
is an error (:func:`check_domain`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .data.sources import DataConfig, build_datasets
from .masks import component_labels, pad_masks

__all__ = [
    "MaskPredictor",
    "MaskPredictorConfig",
    "TrainedMaskPredictor",
    "check_domain",
    "instance_targets",
    "load_mask_predictor",
    "mask_quality",
    "masks_from_logits",
    "predict_masks",
    "save_mask_predictor",
    "train_mask_predictor",
]

BACKGROUND, INTERIOR, EDGE = 0, 1, 2


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1),
        nn.InstanceNorm2d(c_out, affine=True),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1),
        nn.InstanceNorm2d(c_out, affine=True),
        nn.ReLU(inplace=True),
    )


@dataclass(frozen=True)
class MaskPredictorConfig:
    """The U-Net's widths: ``width`` channels at full resolution, doubling at each of ``levels`` 2×
    downsamplings (S must be a multiple of 2^levels)."""

    width: int = 16
    levels: int = 2


class MaskPredictor(nn.Module):
    """A small U-Net: image (B, 3, S, S) in [-1, 1] → logits (B, 3, S, S) over background / instance
    interior / instance edge."""

    def __init__(self, config: MaskPredictorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or MaskPredictorConfig()
        widths = [config.width * 2**i for i in range(config.levels + 1)]
        self.down = nn.ModuleList([_block(3, widths[0])] + [_block(a, b) for a, b in itertools.pairwise(widths)])
        self.up = nn.ModuleList([_block(b + a, a) for a, b in itertools.pairwise(widths)])
        self.head = nn.Conv2d(widths[0], 3, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        skips = []
        x = images
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for block, skip in zip(reversed(self.up), reversed(skips[:-1])):
            x = block(torch.cat([skip, F.interpolate(x, scale_factor=2.0, mode="nearest")], 1))
        return self.head(x)


def instance_targets(masks: torch.Tensor) -> torch.Tensor:
    """Per-pixel classes (B, S, S) long from instance masks (B, K, S, S) in [-1, 1]: 0 background,
    1 interior, 2 edge (an instance pixel with a 4-neighbour outside that instance; the image border
    does not count). Where instances overlap, the first slot wins."""
    inside = masks > 0
    owner = torch.where(inside.any(1), inside.float().argmax(1) + 1, 0)  # (B, S, S): 0 or slot + 1
    p = F.pad(owner[:, None].float(), (1, 1, 1, 1), mode="replicate")[:, 0].long()
    neighbours = torch.stack([p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]])
    edge = (owner > 0) & (neighbours != owner).any(0)
    return torch.where(owner > 0, torch.where(edge, EDGE, INTERIOR), BACKGROUND)


def masks_from_logits(logits: torch.Tensor, max_instances: int = 4, min_area: int = 4) -> torch.Tensor:
    """Instance masks (B, max_instances, S, S) in [-1, 1] from logits (B, 3, S, S).

    The instances are the 4-connected components of the interior pixels with at least ``min_area``
    pixels; each grows over the adjacent edge pixels (a few 3×3 dilations inside the predicted
    foreground), then they are sorted by decreasing area; the slots left are -1."""
    classes = logits.argmax(1)
    foreground = classes != BACKGROUND
    labels = component_labels(classes == INTERIOR)
    out = []
    for b in range(logits.shape[0]):
        ids, counts = labels[b].unique(return_counts=True)
        keep = [(int(c), int(i)) for i, c in zip(ids.tolist(), counts.tolist()) if i != 0 and c >= min_area]
        planes = [labels[b] == i for _, i in sorted(keep, reverse=True)]
        if planes:
            grown = torch.stack(planes).float()[:, None]
            for _ in range(2):  # edges are one or two pixels wide
                dilated = F.max_pool2d(grown, 3, 1, 1) > 0
                taken = grown.sum(0, keepdim=True) > 0
                grown = (grown > 0) | (dilated & ~taken & foreground[b][None, None])
                grown = grown.float()
            masks = grown[:, 0] * 2 - 1
        else:
            masks = logits.new_empty(0, *logits.shape[-2:])
        out.append(pad_masks(masks[None, :max_instances], max_instances)[0])
    return torch.stack(out)


@dataclass
class TrainedMaskPredictor:
    """A predictor with what it was trained on: the dataset (``source``), its image ``size``, the
    ``domains`` whose images and masks it saw, and its measured quality on the test split."""

    net: MaskPredictor
    source: str
    size: int
    domains: tuple[str, ...]
    quality: dict = field(default_factory=dict)


@torch.no_grad()
def predict_masks(predictor: TrainedMaskPredictor, images: torch.Tensor, max_instances: int = 4) -> torch.Tensor:
    """Instance masks (B, max_instances, S, S) in [-1, 1] for images (B, 3, S, S) in [-1, 1]."""
    if images.shape[-1] != predictor.size or images.shape[-2] != predictor.size:
        raise ValueError(
            f"the mask predictor was trained on {predictor.size}×{predictor.size} images; got "
            f"{images.shape[-2]}×{images.shape[-1]}"
        )
    predictor.net.eval()
    return masks_from_logits(predictor.net(images), max_instances)


def check_domain(predictor: TrainedMaskPredictor, source: str, domain: str) -> None:
    """Raise ``ValueError`` unless ``predictor`` was trained on images of ``domain`` of dataset ``source``."""
    if predictor.source != source or domain not in predictor.domains:
        raise ValueError(
            f"this mask predictor was trained on domain(s) {', '.join(predictor.domains)} of {predictor.source}; "
            f"it cannot be trusted on domain {domain} of {source} (train one with "
            f"`python -m instagan_lite train-masks --data {source}`)"
        )


def mask_quality(predicted: torch.Tensor, true: torch.Tensor, threshold: float = 0.5) -> dict:
    """How well predicted instance masks match the true ones, both (N, K, S, S) in [-1, 1].

    Each true instance is matched to the predicted instance with the highest IoU. Returns ``iou`` (mean
    best IoU over true instances), ``found`` (fraction with best IoU ≥ ``threshold``), ``missed``
    (fraction no predicted instance touches), ``split`` (fraction covered, each over ≥ 20 % of its area,
    by two or more predicted instances), ``merged`` (fraction of predicted instances that cover ≥ 20 % of
    two or more true instances, over predicted instances) and the counts."""
    ious, found, missed, split, merged, n_true, n_pred = [], 0, 0, 0, 0, 0, 0
    for p_masks, t_masks in zip(predicted > 0, true > 0):
        p_masks = p_masks[p_masks.flatten(1).any(1)]
        t_masks = t_masks[t_masks.flatten(1).any(1)]
        n_true, n_pred = n_true + len(t_masks), n_pred + len(p_masks)
        if len(t_masks) == 0:
            continue
        if len(p_masks) == 0:
            ious += [0.0] * len(t_masks)
            missed += len(t_masks)
            continue
        inter = (t_masks[:, None] & p_masks[None]).flatten(2).sum(-1).float()  # (T, P)
        union = (t_masks[:, None] | p_masks[None]).flatten(2).sum(-1).float()
        iou = inter / union
        best = iou.max(1).values
        ious += best.tolist()
        found += int((best >= threshold).sum())
        missed += int((inter.sum(1) == 0).sum())
        covers = inter / t_masks.flatten(1).sum(1, keepdim=True).float() >= 0.2  # (T, P)
        split += int((covers.sum(1) >= 2).sum())
        merged += int((covers.sum(0) >= 2).sum())
    return {
        "iou": sum(ious) / len(ious) if ious else None,
        "found": found / n_true if n_true else None,
        "missed": missed / n_true if n_true else None,
        "split": split / n_true if n_true else None,
        "merged": merged / n_pred if n_pred else None,
        "true_instances": n_true,
        "predicted_instances": n_pred,
    }


def _batches(config: DataConfig, domains: Sequence[str], seed: int, batch_size: int):
    """Endless batches (images, masks) of the chosen domains' training images, augmented."""
    datasets = dict(zip("AB", build_datasets(config, "train", seed)))
    items = [(d, i) for d in domains for i in range(len(datasets[d]))]
    batch_size = min(batch_size, len(items))  # a tiny dataset: one batch of everything
    generator = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(len(items), generator=generator).tolist()
        for start in range(0, len(items) - batch_size + 1, batch_size):
            chosen = [datasets[items[j][0]][items[j][1]] for j in order[start : start + batch_size]]
            images = torch.stack([c["image"] for c in chosen])
            masks = torch.stack([c["masks"][:20] for c in chosen])
            yield images, masks


def train_mask_predictor(
    data: DataConfig,
    domains: Sequence[str] = ("A", "B"),
    steps: int = 1500,
    minutes: float | None = None,
    batch_size: int = 16,
    lr: float = 2e-3,
    seed: int = 0,
    config: MaskPredictorConfig | None = None,
    progress: bool = True,
) -> TrainedMaskPredictor:
    """Train a :class:`MaskPredictor` on the training images and masks of ``domains`` of ``data`` for
    ``steps`` Adam steps (or until ``minutes`` run out), cross-entropy with the rare edge class weighted
    ×3; then measure it on the test split (:func:`mask_quality`)."""
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    net = MaskPredictor(config)
    optimizer = torch.optim.Adam(net.parameters(), lr)
    weight = torch.tensor([1.0, 1.0, 3.0])
    batches = _batches(data, domains, seed, batch_size)
    start = time.perf_counter()
    net.train()
    for _ in tqdm(range(steps), desc="mask predictor", disable=not progress):
        images, masks = next(batches)
        loss = F.cross_entropy(net(images), instance_targets(masks), weight=weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if minutes is not None and time.perf_counter() - start > 60 * minutes:
            break
    net.eval()
    predictor = TrainedMaskPredictor(net, data.source, data.size, tuple(domains))
    predictor.quality = evaluate_mask_predictor(predictor, data)
    return predictor


@torch.no_grad()
def evaluate_mask_predictor(predictor: TrainedMaskPredictor, data: DataConfig, n: int = 200) -> dict:
    """:func:`mask_quality` per trained domain on up to ``n`` test images of ``data``."""
    datasets = dict(zip("AB", build_datasets(data, "test")))
    quality = {}
    for domain in predictor.domains:
        items = [datasets[domain][i] for i in range(min(n, len(datasets[domain])))]
        images = torch.stack([it["image"] for it in items])
        true = torch.stack([it["masks"] for it in items])
        quality[domain] = mask_quality(predict_masks(predictor, images, true.shape[1]), true)
    return quality


def save_mask_predictor(predictor: TrainedMaskPredictor, path: Path | str) -> Path:
    """Write a predictor with what it was trained on (atomically)."""
    return save_checkpoint(
        {
            "kind": "mask_predictor",
            "config": asdict(predictor.net.config),
            "state": predictor.net.state_dict(),
            "source": predictor.source,
            "size": predictor.size,
            "domains": list(predictor.domains),
            "quality": predictor.quality,
        },
        path,
    )


def load_mask_predictor(path: Path | str) -> TrainedMaskPredictor:
    """Read a predictor written by :func:`save_mask_predictor`; :class:`CheckpointError` otherwise."""
    state = load_checkpoint(path)
    if state.get("kind") != "mask_predictor":
        raise CheckpointError(f"{path}: an instagan-lite {state.get('kind')!r} file, not a mask predictor")
    net = MaskPredictor(MaskPredictorConfig(**state["config"]))
    net.load_state_dict(state["state"])
    return TrainedMaskPredictor(net.eval(), state["source"], state["size"], tuple(state["domains"]), state["quality"])
