"""Notebook widgets: thin ipywidgets shells over pure functions that the tests call directly.

Each ``*_widget`` factory builds (does not display) a widget; the matching pure function does the work
and returns arrays or numbers. Controls use ``continuous_update=False``.

Every redraw builds its own :class:`matplotlib.figure.Figure` (never pyplot), renders it to PNG bytes and
puts them in an ``ipywidgets.Image``. pyplot keeps global state that the kernel's post-execute hook
flushes; in JupyterLab 4.6 with ipykernel 7, widget messages are handled on a separate thread, so a
pyplot figure drawn in a callback could be flushed half-drawn (blank, transparent or missing panels).
A private Figure and an Image widget have no such shared state, and no empty space is reserved.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .losses import LossWeights, context_preserving_loss
from .masks import context_weight, instance_validity
from .set_networks import encode_set
from .step import loss_names
from .translate import TranslateOptions, sequential_translate
from .viz import mask_overlay, to_numpy_image

__all__ = [
    "box_mask",
    "context_terms",
    "context_widget",
    "figure_png",
    "load_loss_log",
    "loss_curve_widget",
    "loss_curves",
    "mask_explorer",
    "selective_translation",
    "selective_translation_widget",
    "set_feature_view",
    "set_feature_widget",
]


# --- pure functions ---------------------------------------------------------------------------------


def box_mask(size: int, cy: float, cx: float, h: float, w: float) -> torch.Tensor:
    """A (size, size) mask in {-1, 1} with a filled box of height h and width w centred at (cy, cx)."""
    yy, xx = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    inside = ((yy - cy).abs() <= h / 2) & ((xx - cx).abs() <= w / 2)
    return torch.where(inside, 1.0, -1.0)


def context_terms(
    image: torch.Tensor,
    translated: torch.Tensor,
    input_masks: torch.Tensor,
    generated_masks: torch.Tensor,
    weights: LossWeights | None = None,
) -> dict:
    """w(a, b') and L_ctx for one image: image/translated (3, H, W), masks (K, H, W) in [-1, 1].

    Returns ``{"w": (H, W) array in [0, 1], "l_ctx": float, "weighted": λ_ctx·L_ctx (λ_ctx from
    ``weights``, default 10), "kept_fraction": mean w}``.
    """
    weights = weights or LossWeights()
    a, b = input_masks[None], generated_masks[None]
    w = context_weight(a, b)[0, 0]
    loss = context_preserving_loss(image[None], translated[None], a, b).item()
    return {"w": w.numpy(), "l_ctx": loss, "weighted": weights.context * loss, "kept_fraction": w.mean().item()}


@torch.no_grad()
def set_feature_view(
    generator: torch.nn.Module, image: torch.Tensor, masks: torch.Tensor, chosen: Sequence[bool]
) -> dict:
    """Run a :class:`SetGenerator` on the chosen instances only.

    Returns ``{"set_norm": (h, w) array, the channel norm of Σ_i f_GA(a_i); "image": (H, W, 3) output;
    "masks": (K, H, W) output masks; "n": number of instances used}``.
    """
    net = getattr(generator, "net", generator)
    chosen_t = torch.tensor(list(chosen), dtype=torch.bool)
    a = torch.where(chosen_t[:, None, None], masks, torch.full_like(masks, -1.0))[None]
    _, set_sum = encode_set(net.encoder_seg, a, instance_validity(a))
    y, b = generator(image[None], a)
    return {
        "set_norm": set_sum[0].norm(dim=0).numpy(),
        "image": to_numpy_image(y[0]),
        "masks": b[0],
        "n": int(instance_validity(a).sum()),
    }


@torch.no_grad()
def selective_translation(
    generator: torch.nn.Module,
    image: torch.Tensor,
    masks: torch.Tensor,
    chosen: Sequence[bool],
    options: TranslateOptions | None = None,
) -> dict:
    """Translate only the chosen instances (paste-back outside them). Returns the translated image as
    (H, W, 3), its overlay with the chosen instances' translated masks (the others are not tinted, so
    they look exactly as in the input), and the masks (K, H, W). ``options``: how to translate, e.g. a
    shipped model's with its clean-ups (default ``TranslateOptions()``: 2 per step, no clean-ups)."""
    index = [k for k, c in enumerate(chosen) if c]
    y, b = sequential_translate(generator, image[None], masks[None], options, index)
    return {"image": to_numpy_image(y[0]), "overlay": mask_overlay(y[0], b[0], 0.6, chosen), "masks": b[0]}


def load_loss_log(path: Path | str) -> dict[str, np.ndarray]:
    """Read a trainer's ``losses.csv`` into ``{column: array}`` (empty cells are NaN)."""
    with Path(path).open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows")
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows]) for k in rows[0]}


def loss_curves(log: dict[str, np.ndarray], terms: Sequence[str], smoothing: int = 1) -> dict[str, np.ndarray]:
    """Per-iteration means of the chosen loss terms, smoothed by a trailing moving average of
    ``smoothing`` iterations. Returns ``{"iteration": x, term: y, …}``."""
    if smoothing < 1:
        raise ValueError(f"smoothing must be >= 1, got {smoothing}")
    unknown = [t for t in terms if t not in log]
    if unknown:
        available = [k for k in loss_names("instagan") if k in log]
        raise KeyError(f"unknown loss terms {unknown}; available: {available}")
    iterations = np.unique(log["iteration"])
    out = {"iteration": iterations}
    for term in terms:
        per_iter = np.array([np.nanmean(log[term][log["iteration"] == i]) for i in iterations])
        kernel = np.ones(smoothing) / smoothing
        padded = np.concatenate([np.full(smoothing - 1, per_iter[0]), per_iter])
        out[term] = np.convolve(padded, kernel, mode="valid")
    return out


# --- widget shells ----------------------------------------------------------------------------------


def figure_png(fig, dpi: int = 80) -> bytes:
    """Render a :class:`matplotlib.figure.Figure` (made without pyplot) to PNG bytes, white background."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    return buffer.getvalue()


def _panels_figure(panels: list[tuple[np.ndarray, str, dict]], width: float = 2.6):
    """Images side by side, each with a title and imshow options; a panel whose options hold a ``cmap``
    gets a frame and a colourbar (its colour encodes a value)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * len(panels), 2.9), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (picture, title, options) in zip(axes, panels):
        shown = ax.imshow(picture, **options)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        if "cmap" in options:
            fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
        else:
            ax.set_axis_off()
    return fig


def _image_widget():
    import ipywidgets as widgets

    # align_self: a box would otherwise stretch the picture to its full width
    return widgets.Image(format="png", layout=widgets.Layout(width="auto", height="auto", align_self="flex-start"))


def _row(children: list):
    import ipywidgets as widgets

    return widgets.HBox(children, layout=widgets.Layout(width="auto", flex_flow="row wrap"))


def mask_explorer(dataset, max_instances: int = 4):
    """Browse a dataset's images and toggle instances as outlined, coloured overlays."""
    import ipywidgets as widgets
    from matplotlib.figure import Figure

    from .viz import draw_instances

    index = widgets.IntSlider(0, 0, len(dataset) - 1, description="image", continuous_update=False)
    toggles = [
        widgets.ToggleButton(True, description=f"instance {k}", layout=widgets.Layout(width="auto"))
        for k in range(max_instances)
    ]
    alpha = widgets.FloatSlider(0.4, min=0, max=1, step=0.1, description="opacity", continuous_update=False)
    image = _image_widget()

    def draw(*_):
        item = dataset[index.value]
        fig = Figure(figsize=(3.4, 3.0), layout="constrained")
        ax = fig.subplots()
        draw_instances(ax, item["image"], item["masks"], alpha.value, [t.value for t in toggles])
        image.value = figure_png(fig)

    for control in (index, alpha, *toggles):
        control.observe(draw, "value")
    draw()
    return widgets.VBox([_row([index, alpha]), _row(toggles), image])


def context_widget(image: torch.Tensor, translated: torch.Tensor, input_mask: torch.Tensor):
    """Move and resize a generated box mask b' and watch w(a, b') and L_ctx."""
    import ipywidgets as widgets

    size = image.shape[-1]
    sliders = {
        name: widgets.FloatSlider(value, min=1, max=size, step=1, description=name, continuous_update=False)
        for name, value in (("cy", size / 2), ("cx", size / 2), ("h", size / 3), ("w", size / 5))
    }
    picture = _image_widget()

    def draw(*_):
        b = box_mask(size, *(s.value for s in sliders.values()))[None]
        terms = context_terms(image, translated, input_mask[None], b)
        panels = [
            (mask_overlay(image, torch.cat([input_mask[None], b])), "a (red) and b' (green) on x", {}),
            (to_numpy_image(translated), "y' (the translation)", {}),
            (terms["w"], f"w(a, b'): L_ctx = {terms['l_ctx']:.4f}", {"vmin": 0, "vmax": 1, "cmap": "viridis"}),
        ]
        picture.value = figure_png(_panels_figure(panels))

    for s in sliders.values():
        s.observe(draw, "value")
    draw()
    controls = list(sliders.values())
    return widgets.VBox([_row(controls[:2]), _row(controls[2:]), picture])


def _instance_picker(n: int, callback) -> list:
    import ipywidgets as widgets

    boxes = [
        widgets.Checkbox(True, description=f"instance {k}", indent=False, layout=widgets.Layout(width="auto"))
        for k in range(n)
    ]
    for box in boxes:
        box.observe(callback, "value")
    return boxes


def set_feature_widget(generator, image: torch.Tensor, masks: torch.Tensor):
    """Pick instances; see the set feature's norm map and the decoded masks."""
    import ipywidgets as widgets

    n = int(instance_validity(masks[None]).sum())
    picture = _image_widget()

    def draw(*_):
        chosen = [b.value for b in boxes] + [False] * (masks.shape[0] - n)
        view = set_feature_view(generator, image, masks, chosen)
        output = torch.from_numpy(view["image"]).permute(2, 0, 1) * 2 - 1
        panels = [
            (mask_overlay(image, masks, 0.6, chosen), "chosen instances", {}),
            (view["set_norm"], f"‖Σ f_GA(a_i)‖, {view['n']} instance(s)", {"cmap": "magma"}),
            (mask_overlay(output, view["masks"]), "g_GX, g_GA outputs", {}),
        ]
        picture.value = figure_png(_panels_figure(panels))

    boxes = _instance_picker(n, draw)
    draw()
    return widgets.VBox([_row(boxes), picture])


def selective_translation_widget(
    generator, image: torch.Tensor, masks: torch.Tensor, options: TranslateOptions | None = None
):
    """Choose which instances to translate at inference (selective translation); ``options`` as in
    :func:`selective_translation`."""
    import ipywidgets as widgets

    n = int(instance_validity(masks[None]).sum())
    picture = _image_widget()

    def draw(*_):
        chosen = [b.value for b in boxes] + [False] * (masks.shape[0] - n)
        result = selective_translation(generator, image, masks, chosen, options)
        panels = [
            (mask_overlay(image, masks, 0.6, chosen), "input, chosen instances", {}),
            (result["overlay"], "translated", {}),
        ]
        picture.value = figure_png(_panels_figure(panels))

    boxes = _instance_picker(n, draw)
    draw()
    return widgets.VBox([_row(boxes), picture])


def loss_figure(log: dict[str, np.ndarray], terms: Sequence[str], smoothing: int = 1):
    """Loss curves on a private Figure: generator terms on the left, discriminator losses on the right,
    iteration on the x axis, the loss on a log axis (the terms span two orders of magnitude: the cycle,
    identity and context terms, unweighted, are near 0.01–0.1 where the GAN term is near 1)."""
    from matplotlib.figure import Figure

    curves = loss_curves(log, terms, smoothing)
    groups = {
        "generator": [t for t in terms if t.startswith("G")],
        "discriminators": [t for t in terms if t.startswith("D")],
    }
    groups = {k: v for k, v in groups.items() if v}
    fig = Figure(figsize=(3.6 * max(1, len(groups)), 2.8), layout="constrained")
    axes = fig.subplots(1, max(1, len(groups)), squeeze=False)[0]
    for ax, (title, members) in zip(axes, groups.items()):
        for term in members:
            ax.plot(curves["iteration"], curves[term], label=term)
        ax.set_title(f"{title} (mean of {smoothing} iterations)", fontsize=9)
        ax.set_xlabel("iteration")
        ax.set_ylabel("loss (log scale)")
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    return fig


def loss_curve_widget(log: dict[str, np.ndarray]):
    """Choose loss terms and smoothing; plot the curves (G terms and D losses on separate axes)."""
    import ipywidgets as widgets

    names = [k for k in loss_names("instagan") if k in log]
    default = tuple(n for n in names if n in ("G_A/gan", "G_A/context", "D_A", "D_B")) or tuple(names[:2])
    terms = widgets.SelectMultiple(options=names, value=default, description="terms", rows=len(names))
    smoothing = widgets.IntSlider(20, 1, 200, description="smoothing", continuous_update=False)
    picture = _image_widget()

    def draw(*_):
        picture.value = figure_png(loss_figure(log, terms.value, smoothing.value))

    terms.observe(draw, "value")
    smoothing.observe(draw, "value")
    draw()
    return widgets.VBox([_row([terms, smoothing]), picture])
