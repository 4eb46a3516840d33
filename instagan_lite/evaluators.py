"""Learned evaluators for the shapes benchmark: a domain classifier, a crop shape classifier and KID.

The ground-truth measures in :mod:`instagan_lite.metrics` need translated masks; a mask-free method
(CycleGAN) has none, and the paper reports learned scores anyway. So, as in the paper:

- **classification score**: the fraction of translated images that a *domain classifier*, trained on
  real images of both domains, assigns to the target domain;
- **KID** (kernel inception distance, Bińkowski et al. 2018) between translated images and real target
  images, on the domain classifier's penultimate features instead of Inception's (nothing is downloaded);
- **crop shape success**: a *crop classifier*, trained on real instance crops of both domains, judges the
  translated image around each input instance's centroid: the shape measure for methods without masks.

Both evaluator networks are small CNNs trained in seconds from a seed on scenes that neither the GANs
(``train`` split) nor the benchmark (``test`` split) use, and cached on disk (:func:`load_evaluators`).

Learned scores are necessary, not sufficient: small evaluator CNNs and a GAN's discriminator see alike,
and a translation can satisfy them with artefacts (vertical streaks read as "tall"). Always read them next
to the ground-truth measures.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .data.dataset import InstanceMaskDataset, ShapesDataset
from .data.layout import DatasetError
from .data.sources import SHAPES, evaluation_phase
from .masks import instance_validity

__all__ = [
    "EvaluatorCNN",
    "EvaluatorConfig",
    "Evaluators",
    "LearnedMetrics",
    "cache_dir",
    "classification_score",
    "crop_shape_success",
    "instance_crops",
    "kid",
    "learned_metrics",
    "load_evaluators",
    "train_evaluators",
]

DOMAIN_CLASS = {"A": 0, "B": 1}


class EvaluatorCNN(nn.Module):
    """A four-conv classifier for images of any size: (B, 3, H, W) in [-1, 1] → logits (B, classes).

    Plain convolutions and LeakyReLU (no normalisation, so a prediction does not depend on the batch),
    then global average pooling to ``4 * width`` features (:meth:`features`) and a linear head. After
    training, ``feature_scale`` is set so that real images' features have unit RMS (KID's cubic kernel
    is sensitive to the feature magnitude).
    """

    def __init__(self, width: int = 16, classes: int = 2) -> None:
        super().__init__()
        w = width
        self.trunk = nn.Sequential(
            nn.Conv2d(3, w, 3, 1, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * w, 4 * w, 3, 1, 1), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )  # fmt: skip
        self.head = nn.Linear(4 * w, classes)
        self.register_buffer("feature_scale", torch.ones(()))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Penultimate features (B, 4·width) divided by ``feature_scale``: what KID compares."""
        return self.trunk(images) / self.feature_scale

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(images))


def instance_crops(images: torch.Tensor, masks: torch.Tensor, crop: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Square crops of ``images`` (N, 3, S, S) centred on the centroid of every present instance of
    ``masks`` (N, K, S, S); edges are replicated where a crop leaves the image.

    Returns the crops (M, 3, crop, crop) and the (M,) index of the image each came from, instances in
    image-then-slot order.
    """
    if images.dim() != 4 or masks.dim() != 4 or images.shape[0] != masks.shape[0]:
        raise ValueError(
            f"expected images (N, 3, S, S) and masks (N, K, S, S), got {tuple(images.shape)} and {tuple(masks.shape)}"
        )
    half = crop // 2
    padded = F.pad(images, (half, half, half, half), mode="replicate")
    crops, owners = [], []
    for i, k in torch.nonzero(instance_validity(masks), as_tuple=False).tolist():
        ys, xs = torch.nonzero(masks[i, k] > 0, as_tuple=True)
        cy, cx = int(ys.float().mean().round()), int(xs.float().mean().round())
        # centre (cy, cx) in the image is (cy + half, cx + half) in the padded one
        crops.append(padded[i, :, cy : cy + crop, cx : cx + crop])
        owners.append(i)
    if not crops:
        return images.new_zeros(0, 3, crop, crop), torch.zeros(0, dtype=torch.long)
    return torch.stack(crops), torch.tensor(owners)


@dataclass
class EvaluatorConfig:
    """How the evaluators are trained. ``source`` is ``"shapes"`` (the built-in benchmark) or a dataset
    folder in the authors' layout whose images are ``size`` px; ``crop`` defaults to half the image size
    (it holds a whole object)."""

    source: str = "shapes"
    size: int = 32
    seed: int = 0
    images_per_domain: int = 1000
    steps: int = 300
    batch_size: int = 64
    lr: float = 2e-3
    width: int = 16
    crop: int | None = None

    @property
    def crop_size(self) -> int:
        return self.crop or self.size // 2


@dataclass
class Evaluators:
    """The trained domain classifier and crop classifier, with their held-out accuracies."""

    config: EvaluatorConfig
    domain: EvaluatorCNN
    crop: EvaluatorCNN
    domain_accuracy: float
    crop_accuracy: float


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Label-preserving augmentation: horizontal and vertical flips and a random permutation of the colour
    channels (shape is the class; orientation sign and colour are not)."""
    n = x.shape[0]
    flip_h = torch.rand(n, generator=generator) < 0.5
    flip_v = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip_h[:, None, None, None], x.flip(-1), x)
    x = torch.where(flip_v[:, None, None, None], x.flip(-2), x)
    perm = torch.stack([torch.randperm(3, generator=generator) for _ in range(n)])
    return torch.gather(x, 1, perm[:, :, None, None].expand_as(x))


def _fit(net: EvaluatorCNN, x: torch.Tensor, y: torch.Tensor, config: EvaluatorConfig, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)
    net.train()
    for _ in range(config.steps):
        idx = torch.randint(0, x.shape[0], (config.batch_size,), generator=generator)
        loss = F.cross_entropy(net(_augment(x[idx], generator)), y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    net.eval()


@torch.no_grad()
def _accuracy(net: EvaluatorCNN, x: torch.Tensor, y: torch.Tensor) -> float:
    return (net(x).argmax(1) == y).float().mean().item()


def _folder_phases(root: Path) -> tuple[str, str]:
    """(training phase, held-out phase) of a dataset folder: its ``evaluator`` / ``evaluator_check``
    phases when it has them (a written shapes benchmark), else ``train`` and its test split."""
    if all((root / f"evaluator{d}").is_dir() and (root / f"evaluator_check{d}").is_dir() for d in "AB"):
        return "evaluator", "evaluator_check"
    return "train", evaluation_phase(root)


def _items(config: EvaluatorConfig, domain: str, split: str, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Up to ``n`` images (n, 3, S, S) and masks (n, K, S, S) of ``domain`` from ``split``."""
    if config.source == SHAPES:
        data = ShapesDataset(domain, split, config.size, n, config.seed)
    else:
        data = InstanceMaskDataset(config.source, domain, split)
    items = [data[i] for i in range(min(n, len(data)))]
    sizes = {tuple(it["image"].shape[-2:]) for it in items}
    if sizes != {(config.size, config.size)}:
        raise DatasetError(
            f"{config.source}: the {split}{domain} images are {sorted(sizes)} px; the evaluators need "
            f"{config.size}×{config.size} (convert the dataset to one square size)"
        )
    return torch.stack([it["image"] for it in items]), torch.stack([it["masks"] for it in items])


def _real_data(config: EvaluatorConfig, split: str, n: int) -> dict[str, torch.Tensor]:
    """Images, labels, instance crops and crop labels of up to ``n`` scenes per domain from ``split``."""
    images, labels, crops, crop_labels = [], [], [], []
    for domain, label in DOMAIN_CLASS.items():
        x, m = _items(config, domain, split, n)
        n = x.shape[0]
        c, _ = instance_crops(x, m, config.crop_size)
        images.append(x)
        labels.append(torch.full((n,), label))
        crops.append(c)
        crop_labels.append(torch.full((c.shape[0],), label))
    return {
        "images": torch.cat(images),
        "labels": torch.cat(labels),
        "crops": torch.cat(crops),
        "crop_labels": torch.cat(crop_labels),
    }


def train_evaluators(config: EvaluatorConfig | None = None) -> Evaluators:
    """Train both evaluators on real scenes and measure their accuracy on 200 held-out scenes per domain.

    The shapes benchmark (and a folder it was written to) has its own ``evaluator`` and
    ``evaluator_check`` splits, which neither the GANs' ``train`` nor the benchmark's ``test`` scenes
    share; any other dataset folder trains them on its ``train`` split and checks them on its test split."""
    config = config or EvaluatorConfig()
    torch.manual_seed(config.seed)
    train_split, check_split = ("evaluator", "evaluator_check")
    if config.source != SHAPES:
        train_split, check_split = _folder_phases(Path(config.source))
    train = _real_data(config, train_split, config.images_per_domain)
    held_out = _real_data(config, check_split, 200)
    domain, crop = EvaluatorCNN(config.width), EvaluatorCNN(config.width)
    _fit(domain, train["images"], train["labels"], config, config.seed)
    _fit(crop, train["crops"], train["crop_labels"], config, config.seed + 1)
    with torch.no_grad():
        domain.feature_scale.copy_(domain.trunk(train["images"]).pow(2).mean().sqrt())
    return Evaluators(
        config,
        domain,
        crop,
        _accuracy(domain, held_out["images"], held_out["labels"]),
        _accuracy(crop, held_out["crops"], held_out["crop_labels"]),
    )


def cache_dir() -> Path:
    """``$INSTAGAN_LITE_CACHE``, else ``$XDG_CACHE_HOME/instagan_lite``, else ``~/.cache/instagan_lite``."""
    if os.environ.get("INSTAGAN_LITE_CACHE"):
        return Path(os.environ["INSTAGAN_LITE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "instagan_lite"


def _cache_key(config: EvaluatorConfig) -> str:
    """A name for the cached evaluators of ``config``; for a folder it also covers the folder's absolute
    path and its training images (names and sizes), so a changed dataset is retrained."""
    described = asdict(config)
    if config.source != SHAPES:
        root = Path(config.source).resolve()
        described["source"] = str(root)
        phase = _folder_phases(root)[0]
        files = sorted((p.name, p.stat().st_size) for d in "AB" for p in (root / f"{phase}{d}").iterdir())
        described["files"] = files
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:20]


def load_evaluators(config: EvaluatorConfig | None = None, cache: Path | str | None = None) -> Evaluators:
    """The evaluators for ``config``: from the cache if a matching file is there, else trained (about
    15 s on 2 CPU cores at 32 px) and written to the cache. A cache file that cannot be read is retrained."""
    config = config or EvaluatorConfig()
    path = Path(cache or cache_dir()) / f"evaluators_{_cache_key(config)}.pt"
    try:
        state = load_checkpoint(path)
        if state.get("kind") == "evaluators":
            domain, crop = EvaluatorCNN(config.width), EvaluatorCNN(config.width)
            domain.load_state_dict(state["domain"])
            crop.load_state_dict(state["crop"])
            return Evaluators(config, domain.eval(), crop.eval(), state["domain_accuracy"], state["crop_accuracy"])
    except CheckpointError:
        pass
    evaluators = train_evaluators(config)
    save_checkpoint(
        {
            "kind": "evaluators",
            "config": asdict(config),
            "domain": evaluators.domain.state_dict(),
            "crop": evaluators.crop.state_dict(),
            "domain_accuracy": evaluators.domain_accuracy,
            "crop_accuracy": evaluators.crop_accuracy,
        },
        path,
    )
    return evaluators


@torch.no_grad()
def classification_score(classifier: EvaluatorCNN, images: torch.Tensor, target_domain: str) -> float:
    """Fraction of ``images`` (N, 3, S, S) in [-1, 1] the domain classifier assigns to ``target_domain``."""
    return (classifier(images).argmax(1) == DOMAIN_CLASS[target_domain]).float().mean().item()


@torch.no_grad()
def crop_shape_success(
    classifier: EvaluatorCNN, translated: torch.Tensor, input_masks: torch.Tensor, target_domain: str, crop: int
) -> float | None:
    """Fraction of input instances whose crop of the *translated* image (N, 3, S, S), centred on the
    instance's input centroid (masks (N, K, S, S)), the crop classifier calls ``target_domain``.
    None if there is no instance."""
    crops, _ = instance_crops(translated, input_masks, crop)
    if crops.shape[0] == 0:
        return None
    return (classifier(crops).argmax(1) == DOMAIN_CLASS[target_domain]).float().mean().item()


def _polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # k(x, y) = (x·y / d + 1)³, the kernel of KID
    return (x @ y.T / x.shape[1] + 1) ** 3


KID_MIN_SAMPLES = 50
"""Fewer samples per set than this make :func:`kid` warn."""


def kid(
    features_x: torch.Tensor,
    features_y: torch.Tensor,
    subsets: int = 50,
    subset_size: int = 100,
    seed: int = 0,
) -> tuple[float, float]:
    """Kernel inception distance between two feature sets (N, D) and (M, D): mean and std over ``subsets``
    random subsets of the unbiased MMD² with the kernel k(x, y) = (x·y / D + 1)³.

    For one subset X, Y of size m:
        MMD²_u = Σ_{i≠j} k(x_i, x_j) / m(m−1) + Σ_{i≠j} k(y_i, y_j) / m(m−1) − 2 Σ_{i,j} k(x_i, y_j) / m²
    It is 0 in expectation when both sets come from the same distribution (it can be slightly negative).
    ``subset_size`` is capped at the smaller set's size.
    """
    if features_x.dim() != 2 or features_y.dim() != 2 or features_x.shape[1] != features_y.shape[1]:
        raise ValueError(
            f"expected features (N, D) and (M, D), got {tuple(features_x.shape)} and {tuple(features_y.shape)}"
        )
    m = min(subset_size, features_x.shape[0], features_y.shape[0])
    if m < 2:
        raise ValueError("KID needs at least 2 samples in each set")
    if m < KID_MIN_SAMPLES:
        warnings.warn(
            f"KID from {m} samples per set is unreliable (its spread across subsets is larger than the differences "
            f"it is meant to show; with 10 samples the identity scored KID×100 = −536): use at least "
            f"{KID_MIN_SAMPLES} images",
            UserWarning,
            stacklevel=2,
        )
    generator = torch.Generator().manual_seed(seed)
    x_all, y_all = features_x.double(), features_y.double()
    values = []
    for _ in range(subsets):
        x = x_all[torch.randperm(x_all.shape[0], generator=generator)[:m]]
        y = y_all[torch.randperm(y_all.shape[0], generator=generator)[:m]]
        k_xx, k_yy, k_xy = _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
        within = (k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
        values.append((within - 2 * k_xy.mean()).item())
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1))
    return mean, std


@dataclass
class LearnedMetrics:
    """Learned scores of one direction: classification score, KID (and its std over subsets) against real
    target images, and crop shape success (None when there is no instance)."""

    classification_score: float
    kid: float
    kid_std: float
    crop_shape_success: float | None

    def as_dict(self) -> dict:
        return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@torch.no_grad()
def learned_metrics(
    evaluators: Evaluators,
    translated: torch.Tensor,
    input_masks: torch.Tensor,
    real_target: torch.Tensor,
    target_domain: str,
) -> LearnedMetrics:
    """All learned scores for translated images (N, 3, S, S) of inputs with masks (N, K, S, S), against
    real target-domain images (M, 3, S, S); everything in [-1, 1]."""
    kid_mean, kid_std = kid(evaluators.domain.features(translated), evaluators.domain.features(real_target))
    return LearnedMetrics(
        classification_score=classification_score(evaluators.domain, translated, target_domain),
        kid=kid_mean,
        kid_std=kid_std,
        crop_shape_success=crop_shape_success(
            evaluators.crop, translated, input_masks, target_domain, evaluators.config.crop_size
        ),
    )
