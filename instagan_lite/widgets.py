"""Notebook widgets: thin ipywidgets shells over pure functions that the tests call directly.

Each ``*_widget`` factory builds (does not display) a widget; the matching pure function does the work
and returns arrays or numbers. Controls use ``continuous_update=False`` and draw with matplotlib inside
an ``Output`` area, which works in JupyterLab and Colab without extra extensions.
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
    generator: torch.nn.Module, image: torch.Tensor, masks: torch.Tensor, chosen: Sequence[bool], ins_per: int = 2
) -> dict:
    """Translate only the chosen instances (paste-back outside them). Returns the translated image as
    (H, W, 3), its overlay with the masks, and the masks (K, H, W)."""
    index = [k for k, c in enumerate(chosen) if c]
    y, b = sequential_translate(generator, image[None], masks[None], TranslateOptions(ins_per=ins_per), index)
    return {"image": to_numpy_image(y[0]), "overlay": mask_overlay(y[0], b[0]), "masks": b[0]}


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


def _show_panels(panels: list[tuple[np.ndarray, str, dict]], width: float = 2.8) -> None:
    """Draw images side by side, each with a title and imshow options, axes hidden."""
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(1, len(panels), figsize=(width * len(panels), 3), squeeze=False)
    for ax, (picture, title, options) in zip(axes[0], panels):
        ax.imshow(picture, **options)
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    plt.show()


def _figure_output():
    import ipywidgets as widgets

    return widgets.Output(layout=widgets.Layout(min_height="260px"))


def mask_explorer(dataset, max_instances: int = 4):
    """Browse a dataset's images and toggle instances as coloured overlays."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    index = widgets.IntSlider(0, 0, len(dataset) - 1, description="image", continuous_update=False)
    toggles = [widgets.ToggleButton(True, description=f"instance {k}") for k in range(max_instances)]
    alpha = widgets.FloatSlider(0.6, min=0, max=1, step=0.1, description="opacity", continuous_update=False)
    out = _figure_output()

    @out.capture(clear_output=True)
    def draw(*_):
        item = dataset[index.value]
        _, ax = plt.subplots(figsize=(3, 3))
        ax.imshow(mask_overlay(item["image"], item["masks"], alpha.value, [t.value for t in toggles]))
        ax.set_axis_off()
        plt.show()

    for control in (index, alpha, *toggles):
        control.observe(draw, "value")
    draw()
    return widgets.VBox([widgets.HBox([index, alpha]), widgets.HBox(toggles), out])


def context_widget(image: torch.Tensor, translated: torch.Tensor, input_mask: torch.Tensor):
    """Move and resize a generated box mask b' and watch w(a, b') and L_ctx."""
    import ipywidgets as widgets

    size = image.shape[-1]
    sliders = {
        name: widgets.FloatSlider(value, min=1, max=size, step=1, description=name, continuous_update=False)
        for name, value in (("cy", size / 2), ("cx", size / 2), ("h", size / 3), ("w", size / 5))
    }
    out = _figure_output()

    @out.capture(clear_output=True)
    def draw(*_):
        b = box_mask(size, *(s.value for s in sliders.values()))[None]
        terms = context_terms(image, translated, input_mask[None], b)
        _show_panels(
            [
                (mask_overlay(image, torch.cat([input_mask[None], b])), "a (red) and b' (green)", {}),
                (
                    terms["w"],
                    f"w: L_ctx = {terms['l_ctx']:.4f}, ×10 = {terms['weighted']:.3f}",
                    {"vmin": 0, "vmax": 1, "cmap": "gray"},
                ),
            ]
        )

    for s in sliders.values():
        s.observe(draw, "value")
    draw()
    return widgets.VBox([widgets.HBox(list(sliders.values())[:2]), widgets.HBox(list(sliders.values())[2:]), out])


def _instance_picker(n: int, callback) -> list:
    import ipywidgets as widgets

    boxes = [widgets.Checkbox(True, description=f"instance {k}", indent=False) for k in range(n)]
    for box in boxes:
        box.observe(callback, "value")
    return boxes


def set_feature_widget(generator, image: torch.Tensor, masks: torch.Tensor):
    """Pick instances; see the set feature's norm map and the decoded masks."""
    import ipywidgets as widgets

    n = int(instance_validity(masks[None]).sum())
    out = _figure_output()

    @out.capture(clear_output=True)
    def draw(*_):
        chosen = [b.value for b in boxes] + [False] * (masks.shape[0] - n)
        view = set_feature_view(generator, image, masks, chosen)
        output = torch.from_numpy(view["image"]).permute(2, 0, 1) * 2 - 1
        _show_panels(
            [
                (mask_overlay(image, masks, 0.6, chosen), "chosen instances", {}),
                (view["set_norm"], f"‖Σ f_GA(a_i)‖, {view['n']} instance(s)", {"cmap": "magma"}),
                (mask_overlay(output, view["masks"]), "g_GX, g_GA outputs", {}),
            ]
        )

    boxes = _instance_picker(n, draw)
    draw()
    return widgets.VBox([widgets.HBox(boxes), out])


def selective_translation_widget(generator, image: torch.Tensor, masks: torch.Tensor, ins_per: int = 2):
    """Choose which instances to translate at inference (selective translation)."""
    import ipywidgets as widgets

    n = int(instance_validity(masks[None]).sum())
    out = _figure_output()

    @out.capture(clear_output=True)
    def draw(*_):
        chosen = [b.value for b in boxes] + [False] * (masks.shape[0] - n)
        result = selective_translation(generator, image, masks, chosen, ins_per)
        _show_panels(
            [
                (mask_overlay(image, masks, 0.6, chosen), "input, chosen instances", {}),
                (result["overlay"], "translated", {}),
            ]
        )

    boxes = _instance_picker(n, draw)
    draw()
    return widgets.VBox([widgets.HBox(boxes), out])


def loss_curve_widget(log: dict[str, np.ndarray]):
    """Choose loss terms and smoothing; plot the curves."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    names = [k for k in loss_names("instagan") if k in log]
    terms = widgets.SelectMultiple(
        options=names,
        value=tuple(n for n in names if n in ("G", "D_A", "D_B")),
        description="terms",
        rows=min(8, len(names)),
    )
    smoothing = widgets.IntSlider(20, 1, 200, description="smoothing", continuous_update=False)
    out = _figure_output()

    @out.capture(clear_output=True)
    def draw(*_):
        curves = loss_curves(log, terms.value, smoothing.value)
        _, ax = plt.subplots(figsize=(6, 3))
        for term in terms.value:
            ax.plot(curves["iteration"], curves[term], label=term)
        ax.set_xlabel("iteration")
        ax.legend(fontsize=7)
        plt.show()

    terms.observe(draw, "value")
    smoothing.observe(draw, "value")
    draw()
    return widgets.VBox([widgets.HBox([terms, smoothing]), out])
