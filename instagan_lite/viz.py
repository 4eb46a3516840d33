"""Pictures: masks as coloured overlays and grids of translations. Pure functions returning arrays or
figures; the notebooks' widgets and the trainer's sample grids are thin shells over these."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "PALETTE",
    "compare_translations_figure",
    "draw_instances",
    "mask_overlay",
    "plain_images_figure",
    "save_figure",
    "sequential_strip",
    "set_generator_diagram",
    "to_numpy_image",
    "translation_figure",
]

PALETTE = np.array(
    [[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
     [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212]], dtype=np.float32,
) / 255  # fmt: skip


def to_numpy_image(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) in [-1, 1] -> (H, W, 3) float in [0, 1]."""
    return ((image.detach().cpu().float().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def mask_overlay(
    image: torch.Tensor, masks: torch.Tensor, alpha: float = 0.5, show: Sequence[bool] | None = None
) -> np.ndarray:
    """Blend each instance's colour over the image where its mask is on.

    Args:
        image: (3, H, W) in [-1, 1].
        masks: (K, H, W) in [-1, 1] (soft masks blend proportionally; absent slots add nothing).
        alpha: opacity of the overlay in [0, 1].
        show: optional K flags; hidden instances are not drawn.

    Returns: (H, W, 3) float in [0, 1]; slot k is drawn in ``PALETTE[k % 10]``.
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    out = to_numpy_image(image)
    weights = ((masks.detach().cpu().float() + 1) / 2).clamp(0, 1).numpy()
    for k, w in enumerate(weights):
        if show is not None and not show[k]:
            continue
        a = alpha * w[..., None]
        out = (1 - a) * out + a * PALETTE[k % len(PALETTE)]
    return out


def luminance(rgb: np.ndarray) -> float:
    """Relative luminance (Rec. 709 weights) of an RGB colour in [0, 1]: 0 black, 1 white."""
    return float(np.dot(np.asarray(rgb, dtype=np.float64)[:3], (0.2126, 0.7152, 0.0722)))


def draw_instances(
    ax,
    image: torch.Tensor,
    masks: torch.Tensor,
    alpha: float = 0.35,
    show: Sequence[bool] | None = None,
    legend: bool = True,
) -> None:
    """Draw an image with its instances on a matplotlib axis: a light fill, an outline per instance in its
    colour (``PALETTE[k]``) on a halo that contrasts with the object (white on a dark object, black on a
    light one, so that a red outline stays visible on a red object), and a legend naming the slots.
    image (3, H, W), masks (K, H, W) in [-1, 1]."""
    from matplotlib.patches import Patch

    ax.imshow(mask_overlay(image, masks, alpha, show))
    pixels = to_numpy_image(image)
    handles = []
    for k, mask in enumerate(masks.detach().cpu().float()):
        if (show is not None and not show[k]) or not (mask > 0).any():
            continue
        colour = PALETTE[k % len(PALETTE)]
        inside = (mask > 0).numpy()
        halo = "white" if luminance(pixels[inside].mean(0)) < 0.5 else "black"
        ax.contour(inside.astype(float), levels=[0.5], colors=[halo], linewidths=2.8)
        ax.contour(inside.astype(float), levels=[0.5], colors=[colour], linewidths=1.2)
        handles.append(Patch(facecolor=colour, edgecolor="black", label=f"instance {k}"))
    if legend and handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, frameon=False)
    ax.set_xticks([])
    ax.set_yticks([])


def translation_figure(
    images: torch.Tensor,
    masks: torch.Tensor,
    translated: torch.Tensor,
    translated_masks: torch.Tensor,
    title: str = "",
    oracle: torch.Tensor | None = None,
):
    """A figure with one column per sample and rows: input, input masks, translation, translated masks
    (and the oracle if given). Images (B, 3, H, W), masks (B, K, H, W), all in [-1, 1]. Made without
    pyplot (a :class:`matplotlib.figure.Figure`): display it, or write it with :func:`save_figure`."""
    from matplotlib.figure import Figure

    rows = [("input", images, None), ("input masks", images, masks), ("translation", translated, None)]
    if translated_masks.shape[1]:
        rows.append(("translated masks", translated, translated_masks))
    if oracle is not None:
        rows.append(("ideal (oracle)", oracle, None))
    n = images.shape[0]
    fig = Figure(figsize=(1.3 * n, 1.3 * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, (label, pictures, overlay) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            if overlay is None:
                ax.imshow(to_numpy_image(pictures[c]), interpolation="nearest")
            else:
                draw_instances(ax, pictures[c], overlay[c], legend=False)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def row_label(label: str, width: int = 24) -> str:
    """``label`` as the lines of a row label beside a row of small images: a line break before each
    `` (`` and `` + `` and after each ``: ``, then any line longer than ``width`` characters wrapped at
    spaces (never at a hyphen), so that a long label does not run past its row's height."""
    import textwrap

    parts = label.replace(" (", "\n(").replace(": ", ":\n").replace(" + ", "\n+ ").split("\n")
    return "\n".join(textwrap.fill(part, width, break_long_words=False, break_on_hyphens=False) for part in parts)


def plain_images_figure(rows: dict[str, torch.Tensor], title: str = "", width: float = 8.2):
    """Rows of plain images, one row per entry of ``rows`` (label -> (N, 3, H, W) in [-1, 1]), one column
    per sample, the label on the left: e.g. input, oracle and one row per system's translation of the
    same N inputs. Every row needs the same N. Made without pyplot (a :class:`matplotlib.figure.Figure`)."""
    from matplotlib.figure import Figure

    counts = {label: images.shape[0] for label, images in rows.items()}
    if not rows or len(set(counts.values())) != 1:
        raise ValueError(f"plain_images_figure needs rows of the same number of images, got {counts}")
    n = next(iter(counts.values()))
    fig = Figure(figsize=(width, width / n * 0.92 * len(rows) + (0.3 if title else 0)), layout="constrained")
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, (label, images) in enumerate(rows.items()):
        for c in range(n):
            axes[r, c].imshow(to_numpy_image(images[c]), interpolation="nearest")
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(row_label(label), fontsize=5)
    if title:
        fig.suptitle(title, fontsize=8)
    return fig


def compare_translations_figure(
    systems: dict,
    direction: str = "AtoB",
    n: int = 8,
    size: int = 32,
    title: str = "",
    data: Path | str | None = None,
):
    """Plain images of the first ``n`` test scenes of ``direction``'s source domain: the input, the oracle
    (the right answer, where the data has one), then one row per system, each translating the same inputs.
    The scenes are the built-in benchmark's at ``size`` px, or a dataset folder's test split (``data``,
    e.g. one written by ``make-shapes``; ``size`` is then the folder's). ``systems`` maps a row label to
    ``(model, options)``: a :class:`~instagan_lite.model.TranslationModel` and its
    :class:`~instagan_lite.translate.TranslateOptions` (None: the default), e.g.
    ``(loaded.model, loaded.options)`` of a shipped model. ``direction`` "AtoB" or "BtoA"."""
    from instagan_lite.data.sources import folder_test_sets, shapes_test_batch
    from instagan_lite.translate import translate

    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
    source, target = ("A", "B") if direction == "AtoB" else ("B", "A")
    if data is None:
        batch = shapes_test_batch(source, size, n)
        images, masks, oracle = batch["images"], batch["masks"], batch["oracle"]
    else:
        scenes = folder_test_sets(data, n)[direction]
        images, masks, oracle = scenes.images, scenes.masks, scenes.oracle
    rows = {f"input ({source})": images}
    if oracle is not None:
        rows[f"oracle ({target})"] = oracle
    with torch.no_grad():
        for label, (model, options) in systems.items():
            rows[label] = translate(model, images, masks, direction, options)[0]
    return plain_images_figure(rows, title)


def save_figure(fig, path: Path | str, dpi: int = 100) -> Path:
    """Save ``fig`` as PNG (creating folders); a pyplot figure is closed after."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, facecolor="white")
    plt.close(fig)  # frees a pyplot figure; a plain Figure is left to the garbage collector
    return path


def set_generator_diagram():
    """A drawing of InstaGAN's set generator (paper Fig. 2, Eq. 1) made with matplotlib: the image encoder
    f_GX, the mask encoder f_GA shared by every instance, the set sum Σ, the image decoder g_GX and the
    mask decoder g_GA, with what each decoder reads. Returns a :class:`matplotlib.figure.Figure`."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig = Figure(figsize=(8.6, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(0, 10.4)
    ax.set_ylim(-0.2, 4.4)
    ax.set_axis_off()
    colours = {"input": "#dde6f3", "encoder": "#f6d7a7", "sum": "#c9e7c4", "decoder": "#e8c7e6", "output": "#dde6f3"}

    def box(x, y, text, kind, w=1.5, h=0.62):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.04", fc=colours[kind], ec="black", lw=0.8))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=8)
        return (x, y, w, h)

    def arrow(a, b, text=""):
        (xa, ya, wa, ha), (xb, yb, _, hb) = a, b
        start, end = (xa + wa, ya + ha / 2), (xb, yb + hb / 2)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, lw=0.8, color="black"))
        if text:
            ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.08, text, fontsize=6.5, ha="center")

    x = box(0.1, 3.4, "image x", "input")
    masks = [box(0.1, 2.2 - 0.8 * i, f"mask $a_{i + 1}$", "input") for i in range(3)]
    fx = box(2.2, 3.4, "$f_{GX}$ (image encoder)", "encoder", w=1.9)
    fa = [box(2.2, 2.2 - 0.8 * i, "$f_{GA}$ (shared)", "encoder", w=1.9) for i in range(3)]
    total = box(4.8, 1.4, r"$\Sigma_i\, f_{GA}(a_i)$", "sum", w=1.5)
    gx = box(7.0, 3.4, r"$g_{GX}$ on $[f_{GX};\ \Sigma]$", "decoder", w=1.9)
    ga = box(7.0, 1.0, r"$g_{GA}$ on $[f_{GA}(a_n);\ f_{GX};\ \Sigma]$", "decoder", w=2.3, h=0.8)
    arrow(x, fx)
    for m, f in zip(masks, fa):
        arrow(m, f)
        arrow(f, total)
    arrow(fx, gx)
    arrow(total, gx)
    arrow(total, ga)
    arrow(fx, ga)
    arrow(fa[0], ga)
    y_out = box(9.15, 3.4, "$y'$", "output", w=1.1)
    b_out = box(9.45, 1.1, "$b'_n$", "output", w=0.8)
    arrow(gx, y_out)
    arrow(ga, b_out)
    ax.text(
        5.55,
        0.05,
        "the sum is the same for every order of the instances: the image output is invariant,\n"
        "each mask output follows its own instance",
        ha="center",
        fontsize=7,
        style="italic",
    )
    return fig


@torch.no_grad()
def sequential_strip(
    generator, image: torch.Tensor, masks: torch.Tensor, ins_per: int = 2, oracle: torch.Tensor | None = None
):
    """The sequential translation step by step (paper Sec. 2.3): x₁ with the first ``ins_per`` instances,
    then x₂ = y'₁ with the next ones, …, the final image and, when given, the ``oracle`` (the right
    translation, (3, H, W)) next to it. image (3, H, W), masks (K, H, W) in [-1, 1], slots in the order
    they are translated. Returns a :class:`matplotlib.figure.Figure`."""
    from matplotlib.figure import Figure

    valid = [k for k in range(masks.shape[0]) if (masks[k] > -1).any()]
    steps = [valid[i : i + ins_per] for i in range(0, len(valid), ins_per)]
    panels = len(steps) + 1 + (oracle is not None)
    fig = Figure(figsize=(2.0 * panels, 2.4), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    x = image[None]
    for m, (ax, slots) in enumerate(zip(axes, steps), start=1):
        shown = [k in slots for k in range(masks.shape[0])]
        draw_instances(ax, x[0], masks, 0.3, shown, legend=False)
        ax.set_title(f"$x_{m}$, step {m}: instances {slots}", fontsize=7)
        y, _ = generator(x, masks[slots][None])
        x = y  # x_{m+1} = y'_m (detached in training)
    pictures = [(x[0], f"$y'_{len(steps)}$: the result")]
    if oracle is not None:
        pictures.append((oracle, "ideal (oracle)"))
    for ax, (picture, title) in zip(axes[len(steps) :], pictures, strict=True):
        ax.imshow(to_numpy_image(picture), interpolation="nearest")
        ax.set_title(title, fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
