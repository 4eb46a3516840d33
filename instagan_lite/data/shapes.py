"""The shapes benchmark: a generated two-domain instance dataset with a counterfactual oracle.

Domain A ("sheep"): wide ellipses with semi-axes (r, r/2). Domain B ("giraffe"): tall rectangles with
half-sizes (0.45 r, 0.9 r). r ~ U[0.16 S, 0.25 S] in both domains, so area (1.57 r² vs 1.62 r²) and
position carry no domain information: only shape does. Background (a colour, one or two low-frequency
sinusoidal gratings, a little noise) and object colours (with a light per-pixel texture) are drawn from
the same distributions in both domains. 1–4 instances per image with small pairwise overlap; later
instances occlude earlier ones and the masks are the visible parts.

A scene's random draws do not depend on its domain, so rendering the same :class:`Scene` with the other
shape gives the ideal translation (the *oracle*) with its masks, used only for evaluation.
See ``docs/shapes_benchmark.md`` in the repository.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "BENCHMARK_SHAPES",
    "DOMAINS",
    "SHAPES",
    "Scene",
    "make_shapes_batch",
    "render_scene",
    "sample_scene",
    "scene_rng",
    "shape_mask",
]

DOMAINS = ("A", "B")
BENCHMARK_SHAPES = ("ellipse", "rectangle")
"""The shape of domain A and of domain B in the benchmark."""
SHAPES = ("ellipse", "rectangle", "disc", "triangle", "diamond")
"""Every shape :func:`shape_mask` draws; any two make a pair of domains (e.g. a held-out pair to check that
a recipe does not lean on ellipses and rectangles)."""


@dataclass(frozen=True)
class Scene:
    """Everything random about one image, independent of the shape class.

    centres (n, 2) as (y, x) in pixels, radii (n,), colours (n, 3) in [-1, 1], background (3, S, S) in
    [-1, 1], texture (n, S, S): per-pixel colour jitter of each object.
    """

    size: int
    centres: np.ndarray
    radii: np.ndarray
    colours: np.ndarray
    background: np.ndarray
    texture: np.ndarray


def scene_rng(seed: int, stream: str, index: int) -> np.random.Generator:
    """The RNG of scene ``index`` of ``stream`` (e.g. ``"trainA"``) under ``seed``; streams are independent."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode()), index])


def sample_scene(
    size: int,
    rng: np.random.Generator,
    n_instances: int | None = None,
    radius_range: tuple[float, float] = (0.16, 0.25),
) -> Scene:
    """Draw a scene of ``size``×``size`` px with ``n_instances`` objects (default: uniform 1–4).

    Centres are placed by rejection so that objects keep apart (distance ≥ 1.2 × the larger radius);
    when that fails after many tries the last candidate is taken anyway, so crowded scenes (many
    instances, used by the benchmarks) simply overlap more.
    """
    if size < 8 or size % 4:
        raise ValueError(f"size must be a multiple of 4 and at least 8, got {size}")
    n = int(rng.integers(1, 5)) if n_instances is None else n_instances
    if n < 1:
        raise ValueError(f"n_instances must be >= 1, got {n}")
    radii = rng.uniform(radius_range[0] * size, radius_range[1] * size, n)
    centres = np.zeros((n, 2))
    for i in range(n):
        for _ in range(200):
            c = rng.uniform(radii[i], size - radii[i], 2)
            if all(np.hypot(*(c - centres[j])) >= 1.2 * max(radii[i], radii[j]) for j in range(i)):
                break
        centres[i] = c
    yy, xx = np.mgrid[0:size, 0:size] / size
    base = rng.uniform(-0.6, 0.6, (3, 1, 1))
    background = np.broadcast_to(base, (3, size, size)).copy()
    for _ in range(int(rng.integers(1, 3))):
        fy, fx = rng.uniform(-2, 2, 2)
        phase, amp = rng.uniform(0, 2 * np.pi), rng.uniform(0.1, 0.25)
        tint = rng.uniform(0.5, 1.0, (3, 1, 1))
        background += amp * tint * np.sin(2 * np.pi * (fy * yy + fx * xx) + phase)
    background += rng.normal(0, 0.03, background.shape)
    colours = np.zeros((n, 3))
    for i in range(n):
        for _ in range(100):  # keep objects visible against the background
            colours[i] = rng.uniform(-1, 1, 3)
            if np.abs(colours[i] - base[:, 0, 0]).sum() > 0.9:
                break
    texture = rng.normal(0, 0.06, (n, size, size))
    return Scene(size, centres, radii, colours, np.clip(background, -1, 1), texture)


def shape_mask(shape: str, size: int, centre: np.ndarray, r: float) -> np.ndarray:
    """bool (size, size): one object of size parameter r centred at ``centre`` (y, x). Every shape covers
    about 1.6 r² so that area says nothing about the shape:

    - ``"ellipse"``: wide, semi-axes (r, r/2) — the benchmark's domain A;
    - ``"rectangle"``: tall, half-sizes (0.45 r, 0.9 r) — the benchmark's domain B;
    - ``"disc"``: radius 0.72 r; ``"triangle"``: pointing up, base 1.9 r, height 1.7 r;
      ``"diamond"``: a square turned 45°, half-diagonal 0.9 r.
    """
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    dy, dx = yy - centre[0], xx - centre[1]
    if shape == "ellipse":
        return (dx / r) ** 2 + (dy / (r / 2)) ** 2 <= 1
    if shape == "rectangle":
        return (np.abs(dx) <= 0.45 * r) & (np.abs(dy) <= 0.9 * r)
    if shape == "disc":
        return dx**2 + dy**2 <= (0.72 * r) ** 2
    if shape == "triangle":  # apex at dy = -0.85 r, base at dy = +0.85 r
        height, half_base = 1.7 * r, 0.95 * r
        depth = dy + 0.85 * r  # 0 at the apex, height at the base
        return (depth >= 0) & (depth <= height) & (np.abs(dx) <= half_base * depth / height)
    if shape == "diamond":
        return np.abs(dx) + np.abs(dy) <= 0.9 * r
    raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")


def render_scene(
    scene: Scene, domain: str, shapes: tuple[str, str] = BENCHMARK_SHAPES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render ``scene`` with the shape of ``domain``: ``shapes[0]`` for "A", ``shapes[1]`` for "B"
    (the benchmark: ellipses and rectangles).

    Returns image (3, S, S) float32 in [-1, 1] on the 8-bit grid (k / 127.5 − 1, so a PNG round trip is
    exact); masks (n, S, S) float32 in {-1, 1}, the visible part of each object (later objects occlude
    earlier ones) sorted by decreasing area, fully hidden objects dropped; and ids (n,), the object index
    of each mask (to pair a mask with its oracle).
    """
    if domain not in DOMAINS:
        raise ValueError(f"domain must be 'A' or 'B', got {domain!r}")
    image = scene.background.copy()
    shape = shapes[DOMAINS.index(domain)]
    full = [shape_mask(shape, scene.size, c, r) for c, r in zip(scene.centres, scene.radii)]
    visible = []
    for i, m in enumerate(full):
        image[:, m] = np.clip(scene.colours[i][:, None] + scene.texture[i][m][None], -1, 1)
        visible = [v & ~m for v in visible] + [m.copy()]
    order = sorted(range(len(visible)), key=lambda i: -int(visible[i].sum()))
    ids = np.array([i for i in order if visible[i].any()])
    masks = np.stack([np.where(visible[i], 1.0, -1.0) for i in ids])
    # 8-bit, as every real image is; computed in float32 exactly as the PNG reader does
    levels = np.round((np.clip(image, -1, 1) + 1) * 127.5).astype(np.float32)
    return levels / np.float32(127.5) - np.float32(1), masks.astype(np.float32), ids


def make_shapes_batch(
    domain: str,
    batch: int,
    size: int,
    n_instances: int | None = None,
    seed: int = 0,
    slots: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of shapes images (B, 3, S, S) and masks (B, slots, S, S), -1 padded.

    With many instances (the benchmarks use up to 16) the radii shrink so that they fit.
    """
    n_max = n_instances or 4
    scale = min(1.0, 2.0 / np.sqrt(n_max))
    radius_range = (0.16 * scale, 0.25 * scale)
    slots = slots or n_max
    images, masks = [], []
    for i in range(batch):
        scene = sample_scene(size, scene_rng(seed, "bench", i), n_instances, radius_range)
        image, m, _ = render_scene(scene, domain)
        padded = -np.ones((slots, size, size), np.float32)
        padded[: min(slots, len(m))] = m[:slots]
        images.append(image)
        masks.append(padded)
    return torch.from_numpy(np.stack(images)), torch.from_numpy(np.stack(masks))
